"""The eligibility profile in a real browser, at phone and desktop sizes, audited with axe."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from lms import db
from lms.auth.models import Role
from tests.browser.conftest import audit
from tests.browser.test_auth_pages import sign_in
from lms.testing import PASSWORD
# The gates tests' content, fake credentials and advancement rules, as fixtures of this module too.
from tests.gates.conftest import cert, credentials, plugins, test_config  # noqa: F401

pytestmark = pytest.mark.browser


def row(page: Page, key: str):  # noqa: ANN201
    """The summary-list row whose key is exactly key."""
    return page.locator(".nhsuk-summary-list__row").filter(
        has=page.locator(".nhsuk-summary-list__key", has_text=key))


def test_a_person_sees_what_they_are_eligible_for(page: Page, make_user, credentials):
    person = make_user(email="sam@example.org", name="Sam Manager")
    credentials.give(person, cert("starter"), cert("electives", "expired", expires=datetime(2026, 3, 3, tzinfo=UTC)))
    db.commit()
    page.goto("/profile")
    sign_in(page, "sam@example.org", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your eligibility")
    band = row(page, "Agenda for Change band 8a")
    expect(band.locator(".nhsuk-tag")).to_have_text("Eligible")
    advanced = row(page, "Advanced bundle")
    expect(advanced.locator(".nhsuk-tag")).to_have_text("Not yet eligible")
    expect(advanced).to_contain_text("Electives bundle certificate: expired on 3 March 2026")
    audit(page)


def test_an_org_admin_sees_a_persons_eligibility(page: Page, make_org, make_user):
    org = make_org()
    person = make_user(name="Pat Person", org=org)
    make_user(email="admin@example.org", roles=[Role.ORG_ADMIN], org=org)
    db.commit()
    page.goto(f"/people/{person.id}/profile")
    sign_in(page, "admin@example.org", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Eligibility of Pat Person")
    expect(row(page, "Service lead").locator(".nhsuk-tag")).to_have_text("Not yet eligible")
    audit(page)
