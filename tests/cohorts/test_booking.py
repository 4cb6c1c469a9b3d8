"""Booking a place, the waiting list, cancelling, promotion from the list, and the line manager's approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from lms import db
from lms.auth.models import User
from lms.errors import Conflict
from lms.cohorts.models import Booking, BookingStatus, CohortStatus
from lms.db import utcnow
from lms.notices.models import Notice
from lms.testing import submit
from tests.cohorts.conftest import ACTIVITY, MODULE, statements, verbs_of

PAGE = "/learning/opencohort/gathering/days"


def book(session, person, cohort, bundle="opencohort"):  # noqa: ANN001, ANN201
    return submit(session, person, bundle, MODULE, ACTIVITY, action="book", cohort=str(cohort.id))


def booking_of(session, person, cohort) -> Booking:  # noqa: ANN001
    return session.exec(select(Booking).where(Booking.user_id == person.id, Booking.cohort_id == cohort.id)).one()


def test_a_place_is_booked_recorded_and_shown(session, make_cohort, enrolled, login_as):  # noqa: ANN001
    cohort = make_cohort(capacity=2, title="Northshire spring cohort")
    ada = enrolled()
    book(session, ada, cohort)
    assert booking_of(session, ada, cohort).status == BookingStatus.BOOKED
    assert verbs_of(session, ada.id) == ["registered"]
    page = login_as(session.get(User, ada.id)).get(PAGE)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Your place: Northshire spring cohort" in text and "Booked" in text and "calendar.ics" in text


def test_a_full_cohort_puts_the_next_person_on_the_waiting_list(session, make_cohort, enrolled):  # noqa: ANN001
    cohort = make_cohort(capacity=1)
    first, second = enrolled(), enrolled()
    book(session, first, cohort)
    book(session, second, cohort)
    assert booking_of(session, second, cohort).status == BookingStatus.WAITLISTED
    assert verbs_of(session, second.id) == ["waitlisted"]


def test_a_cancelled_place_goes_to_the_next_on_the_list_recorded_and_told(session, make_cohort, enrolled):  # noqa: ANN001
    cohort = make_cohort(capacity=1)
    first, second, third = enrolled(), enrolled(), enrolled()
    for person in (first, second, third):
        book(session, person, cohort)
    submit(session, first, "opencohort", MODULE, ACTIVITY, action="cancel",
           booking=str(booking_of(session, first, cohort).id))
    promoted = booking_of(session, second, cohort)
    assert booking_of(session, first, cohort).status == BookingStatus.CANCELLED
    assert promoted.status == BookingStatus.BOOKED and promoted.promoted_at is not None
    assert booking_of(session, third, cohort).status == BookingStatus.WAITLISTED
    assert verbs_of(session, first.id) == ["registered", "cancelled"]
    assert verbs_of(session, second.id) == ["waitlisted", "registered"]
    [promotion] = [s for s in statements(session) if s["actor"]["account"]["name"] == str(second.id)][-1:]
    assert promotion["context"]["extensions"]["https://lms.example.org/xapi/extensions/from-waiting-list"] is True
    told = session.exec(select(Notice).where(Notice.user_id == second.id)).one()
    assert told.event == "cohort.promoted" and told.link == PAGE


@pytest.mark.parametrize("case", ["full-list-closed", "closed", "past", "cancelled", "finished"])
def test_a_cohort_that_cannot_be_booked_refuses_with_a_message_and_changes_nothing(
        session, make_cohort, enrolled, login_as, case):  # noqa: ANN001
    now = utcnow()
    cohort = {
        "full-list-closed": lambda: make_cohort(capacity=1, booking_closes_at=now - timedelta(hours=1)),
        "closed": lambda: make_cohort(booking_closes_at=now - timedelta(minutes=1)),
        "past": lambda: make_cohort(first_in=-3, booking_closes_at=now + timedelta(days=1)),
        "cancelled": lambda: make_cohort(status=CohortStatus.CANCELLED),
        "finished": lambda: make_cohort(status=CohortStatus.FINISHED),
    }[case]()
    ada = enrolled()
    client = login_as(session.get(User, ada.id))
    response = client.post(PAGE, data={"action": "book", "cohort": str(cohort.id)}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "closed" in text or "no longer taking bookings" in text
    db.rollback()
    assert session.exec(select(Booking)).all() == []
    assert verbs_of(session, ada.id) == []


def test_the_same_person_cannot_book_twice_or_hold_two_cohorts_of_a_module(session, make_cohort, enrolled):  # noqa: ANN001
    first, second = make_cohort(), make_cohort()
    ada = enrolled()
    book(session, ada, first)
    for cohort, message in ((first, "already have a place on this cohort"), (second, "another cohort of this module")):
        with pytest.raises(Conflict, match=message):
            book(session, ada, cohort)
    assert len(session.exec(select(Booking).where(Booking.user_id == ada.id)).all()) == 1


def test_cancelling_after_the_deadline_is_refused_and_changes_nothing(session, make_cohort, enrolled, login_as):  # noqa: ANN001
    cohort = make_cohort(capacity=1)
    ada, ben = enrolled(), enrolled()
    book(session, ada, cohort)
    book(session, ben, cohort)
    cohort.cancel_by = utcnow() - timedelta(minutes=1)
    session.add(cohort)
    mine = booking_of(session, ada, cohort)
    response = login_as(session.get(User, ada.id)).post(PAGE, data={"action": "cancel", "booking": str(mine.id)},
                                                        follow_redirects=True)
    assert "deadline for cancelling" in response.get_data(as_text=True)
    db.rollback()
    assert booking_of(session, ada, cohort).status == BookingStatus.BOOKED
    assert booking_of(session, ben, cohort).status == BookingStatus.WAITLISTED
    assert verbs_of(session, ada.id) == ["registered"]


def test_someone_elses_booking_cannot_be_cancelled(session, make_cohort, enrolled, login_as):  # noqa: ANN001
    cohort = make_cohort()
    ada, ben = enrolled(), enrolled()
    book(session, ada, cohort)
    theirs = booking_of(session, ada, cohort)
    response = login_as(session.get(User, ben.id)).post(PAGE, data={"action": "cancel", "booking": str(theirs.id)})
    assert response.status_code == 404
    for bad in ("", "x", "0", "99999999999", "\u0661"):
        assert login_as(session.get(User, ben.id)).post(PAGE, data={"action": "book", "cohort": bad}).status_code == 400
    db.rollback()
    assert booking_of(session, ada, cohort).status == BookingStatus.BOOKED


def test_cohorts_in_the_persons_own_region_come_first(session, make_cohort, make_org, enrolled, login_as):  # noqa: ANN001
    make_cohort(title="Elsewhere cohort", first_in=5, host=make_org())
    make_cohort(title="Home cohort", first_in=20)
    ada = enrolled()
    text = login_as(session.get(User, ada.id)).get(PAGE).get_data(as_text=True)
    assert text.index("Home cohort") < text.index("Elsewhere cohort")
    assert text.count("Near you") == 1
