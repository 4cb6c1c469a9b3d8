"""A bundle asking for approval: the line manager (or, with none, the organisation admin) decides; the
calendar file of a booking."""

from __future__ import annotations

from icalendar import Calendar
from sqlmodel import select

from lms import db
from lms.auth.models import Role, User
from lms.cohorts.models import Booking, BookingStatus
from lms.notices.models import Notice
from lms.testing import submit
from tests.cohorts.conftest import ACTIVITY, MODULE, verbs_of


def book(session, person, cohort, bundle="approvedcohort"):  # noqa: ANN001, ANN201
    return submit(session, person, bundle, MODULE, ACTIVITY, action="book", cohort=str(cohort.id))


def test_a_booking_waits_for_the_line_manager_who_approves_it(session, make_cohort, make_user, enrolled, org,
                                                               login_as):  # noqa: ANN001
    manager = make_user(org=org, name="Mo Manager")
    ada = enrolled("approvedcohort", line_manager_id=manager.id)
    cohort = make_cohort(capacity=1)
    book(session, ada, cohort)
    booking = session.exec(select(Booking)).one()
    assert booking.status == BookingStatus.AWAITING_APPROVAL
    asked = session.exec(select(Notice).where(Notice.user_id == manager.id)).one()
    assert asked.event == "cohort.approval_requested" and asked.link == "/cohorts/approvals"
    client = login_as(manager)
    assert ada.name in client.get("/cohorts/approvals").get_data(as_text=True)
    assert client.post(f"/cohorts/bookings/{booking.id}/decision", data={"decision": "approve"}).status_code == 302
    db.rollback()
    assert session.get(Booking, booking.id).status == BookingStatus.BOOKED
    assert session.get(Booking, booking.id).decided_by_id == manager.id
    told = session.exec(select(Notice).where(Notice.user_id == ada.id)).one()
    assert "confirmed" in told.subject


def test_a_refused_place_goes_to_the_next_person_waiting(session, make_cohort, make_user, enrolled, org,
                                                         login_as):  # noqa: ANN001
    manager = make_user(org=org)
    ada, ben = enrolled("approvedcohort", line_manager_id=manager.id), enrolled("approvedcohort",
                                                                                line_manager_id=manager.id)
    cohort = make_cohort(capacity=1)
    book(session, ada, cohort)
    book(session, ben, cohort)
    first = session.exec(select(Booking).where(Booking.user_id == ada.id)).one()
    login_as(manager).post(f"/cohorts/bookings/{first.id}/decision", data={"decision": "refuse"})
    db.rollback()
    assert session.get(Booking, first.id).status == BookingStatus.REFUSED
    assert session.exec(select(Booking).where(Booking.user_id == ben.id)).one().status == BookingStatus.BOOKED
    assert verbs_of(session, ada.id) == ["registered", "cancelled"]


def test_with_no_line_manager_the_organisation_admin_decides(session, make_cohort, make_user, enrolled, org,
                                                             login_as):  # noqa: ANN001
    admin = make_user(org=org, roles=(Role.ORG_ADMIN,))
    ada = enrolled("approvedcohort")
    book(session, ada, make_cohort())
    booking = session.exec(select(Booking)).one()
    assert session.exec(select(Notice).where(Notice.user_id == admin.id)).one().event == "cohort.approval_requested"
    assert login_as(admin).post(f"/cohorts/bookings/{booking.id}/decision",
                                data={"decision": "approve"}).status_code == 302


def test_no_one_else_decides_and_a_decision_is_made_once(session, make_cohort, make_user, enrolled, org,
                                                         login_as):  # noqa: ANN001
    manager, stranger = make_user(org=org), make_user(org=org)
    ada = enrolled("approvedcohort", line_manager_id=manager.id)
    book(session, ada, make_cohort())
    booking = session.exec(select(Booking)).one()
    assert login_as(stranger).post(f"/cohorts/bookings/{booking.id}/decision",
                                   data={"decision": "approve"}).status_code == 403
    client = login_as(manager)
    assert client.post(f"/cohorts/bookings/{booking.id}/decision", data={"decision": "maybe"}).status_code == 400
    assert client.post(f"/cohorts/bookings/{booking.id}/decision", data={"decision": "approve"}).status_code == 302
    assert client.post(f"/cohorts/bookings/{booking.id}/decision", data={"decision": "refuse"}).status_code == 409
    db.rollback()
    assert session.get(Booking, booking.id).status == BookingStatus.BOOKED


def test_a_booking_offers_a_calendar_file_of_its_sessions_to_its_owner_only(session, make_cohort, make_user,
                                                                            enrolled, login_as):  # noqa: ANN001
    cohort = make_cohort(sessions=2, title="Spring cohort")
    ada = enrolled()
    submit(session, ada, "opencohort", MODULE, ACTIVITY, action="book", cohort=str(cohort.id))
    booking = session.exec(select(Booking)).one()
    response = login_as(session.get(User, ada.id)).get(f"/cohorts/bookings/{booking.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Spring cohort: Day 1", "Spring cohort: Day 2"]
    assert str(events[0]["LOCATION"]) == "The Hub, Northshire"
    assert str(events[0]["UID"]).endswith("@lms.test")  # the public address's host, not the request's
    assert login_as(make_user()).get(f"/cohorts/bookings/{booking.id}/calendar.ics").status_code == 404
