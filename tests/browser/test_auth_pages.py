"""Signing in and out in a real browser, at phone and desktop sizes, with every page audited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lms import db
from tests.browser.fixtures import audit
from lms.testing import PASSWORD

pytestmark = pytest.mark.browser
SERVICE = "Leadership and management training"


@pytest.fixture
def person(make_user):  # noqa: ANN001
    user = make_user(email="jo@example.org", name="Jo Bloggs")
    db.commit()
    return user


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_and_out(page: Page, person):
    page.goto("/start")
    expect(page).to_have_title(SERVICE)
    audit(page)

    page.goto("/account")  # a protected page leads to sign-in, and back again afterwards
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Faccount$"))
    expect(page).to_have_title(f"Sign in - {SERVICE}")
    audit(page)

    sign_in(page, "jo@example.org", PASSWORD)
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_role("link", name="Jo Bloggs")).to_be_visible()
    audit(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/start$"))
    expect(page.get_by_role("alert")).to_contain_text("You have signed out.")
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    audit(page)


def test_failed_sign_in_shows_the_error_summary_with_focus(page: Page, person):
    page.goto("/sign-in")
    sign_in(page, "jo@example.org", "not the password")
    expect(page).to_have_title(f"Error: Sign in - {SERVICE}")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The e-mail address or password is not right")
    expect(page.get_by_label("E-mail address")).to_have_value("jo@example.org")
    audit(page)

    summary.get_by_role("link").click()  # the summary's link takes the keyboard to the field
    expect(page.get_by_label("E-mail address")).to_be_focused()


def test_sign_in_works_by_keyboard_alone(page: Page, person):
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")  # skips the header: the next Tab reaches the first field
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mail address")).to_be_focused()
    page.keyboard.type("jo@example.org")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/sign-in"))
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def test_joining_through_an_invitation(page: Page, session, make_org, make_user):
    from lms.auth import links
    from lms.auth.models import Role
    from lms.auth.principal import load_principal

    org = make_org(name="Lakeside NHS Trust")
    admin = load_principal(session, make_user(org=org, roles=[Role.ORG_ADMIN]).id)
    _, token = links.create_invitation(session, admin, org.id, "nia@example.org", Role.LEARNER)
    db.commit()

    page.goto(f"/join/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Lakeside NHS Trust")
    audit(page)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_title(f"Error: Join Lakeside NHS Trust - {SERVICE}")
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    audit(page)

    page.get_by_label("Full name").fill("Nia New")
    page.get_by_label("Create a password").fill("three random words")
    page.get_by_label("Confirm password").fill("three random words")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("Welcome, Nia New")
