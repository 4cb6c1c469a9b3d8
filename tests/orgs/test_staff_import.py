"""Importing a staff list: everyone or nobody, new joiners with the induction and an invitation each."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lms.audit.models import AuditEvent
from lms.auth.links import accept_invitation, token_hash
from lms.auth.models import Role, RoleAssignment, User
from lms.errors import Forbidden
from lms.learning.models import Enrolment, EnrolmentSource
from lms.orgs.models import Invitation
from lms.orgs.staff_import import StaffListRejected, import_staff

GOOD = (b"email,name,job_title,band,role\n"
        b"new.one@example.org,New One,Nurse,5,\n"
        b"new.two@example.org,New Two,Ward manager,7,facilitator\n")


def test_everyone_is_created_with_roles_induction_and_an_invitation(session, world, as_principal):
    imported = import_staff(session, as_principal(world.admin_a), world.org_a.id, GOOD)
    assert [p.row.email for p in imported] == ["new.one@example.org", "new.two@example.org"]
    people = {u.email: u for u in session.exec(select(User).where(User.email.like("new.%"))).all()}
    assert people["new.two@example.org"].organisation_id == world.org_a.id
    assert (people["new.two@example.org"].job_title, people["new.two@example.org"].band) == ("Ward manager", "7")
    assert people["new.one@example.org"].password_hash is None  # they choose it when they join
    roles = set(session.exec(select(RoleAssignment.user_id, RoleAssignment.role)
                             .where(RoleAssignment.organisation_id == world.org_a.id)).all())
    assert {(people["new.two@example.org"].id, Role.LEARNER), (people["new.two@example.org"].id, Role.FACILITATOR),
            (people["new.one@example.org"].id, Role.LEARNER)} <= roles
    # New joiners: the induction (the fixture's "starter" bundle) is assigned automatically.
    inductions = session.exec(select(Enrolment).where(Enrolment.user_id.in_([u.id for u in people.values()]))).all()
    assert {(e.bundle_id, e.source) for e in inductions} == {("starter", EnrolmentSource.AUTOMATIC)}
    assert len(inductions) == 2
    invitations = session.exec(select(Invitation).where(Invitation.organisation_id == world.org_a.id)).all()
    assert {i.token_hash for i in invitations} == {token_hash(p.token) for p in imported}
    assert {(i.email, i.role) for i in invitations} == {("new.one@example.org", "learner"),
                                                         ("new.two@example.org", "facilitator")}
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "staff.imported")).one()
    assert (event.actor_id, event.organisation_id, event.detail) == (world.admin_a.id, world.org_a.id, {"count": 2})


def test_an_imported_person_joins_through_their_link(session, world, as_principal):
    imported = import_staff(session, as_principal(world.admin_a), world.org_a.id, GOOD)
    user = accept_invitation(session, imported[0].token, "New One", "a long enough passphrase")
    assert user.id == imported[0].user_id and user.password_hash


def test_an_address_already_registered_rejects_the_whole_file(session, world, as_principal, table_counts):
    data = GOOD + b"LEE.A@example.org,Lee Again,,,\n"  # registered (any case), and in the other organisation
    before = table_counts()
    with pytest.raises(StaffListRejected) as rejected:
        import_staff(session, as_principal(world.admin_a), world.org_a.id, data)
    assert [(p.row, p.field, p.message) for p in rejected.value.problems] == [
        (4, "email", "lee.a@example.org is already registered")]
    assert rejected.value.message == "The file has 1 problem: nothing was imported"
    assert table_counts() == before


def test_problems_of_every_kind_are_listed_together_in_row_order_and_nothing_changes(
    session, world, as_principal, table_counts
):
    data = (b"email,name,job_title,band,role\n"
            b"lou.b@example.org,Lou Again,,,\n"
            b"fresh@example.org,,,12,\n"
            b"fresh@example.org,Fresh,,,wizard\n")
    before = table_counts()
    with pytest.raises(StaffListRejected) as rejected:
        import_staff(session, as_principal(world.admin_a), world.org_a.id, data)
    assert [(p.row, p.field) for p in rejected.value.problems] == [
        (2, "email"), (3, "name"), (3, "band"), (4, "email"), (4, "role")]
    assert table_counts() == before


def test_a_big_file_is_checked_against_registered_addresses_in_batches(session, world, as_principal, table_counts):
    rows = [f"person{n}@bulk.example,Person {n},,," for n in range(1200)] + ["lee.a@example.org,Lee,,,"]
    data = ("email,name,job_title,band,role\n" + "\n".join(rows)).encode()
    before = table_counts()
    with pytest.raises(StaffListRejected) as rejected:
        import_staff(session, as_principal(world.admin_a), world.org_a.id, data)
    assert [(p.row, p.message) for p in rejected.value.problems] == [
        (0, "The file has 1,201 people: import at most 500 at a time (split it into several files)"),
        (1202, "lee.a@example.org is already registered"),
    ]
    assert table_counts() == before


@pytest.mark.parametrize("who", ["admin_b", "learner_a"])
def test_only_an_admin_of_the_organisation_may_import(session, world, as_principal, table_counts, who):
    before = table_counts()
    with pytest.raises(Forbidden):
        import_staff(session, as_principal(getattr(world, who)), world.org_a.id, GOOD)
    assert table_counts() == before


def test_a_platform_admin_may_import_into_any_organisation(session, world, as_principal):
    assert len(import_staff(session, as_principal(world.platform), world.org_b.id, GOOD)) == 2
