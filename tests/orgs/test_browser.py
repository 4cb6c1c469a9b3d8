"""An organisation admin's pages in a real browser, at phone and desktop sizes, each audited with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lms import db
from lms.auth.models import Role
from tests.browser.fixtures import audit
from lms.testing import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def org_admin(make_org, make_user):  # noqa: ANN001
    org = make_org(code="RXA", name="Riverside Trust")
    admin = make_user(email="admin@riverside.example", name="Rita Admin", roles=[Role.ORG_ADMIN], org=org)
    make_user(email="sam@riverside.example", name="Sam Staff", org=org)
    db.commit()
    return admin


def sign_in(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill("admin@riverside.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_organisation_admin_works_through_every_admin_page(page: Page, org_admin):
    sign_in(page)
    page.goto("/admin")  # one organisation: straight to its overview
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    audit(page)

    page.get_by_role("link", name="Import staff").click()
    page.set_input_files("input[type=file][name=file]", files=[{"name": "staff.csv", "mimeType": "text/csv",
                                          "buffer": b"email,name,band\nbad,,12\n"}])
    page.get_by_role("button", name="Import staff").click()
    expect(page).to_have_title(re.compile("^Error: Import staff"))
    expect(page.locator("#problems")).to_contain_text("Unknown band '12'")
    audit(page)
    page.set_input_files("input[type=file][name=file]", files=[{"name": "staff.csv", "mimeType": "text/csv",
                                          "buffer": b"email,name,band\nnew@riverside.example,Nia New,5\n"}])
    page.get_by_role("button", name="Import staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("1 person imported")
    audit(page)

    page.goto(page.url.replace("/import", "/people"))
    expect(page.get_by_role("link", name="Nia New")).to_be_visible()
    audit(page)
    page.get_by_label("Select Sam Staff").check()
    page.get_by_role("button", name="Assign training to the people selected").click()
    expect(page.get_by_label("Sam Staff")).to_be_checked()
    page.get_by_label("Electives bundle").check()
    page.get_by_label("Year").fill("2001")
    page.get_by_role("button", name="Assign training").click()
    expect(page).to_have_title(re.compile("^Error: Assign training"))
    audit(page)
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("1")
    page.get_by_label("Year").fill(str(db.utcnow().year + 1))
    page.get_by_role("button", name="Assign training").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance")
    expect(page.locator("table")).to_contain_text("Sam Staff")
    audit(page)

    page.get_by_role("link", name="Sam Staff").first.click()
    page.get_by_role("button", name="Create password reset link").click()
    expect(page.get_by_label("Password reset link for Sam Staff")).to_have_value(re.compile("/reset-password/"))
    audit(page)

    page.get_by_role("link", name="People").first.click()  # the back link
    for link, heading in [("Invite a person", "Invite a person"), ("Local modules", "Local modules"),
                          ("Audit trail", "Audit trail")]:
        page.get_by_role("navigation", name="Riverside Trust administration").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        audit(page)
    page.get_by_role("navigation", name="Riverside Trust administration").get_by_role(
        "link", name="Invite a person").click()
    page.get_by_label("E-mail address").fill("guest@riverside.example")
    page.get_by_role("button", name="Create invitation link").click()
    expect(page.get_by_label("Join link for guest@riverside.example")).to_have_value(re.compile("/join/"))
    audit(page)


def test_a_platform_admin_adds_a_region_and_an_organisation(page: Page, make_org, make_user):
    make_user(email="admin@riverside.example", name="Pat Platform", roles=[Role.PLATFORM_ADMIN],
              org=make_org(name="Riverside Trust"))
    db.commit()
    sign_in(page)
    page.goto("/admin")
    expect(page.get_by_role("table")).to_contain_text("Riverside Trust")
    audit(page)
    page.get_by_role("link", name="Organisations and integrated care systems").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    audit(page)
    page.get_by_role("button", name="Add an integrated care system").click()
    page.get_by_role("button", name="Add integrated care system").click()
    expect(page).to_have_title(re.compile("^Error: "))
    audit(page)
    page.get_by_label("Name").fill("Coastal ICS")
    page.get_by_label("Code").fill("QCX")
    page.get_by_role("button", name="Add integrated care system").click()
    expect(page.get_by_role("alert")).to_contain_text("Coastal ICS added")
    page.get_by_role("button", name="Add an organisation").click()
    page.get_by_label("Name").fill("Coastal Care")
    page.get_by_label("ODS or CQC code").fill("1-234")
    page.get_by_label("Care provider").check()
    page.get_by_label("Integrated care system").select_option(label="Coastal ICS (QCX)")
    page.get_by_role("button", name="Add organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    expect(page.locator("main")).to_contain_text("Coastal Care")
    audit(page)
    page.goto("/admin/audit")
    expect(page.get_by_role("table")).to_contain_text("organisation.created")
    audit(page)
