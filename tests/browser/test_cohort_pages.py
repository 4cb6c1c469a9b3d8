"""Booking a place on a cohort and taking its register, in a real browser at phone and desktop widths, every
page audited (axe, console errors, sideways scroll)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from lms import db
from lms.auth.models import Role
from lms.auth.security import load_principal
from lms.cohorts import booking as bookings
from lms.cohorts.demo import ACCESS, BUNDLE, MODULE, _cohort, _move
from lms.cohorts.models import Booking, BookingStatus
from lms.learning import services as learning
from lms.learning.context import catalog
from lms.plugins.discovery import PluginSet
from lms.testing import PASSWORD
from tests.browser.conftest import audit

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent.parent / "instance" / "screenshots"


@pytest.fixture
def plugins():
    return PluginSet.discover()


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}-{page.viewport_size['width']}.png", full_page=True)


def test_a_manager_books_a_place_that_waits_for_approval(page: Page, session, make_org, make_user):  # noqa: ANN001
    org = make_org()
    boss = make_user(org=org, name="Bea Boss")
    me = make_user(org=org, email="mo@example.org", name="Mo Manager", line_manager_id=boss.id)
    learning.enrol(session, load_principal(session, me.id), me.id, BUNDLE)
    plan = [d.title for d in catalog().module(MODULE).activity("cohort").content.days]
    _cohort(session, org, plan, "Mid-career programme: Northshire, spring", "Northshire", capacity=12,
            first=db.utcnow() + timedelta(days=30))
    db.commit()

    sign_in(page, "mo@example.org")
    page.goto(f"/learning/{BUNDLE}/{MODULE}/cohort")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book your place and attend the four days")
    expect(page.get_by_text("12 of 12 places left")).to_be_visible()
    expect(page.get_by_text(ACCESS).first).to_be_visible()
    audit(page)
    shot(page, "cohort-booking")
    page.get_by_role("button", name="Book a place on Mid-career programme: Northshire, spring").click()
    expect(page.get_by_role("heading", name="Your place: Mid-career programme: Northshire, spring")).to_be_visible()
    expect(page.get_by_text("Waiting for approval")).to_be_visible()
    expect(page.get_by_role("link", name="Add the sessions to your calendar (.ics file)")).to_be_visible()
    audit(page)
    shot(page, "cohort-booked")
    db.rollback()
    assert session.exec(select(Booking.status)).one() == BookingStatus.AWAITING_APPROVAL


def test_a_facilitator_takes_todays_register(page: Page, session, make_org, make_user):  # noqa: ANN001
    org = make_org()
    make_user(org=org, email="fay@example.org", name="Fay Facilitator", roles=(Role.LEARNER, Role.FACILITATOR))
    plan = [d.title for d in catalog().module(MODULE).activity("cohort").content.days]
    cohort = _cohort(session, org, plan, "Mid-career programme: Northshire, winter", "Northshire", capacity=12,
                     first=db.utcnow() + timedelta(days=30))
    people = [make_user(org=org, name=name, job_title="Ward manager") for name in ("Ada Ames", "Ben Bell", "Cy Cole")]
    for person in people:
        learning.enrol(session, load_principal(session, person.id), person.id, BUNDLE)
        booking = bookings.book(session, person.id, cohort.id, catalog().bundle(BUNDLE), db.utcnow())
        booking.status = BookingStatus.BOOKED  # approved by their organisation
    _move(session, cohort, db.utcnow())  # the first day is today
    db.commit()

    sign_in(page, "fay@example.org")
    page.goto("/facilitate")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cohorts")
    audit(page)
    page.get_by_role("link", name=f"Take the register for {plan[0]}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Register: {plan[0]}")
    audit(page)
    attended = page.get_by_role("group", name="Ada Ames").get_by_label("Attended", exact=True)
    height = attended.evaluate("input => input.closest('.nhsuk-radios__item').getBoundingClientRect().height")
    assert height >= 40, "each choice is a large touch target"
    attended.check()
    page.get_by_role("group", name="Ben Bell").get_by_label("Partly attended").check()
    page.get_by_role("button", name="Save the register").click()
    expect(page.get_by_role("link", name="Say which part Ben Bell attended")).to_be_visible()  # the error summary
    audit(page)
    shot(page, "cohort-register-error")
    page.get_by_label("Note about Ben Bell").fill("Left at 12:30 for a safeguarding call")
    page.get_by_role("group", name="Cy Cole").get_by_label("Absent").check()
    page.get_by_role("button", name="Save the register").click()
    expect(page.get_by_text("Register saved: 3 marks recorded")).to_be_visible()
    expect(page.get_by_role("group", name="Ada Ames").get_by_label("Attended", exact=True)).to_be_checked()
    audit(page)
    shot(page, "cohort-register")
