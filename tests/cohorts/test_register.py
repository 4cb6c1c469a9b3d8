"""The facilitator's register: marks, corrections (audited), the attendance rule completing the module,
scope by organisation, cancelled sessions and cohorts, finishing a cohort."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from lms import db
from lms.audit.models import AuditEvent
from lms.auth.models import Role, User
from lms.cohorts.models import AlumniMembership, Attendance, AttendanceRule, Booking, BookingStatus, Cohort
from lms.learning.models import ModuleProgress, ProgressStatus
from lms.notices.models import Notice
from lms.orgs.models import Region
from lms.testing import submit
from tests.cohorts.conftest import ACTIVITY, MODULE, statements, verbs_of


def booked(session, enrolled, cohort, n=1, *, then_first_in: float | None = None):  # noqa: ANN001, ANN201
    """n people book the (future) cohort; then time passes until its first session is ``then_first_in`` days away."""
    people = [enrolled() for _ in range(n)]
    for person in people:
        submit(session, person, "opencohort", MODULE, ACTIVITY, action="book", cohort=str(cohort.id))
    if then_first_in is not None:
        first = db.utcnow() + timedelta(days=then_first_in)
        for number, sitting in enumerate(sittings(session, cohort)):
            sitting.starts_at = first + timedelta(days=number)
            sitting.ends_at = sitting.starts_at + timedelta(hours=6)
            session.add(sitting)
        session.flush()
    return people


def sittings(session, cohort):  # noqa: ANN001, ANN201
    from lms.cohorts.booking import sessions_of

    return sessions_of(session, cohort.id)


def module_status(session, user_id):  # noqa: ANN001, ANN201
    row = session.exec(select(ModuleProgress).where(ModuleProgress.user_id == user_id,
                                                    ModuleProgress.module_id == MODULE)).first()
    return row.status if row else None


def test_attending_every_session_completes_the_module(session, make_cohort, enrolled, facilitator, login_as):  # noqa: ANN001
    cohort = make_cohort()
    ada, ben = booked(session, enrolled, cohort, 2, then_first_in=-1)  # the sessions: yesterday and today
    client = login_as(facilitator)
    first, second = sittings(session, cohort)
    page = client.get(f"/facilitate/sessions/{first.id}/register").get_data(as_text=True)
    assert ada.name in page and 'type="radio"' in page
    assert client.post(f"/facilitate/sessions/{first.id}/register",
                       data={f"mark-{ada.id}": "attended", f"mark-{ben.id}": "absent"}).status_code == 302
    db.rollback()
    assert module_status(session, ada.id) == ProgressStatus.IN_PROGRESS
    client.post(f"/facilitate/sessions/{second.id}/register",
                data={f"mark-{ada.id}": "attended", f"mark-{ben.id}": "partly", f"note-{ben.id}": "Left at 12:30"})
    db.rollback()
    assert module_status(session, ada.id) == ProgressStatus.COMPLETED
    assert module_status(session, ben.id) != ProgressStatus.COMPLETED
    assert verbs_of(session, ada.id) == ["registered", "attended", "attended"]
    assert verbs_of(session, ben.id) == ["registered", "absent", "attended"]
    partly = [s for s in statements(session) if s["actor"]["account"]["name"] == str(ben.id)][-1]
    assert partly["result"]["completion"] is False and partly["result"]["response"] == "Left at 12:30"
    completed = [s for s in statements(session) if s["verb"]["id"].endswith("/completed")
                 and s["actor"]["account"]["name"] == str(ada.id)]
    assert completed, "the module's completion is on the record"


def test_at_least_a_share_of_sessions_is_enough_under_that_rule(session, make_cohort, enrolled, facilitator,
                                                                login_as):  # noqa: ANN001
    cohort = make_cohort(sessions=2, attendance_rule=AttendanceRule.MOST_SESSIONS, attendance_percent=50)
    [ada] = booked(session, enrolled, cohort, then_first_in=-1)
    first, _ = sittings(session, cohort)
    login_as(facilitator).post(f"/facilitate/sessions/{first.id}/register", data={f"mark-{ada.id}": "attended"})
    db.rollback()
    assert module_status(session, ada.id) == ProgressStatus.COMPLETED


def test_a_correction_is_audited_with_what_it_was(session, make_cohort, enrolled, facilitator, login_as):  # noqa: ANN001
    cohort = make_cohort(sessions=1)
    [ada] = booked(session, enrolled, cohort, then_first_in=0)
    [today] = sittings(session, cohort)
    client = login_as(facilitator)
    client.post(f"/facilitate/sessions/{today.id}/register", data={f"mark-{ada.id}": "absent"})
    client.post(f"/facilitate/sessions/{today.id}/register", data={f"mark-{ada.id}": "attended"})
    db.rollback()
    assert session.exec(select(Attendance)).one().mark == "attended"
    corrected = session.exec(select(AuditEvent).where(AuditEvent.action == "cohorts.attendance_corrected")).one()
    assert corrected.detail == {"user_id": ada.id, "was": "absent", "now": "attended"}
    assert module_status(session, ada.id) == ProgressStatus.COMPLETED


def test_bad_marks_are_refused_and_nothing_is_saved(session, make_cohort, enrolled, facilitator, login_as):  # noqa: ANN001
    cohort = make_cohort(sessions=1)
    ada, ben = booked(session, enrolled, cohort, 2, then_first_in=0)
    [today] = sittings(session, cohort)
    client = login_as(facilitator)
    for form, message in (({f"mark-{ada.id}": "attended", f"mark-{ben.id}": "asleep"}, "Choose attended"),
                          ({f"mark-{ada.id}": "attended", f"mark-{ben.id}": "partly"}, "Say which part"),
                          ({}, "Mark at least one person")):
        response = client.post(f"/facilitate/sessions/{today.id}/register", data=form)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.rollback()
    assert session.exec(select(Attendance)).all() == []
    assert verbs_of(session, ada.id) == ["registered"]


def test_a_register_opens_on_the_day(session, make_cohort, enrolled, facilitator, login_as):  # noqa: ANN001
    cohort = make_cohort(first_in=5, sessions=1)
    [ada] = booked(session, enrolled, cohort)
    [later] = sittings(session, cohort)
    response = login_as(facilitator).post(f"/facilitate/sessions/{later.id}/register", data={f"mark-{ada.id}": "attended"})
    assert response.status_code == 409
    db.rollback()
    assert session.exec(select(Attendance)).all() == []


def test_a_facilitator_of_another_organisation_cannot_register(session, make_cohort, enrolled, make_user, make_org,
                                                               org, login_as):  # noqa: ANN001
    cohort = make_cohort(sessions=1)
    [ada] = booked(session, enrolled, cohort, then_first_in=0)
    [today] = sittings(session, cohort)
    neighbour = make_org(region=session.get(Region, org.region_id))  # same region, another organisation
    other = make_user(org=neighbour, roles=(Role.FACILITATOR,))
    client = login_as(other)
    assert client.get(f"/facilitate/sessions/{today.id}/register").status_code == 403
    assert client.post(f"/facilitate/sessions/{today.id}/register", data={f"mark-{ada.id}": "attended"}).status_code == 403
    assert client.get(f"/facilitate/cohorts/{cohort.id}").status_code == 403
    assert client.post(f"/facilitate/cohorts/{cohort.id}/cancel", data={"reason": "No"}).status_code == 403
    db.rollback()
    assert session.exec(select(Attendance)).all() == []
    assert session.get(Cohort, cohort.id).status == "open"


def test_a_region_wide_cohort_is_run_by_the_regions_facilitators(session, make_cohort, enrolled, make_user, make_org,
                                                                 org, facilitator, login_as):  # noqa: ANN001
    cohort = make_cohort(first_in=0, sessions=1)
    cohort.organisation_id = None
    session.add(cohort)
    elsewhere = make_user(org=make_org(), roles=(Role.FACILITATOR,))
    [today] = sittings(session, cohort)
    assert login_as(facilitator).get(f"/facilitate/sessions/{today.id}/register").status_code == 200
    assert login_as(elsewhere).get(f"/facilitate/sessions/{today.id}/register").status_code == 403


def test_a_cancelled_session_tells_everyone_booked(session, make_cohort, enrolled, facilitator, login_as):  # noqa: ANN001
    cohort = make_cohort(capacity=1)
    ada, ben = booked(session, enrolled, cohort, 2)
    first, _ = sittings(session, cohort)
    client = login_as(facilitator)
    assert client.post(f"/facilitate/sessions/{first.id}/cancel", data={"reason": ""}).status_code == 400
    assert client.post(f"/facilitate/sessions/{first.id}/cancel", data={"reason": "Venue flooded"}).status_code == 302
    db.rollback()
    for person in (ada, ben):
        notice = session.exec(select(Notice).where(Notice.user_id == person.id)).one()
        assert notice.event == "cohort.session_cancelled" and "Venue flooded" in notice.body


def test_a_cancelled_cohort_cancels_every_booking_and_tells_everyone(session, make_cohort, enrolled, facilitator,
                                                                    login_as):  # noqa: ANN001
    cohort = make_cohort(capacity=1)
    ada, ben = booked(session, enrolled, cohort, 2)
    assert login_as(facilitator).post(f"/facilitate/cohorts/{cohort.id}/cancel",
                                      data={"reason": "Facilitator unwell"}).status_code == 302
    db.rollback()
    assert {b.status for b in session.exec(select(Booking)).all()} == {BookingStatus.CANCELLED}
    assert verbs_of(session, ada.id)[-1] == "cancelled" and verbs_of(session, ben.id)[-1] == "cancelled"
    assert len(session.exec(select(Notice).where(Notice.event == "cohort.cancelled")).all()) == 2


def test_finishing_makes_those_who_met_the_rule_alumni_who_may_list_themselves(
        session, make_cohort, enrolled, facilitator, login_as):  # noqa: ANN001
    cohort = make_cohort(sessions=1)
    ada, ben = booked(session, enrolled, cohort, 2, then_first_in=0)
    [today] = sittings(session, cohort)
    client = login_as(facilitator)
    client.post(f"/facilitate/sessions/{today.id}/register", data={f"mark-{ada.id}": "attended", f"mark-{ben.id}": "absent"})
    assert client.post(f"/facilitate/cohorts/{cohort.id}/finish").status_code == 302
    assert client.post(f"/facilitate/cohorts/{cohort.id}/finish").status_code == 409
    db.rollback()
    assert [m.user_id for m in session.exec(select(AlumniMembership)).all()] == [ada.id]
    region = cohort.region_id
    alum = login_as(session.get(User, ada.id))
    assert alum.post(f"/cohorts/alumni/{region}/directory", data={"contact": ""}).status_code == 400
    assert alum.post(f"/cohorts/alumni/{region}/directory", data={"contact": "ada@example.org"}).status_code == 302
    assert "ada@example.org" in alum.get("/cohorts/alumni").get_data(as_text=True)
    outsider = login_as(session.get(User, ben.id))
    assert outsider.post(f"/cohorts/alumni/{region}/directory", data={"contact": "ben"}).status_code == 403
    assert "ada@example.org" not in outsider.get("/cohorts/alumni").get_data(as_text=True)
    alum = login_as(session.get(User, ada.id))
    assert alum.post(f"/cohorts/alumni/{region}/directory/leave").status_code == 302
    assert "ada@example.org" not in alum.get("/cohorts/alumni").get_data(as_text=True)


def test_a_networks_events_are_seen_and_booked_by_its_alumni_only(session, make_cohort, enrolled, facilitator,
                                                                  login_as):  # noqa: ANN001
    cohort = make_cohort(sessions=1)
    ada, ben = booked(session, enrolled, cohort, 2, then_first_in=0)
    [today] = sittings(session, cohort)
    client = login_as(facilitator)
    client.post(f"/facilitate/sessions/{today.id}/register", data={f"mark-{ada.id}": "attended", f"mark-{ben.id}": "absent"})
    client.post(f"/facilitate/cohorts/{cohort.id}/finish")
    db.rollback()
    evening = make_cohort(sessions=1, first_in=14, title="Alumni evening", attendance_rule=AttendanceRule.NONE,
                          capacity=30)
    page = "/learning/opencohort/gathering/days"
    alum = login_as(session.get(User, ada.id))
    assert "Alumni evening" in alum.get("/cohorts/alumni").get_data(as_text=True)
    assert "Alumni evening" in alum.get(page).get_data(as_text=True)
    assert alum.post(page, data={"action": "book", "cohort": str(evening.id)}).status_code == 302
    outsider = login_as(session.get(User, ben.id))
    assert "Alumni evening" not in outsider.get(page).get_data(as_text=True)
    assert outsider.post(page, data={"action": "book", "cohort": str(evening.id)}).status_code == 403
    db.rollback()
    assert [b.user_id for b in session.exec(select(Booking).where(Booking.cohort_id == evening.id)).all()] == [ada.id]
