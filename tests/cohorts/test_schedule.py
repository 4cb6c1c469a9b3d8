"""A facilitator schedules a cohort of a module for their organisation: one session per day of its plan."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from lms import db
from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.cohorts.models import Cohort, CohortSession

NEXT_YEAR = str(date.today().year + 1)


def form(org, **changes) -> dict:  # noqa: ANN001
    return {"module": "gathering", "organisation": str(org.id), "title": "Spring cohort", "place": "Northshire",
            "capacity": "16", "first_day": "3", "first_month": "3", "first_year": NEXT_YEAR, "spacing": "7",
            "starts": "09:30", "ends": "16:30", "venue": "The Hub", "online_link": "", "accessibility": "Step-free",
            "rule": "most", "percent": "75", **changes}


def test_a_cohort_is_scheduled_with_a_session_per_day_of_the_plan(session, org, facilitator, login_as):  # noqa: ANN001
    client = login_as(facilitator)
    assert client.get("/facilitate/new").status_code == 200
    response = client.post("/facilitate/new", data=form(org))
    assert response.status_code == 302
    db.rollback()
    cohort = session.exec(select(Cohort)).one()
    assert (cohort.title, cohort.capacity, cohort.attendance_rule, cohort.attendance_percent) == (
        "Spring cohort", 16, "most", 75)
    sessions = session.exec(select(CohortSession).order_by(CohortSession.starts_at)).all()
    assert [s.title for s in sessions] == ["Day one", "Day two"]
    assert (sessions[1].starts_at - sessions[0].starts_at).days == 7
    assert sessions[0].starts_at.hour in (9, 10)  # 09:30 UK time, stored in UTC
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "cohorts.scheduled")).one()


def test_bad_input_is_refused_with_a_message_and_nothing_is_scheduled(session, org, facilitator, login_as):  # noqa: ANN001
    client = login_as(facilitator)
    for changes, message in (({"capacity": "0"}, "number of places"), ({"capacity": "x"}, "number of places"),
                             ({"first_year": "2001"}, "must be in the future"),
                             ({"first_month": "13"}, "real date"), ({"starts": "9am"}, "time such as"),
                             ({"ends": "08:00"}, "after the starting time"), ({"venue": ""}, "venue, an online link"),
                             ({"online_link": "javascript:alert(1)"}, "starting https"), ({"module": "nope"}, "programme"),
                             ({"rule": "sometimes"}, "attendance rule"), ({"percent": "10"}, "percentage")):
        response = client.post("/facilitate/new", data=form(org, **changes))
        assert response.status_code == 400 and message in response.get_data(as_text=True), changes
    db.rollback()
    assert session.exec(select(Cohort)).all() == []


def test_a_facilitator_schedules_only_for_their_own_organisations(session, org, make_org, facilitator, make_user,
                                                                  login_as):  # noqa: ANN001
    other = make_org()
    assert login_as(facilitator).post("/facilitate/new", data=form(other)).status_code == 403
    assert login_as(make_user(org=org)).get("/facilitate/new").status_code == 403  # a learner
    db.rollback()
    assert session.exec(select(Cohort)).all() == []
