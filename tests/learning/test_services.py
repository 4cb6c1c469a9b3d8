"""Enrolment, push assignment, new joiners' automatic induction, local modules and who may do what."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.db import utcnow
from lms.errors import Conflict, DomainError, Forbidden, NotFound
from lms.learning import services
from lms.learning.models import Enrolment, EnrolmentSource, EnrolmentStatus, OrganisationModule
from tests.learning.conftest import finish_module


def audit_actions(session) -> list[str]:
    return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


# enrol -----------------------------------------------------------------------------------------

def test_self_enrolment_records_version_and_a_registration(session, make_user, principal_of):
    user = make_user()
    enrolment = services.enrol(session, principal_of(user), user.id, "electives")
    assert enrolment.bundle_version == "2.0.0"
    assert enrolment.source == EnrolmentSource.SELF and enrolment.status == EnrolmentStatus.ACTIVE
    assert uuid.UUID(enrolment.registration).version == 4
    assert enrolment.due_at is None and enrolment.local_module_ids == []
    assert audit_actions(session) == []  # enrolling oneself is not a privileged change


def test_enrolling_twice_is_a_conflict_and_changes_nothing(session, make_user, principal_of):
    user = make_user()
    first = services.enrol(session, principal_of(user), user.id, "electives")
    with pytest.raises(Conflict, match="already enrolled on Electives bundle"):
        services.enrol(session, principal_of(user), user.id, "electives")
    assert session.exec(select(Enrolment)).all() == [first]


def test_enrolment_includes_the_organisation_s_local_modules(session, make_org, make_user, org_admin, principal_of):
    org = make_org()
    services.add_local_module(session, principal_of(org_admin(org)), org.id, "starter", "local-welcome")
    user = make_user(org=org)
    assert services.enrol(session, principal_of(user), user.id, "starter").local_module_ids == ["local-welcome"]
    other = make_user()  # another organisation: no local modules
    assert services.enrol(session, principal_of(other), other.id, "starter").local_module_ids == []


def test_enrolling_someone_else_needs_their_organisation_s_admin(session, make_org, make_user, org_admin, principal_of):
    org = make_org()
    person, stranger = make_user(org=org), make_user()
    with pytest.raises(Forbidden):
        services.enrol(session, principal_of(stranger), person.id, "starter")
    with pytest.raises(Forbidden):
        services.enrol(session, principal_of(org_admin()), person.id, "starter")  # admin elsewhere
    admin = org_admin(org)
    enrolment = services.enrol(session, principal_of(admin), person.id, "starter")
    assert enrolment.user_id == person.id
    assert audit_actions(session) == ["learning.enrolled"]


def test_unknown_bundle_or_person_is_not_found(session, make_user, principal_of):
    user = make_user()
    with pytest.raises(NotFound):
        services.enrol(session, principal_of(user), user.id, "no-such-bundle")
    with pytest.raises(NotFound):
        services.enrol(session, principal_of(user), 999999, "starter")


def test_enrolment_is_complete_at_once_when_its_modules_were_done_elsewhere(app, session, make_user, principal_of):
    user = make_user()
    me = principal_of(user)
    services.enrol(session, me, user.id, "electives")
    for module_id in ("alpha", "beta"):
        finish_module(session, me, "electives", module_id)
    enrolment = services.enrol(session, me, user.id, "starter")  # alpha and beta: all it needs
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.completed_at is not None


# assign ----------------------------------------------------------------------------------------

def test_admin_assigns_a_bundle_with_a_due_date_and_it_is_audited(session, make_org, make_user, org_admin, principal_of):
    org = make_org()
    admin, people = org_admin(org), [make_user(org=org), make_user(org=org)]
    due = utcnow() + timedelta(days=20)
    enrolments = services.assign(session, principal_of(admin), [p.id for p in people], "electives", due)
    assert [(e.user_id, e.source, e.due_at, e.assigned_by_id) for e in enrolments] == [
        (p.id, EnrolmentSource.ASSIGNED, due, admin.id) for p in people
    ]
    events = session.exec(select(AuditEvent)).all()
    assert [(e.action, e.target, e.organisation_id, e.detail["change"]) for e in events] == [
        ("learning.assigned", f"enrolment:{e.id}", org.id, "assigned") for e in enrolments
    ]


def test_assigning_an_active_enrolment_sets_its_due_date(session, make_org, make_user, org_admin, principal_of):
    org = make_org()
    person = make_user(org=org)
    own = services.enrol(session, principal_of(person), person.id, "electives")
    due = utcnow() + timedelta(days=5)
    [again] = services.assign(session, principal_of(org_admin(org)), [person.id], "electives", due)
    assert again.id == own.id and again.due_at == due and again.source == EnrolmentSource.SELF
    assert len(session.exec(select(Enrolment)).all()) == 1


def test_assigning_someone_who_already_did_the_modules_completes_it_at_once(
        session, make_org, make_user, org_admin, principal_of):
    org = make_org()
    done, fresh = make_user(org=org), make_user(org=org)
    services.enrol(session, principal_of(done), done.id, "electives")
    for module_id in ("alpha", "beta"):
        finish_module(session, principal_of(done), "electives", module_id)
    enrolments = services.assign(session, principal_of(org_admin(org)), [done.id, fresh.id], "starter",
                                 utcnow() + timedelta(days=3))
    assert [e.status for e in enrolments] == [EnrolmentStatus.COMPLETED, EnrolmentStatus.ACTIVE]


def test_assign_refuses_people_outside_the_admin_s_organisations_and_changes_nothing(
        session, make_org, make_user, org_admin, principal_of):
    org = make_org()
    mine, theirs = make_user(org=org), make_user()
    with pytest.raises(Forbidden, match=theirs.name):
        services.assign(session, principal_of(org_admin(org)), [mine.id, theirs.id], "starter",
                        utcnow() + timedelta(days=3))
    assert session.exec(select(Enrolment)).all() == []
    assert audit_actions(session) == []


def test_platform_admin_may_assign_anyone(session, make_user, principal_of):
    admin = make_user(roles=[Role.PLATFORM_ADMIN])
    person = make_user()
    [enrolment] = services.assign(session, principal_of(admin), [person.id], "starter", utcnow() + timedelta(days=3))
    assert enrolment.user_id == person.id


def test_a_learner_cannot_assign(session, make_org, make_user, principal_of):
    org = make_org()
    learner, colleague = make_user(org=org), make_user(org=org)
    with pytest.raises(Forbidden):
        services.assign(session, principal_of(learner), [colleague.id], "starter", utcnow() + timedelta(days=3))


@pytest.mark.parametrize(("user_ids", "due", "field"), [
    ([], timedelta(days=3), "user_ids"),
    (None, -timedelta(days=1), "due_at"),
    ([999999], timedelta(days=3), "user_ids"),
])
def test_assign_rejects_bad_input_naming_the_field(session, make_org, make_user, org_admin, principal_of,
                                                    user_ids, due, field):
    org = make_org()
    person = make_user(org=org)
    with pytest.raises(DomainError) as caught:
        services.assign(session, principal_of(org_admin(org)), [person.id] if user_ids is None else user_ids,
                        "starter", utcnow() + due)
    assert caught.value.field == field
    assert session.exec(select(Enrolment)).all() == []


def test_a_naive_due_date_is_taken_as_utc(session, make_org, make_user, org_admin, principal_of):
    org = make_org()
    person = make_user(org=org)
    naive = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(days=9)
    [enrolment] = services.assign(session, principal_of(org_admin(org)), [person.id], "starter", naive)
    assert enrolment.due_at == naive.replace(tzinfo=UTC)


# new joiners -----------------------------------------------------------------------------------

def test_new_joiner_gets_every_auto_assigned_bundle_with_its_due_days_and_local_modules(
        session, make_org, make_user, org_admin, principal_of):
    org = make_org()
    services.add_local_module(session, principal_of(org_admin(org)), org.id, "starter", "local-welcome")
    joiner = make_user(org=org)
    before = utcnow()
    [enrolment] = services.assign_new_joiner(session, joiner, None)
    assert enrolment.bundle_id == "starter" and enrolment.source == EnrolmentSource.AUTOMATIC
    assert before + timedelta(days=30) <= enrolment.due_at <= utcnow() + timedelta(days=30)
    assert enrolment.local_module_ids == ["local-welcome"]
    assert services.assign_new_joiner(session, joiner, None) == []  # already enrolled: nothing more
    assert audit_actions(session)[-1] == "learning.auto_assigned"


# local modules ---------------------------------------------------------------------------------

def test_local_modules_in_order_and_removal(session, make_org, org_admin, principal_of):
    org = make_org()
    admin = principal_of(org_admin(org))
    row = services.add_local_module(session, admin, org.id, "starter", "local-welcome")
    assert (row.position, row.added_by_id) == (1, admin.id)
    with pytest.raises(Conflict):
        services.add_local_module(session, admin, org.id, "starter", "local-welcome")
    services.remove_local_module(session, admin, org.id, "starter", "local-welcome")
    assert services.local_modules(session, org.id, "starter") == []
    with pytest.raises(NotFound):
        services.remove_local_module(session, admin, org.id, "starter", "local-welcome")
    assert audit_actions(session) == ["learning.local_module_added", "learning.local_module_removed"]


@pytest.mark.parametrize(("bundle_id", "module_id", "field"), [
    ("electives", "local-welcome", "bundle_id"),  # the bundle does not allow local variation
    ("starter", "alpha", "module_id"),  # a national module
    ("starter", "no-such-module", "module_id"),
])
def test_local_module_must_be_local_and_the_bundle_must_allow_it(session, make_org, org_admin, principal_of,
                                                                  bundle_id, module_id, field):
    org = make_org()
    with pytest.raises(DomainError) as caught:
        services.add_local_module(session, principal_of(org_admin(org)), org.id, bundle_id, module_id)
    assert caught.value.field == field
    assert session.exec(select(OrganisationModule)).all() == []


def test_only_the_organisation_s_admin_changes_its_local_modules(session, make_org, make_user, org_admin, principal_of):
    org = make_org()
    for outsider in (make_user(org=org), org_admin()):
        with pytest.raises(Forbidden):
            services.add_local_module(session, principal_of(outsider), org.id, "starter", "local-welcome")
    platform = make_user(roles=[Role.PLATFORM_ADMIN])
    assert services.add_local_module(session, principal_of(platform), org.id, "starter", "local-welcome").id


# dashboard and compliance ----------------------------------------------------------------------

def test_dashboard_lists_enrolments_with_progress_next_module_and_due_status(session, make_user, principal_of):
    user = make_user()
    me = principal_of(user)
    services.enrol(session, me, user.id, "electives")
    starter = services.assign_new_joiner(session, user, None)[0]
    starter.due_at = utcnow() - timedelta(days=1)
    finish_module(session, me, "starter", "alpha")
    session.flush()  # the dashboard reads on a connection, as a page's reader
    board = services.dashboard(session.connection(), user.id, utcnow())
    assert [(i.bundle.id, i.due.value, i.progress.done_count, i.progress.needed_count, i.next_module.id)
            for i in board.to_do] == [("starter", "overdue", 1, 2, "beta"), ("electives", "no-due-date", 1, 3, "delta")]
    assert board.completed == []


def test_dashboard_shows_completed_enrolments_apart(session, make_user, principal_of):
    user = make_user()
    me = principal_of(user)
    services.enrol(session, me, user.id, "starter")
    for module_id in ("alpha", "beta"):
        finish_module(session, me, "starter", module_id)
    session.flush()  # the dashboard reads on a connection, as a page's reader
    board = services.dashboard(session.connection(), user.id, utcnow())
    assert board.to_do == []
    [done] = board.completed
    assert done.due.value == "completed" and done.progress.percent == 100 and done.next_module is None


def test_compliance_rows_for_the_organisations_most_urgent_first(session, make_org, make_user, org_admin, principal_of):
    org, elsewhere = make_org(), make_org()
    admin = principal_of(org_admin(org))
    late, soon, fine = (make_user(org=org, name=n) for n in ("Late Person", "Soon Person", "Fine Person"))
    make_user(org=elsewhere)
    now = utcnow()
    services.assign(session, admin, [fine.id], "starter", now + timedelta(days=60))
    services.assign(session, admin, [soon.id], "starter", now + timedelta(days=3))
    [overdue] = services.assign(session, admin, [late.id], "starter", now + timedelta(days=1))
    overdue.due_at = now - timedelta(days=2)
    finish_module(session, principal_of(fine), "starter", "alpha")
    rows = services.compliance(session, [org.id], now, soon=14)
    assert [(r.name, r.due.value, r.progress.percent, r.bundle_title) for r in rows] == [
        ("Late Person", "overdue", 0, "Starter bundle"),
        ("Soon Person", "due-soon", 0, "Starter bundle"),
        ("Fine Person", "on-track", 50, "Starter bundle"),
    ]
    assert services.compliance(session, [elsewhere.id], now) == []
    assert services.compliance(session, [org.id], now, bundle_id="electives") == []
