"""People, sign-in, passwords and roles: every rule and every refusal."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lms.audit.models import AuditEvent
from lms.auth import services
from lms.auth.models import Role, RoleAssignment, User
from lms.auth.principal import load_principal
from lms.errors import Conflict, DomainError, Forbidden, NotFound
from lms.learning.models import Enrolment
from lms.testing import PASSWORD


def audit_actions(session) -> list[str]:  # noqa: ANN001
    return [event.action for event in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


# --- authenticate ------------------------------------------------------------------------------


def test_authenticate_returns_the_principal_and_records_the_time(session, make_user):
    user = make_user(email="jo@example.org", roles=[Role.LEARNER, Role.FACILITATOR])
    principal = services.authenticate(session, "  JO@Example.org ", PASSWORD)
    assert principal.id == user.id
    assert principal.role_names == {"learner", "facilitator"}
    assert session.get(User, user.id).last_sign_in_at is not None


@pytest.mark.parametrize("email", ["jo@example.org", "nobody@example.org"])
def test_authenticate_refuses_wrong_password_or_unknown_email(session, make_user, email):
    make_user(email="jo@example.org")
    assert services.authenticate(session, email, "not the password") is None


def test_unknown_addresses_cost_a_password_check_too(session, monkeypatch):
    # Without it, a quick "no" would tell an attacker which addresses have accounts.
    checked = []
    monkeypatch.setattr(services, "burn_time", checked.append)
    assert services.authenticate(session, "nobody@example.org", "a guess at a password") is None
    assert checked == ["a guess at a password"]


def test_authenticate_refuses_inactive_people_and_people_without_a_password(session, make_user):
    make_user(email="gone@example.org", is_active=False)
    make_user(email="imported@example.org").password_hash = None
    assert services.authenticate(session, "gone@example.org", PASSWORD) is None
    assert services.authenticate(session, "imported@example.org", "") is None


# --- create_user -------------------------------------------------------------------------------


def test_create_user_adds_roles_audits_and_assigns_the_induction(session, make_org):
    org = make_org()
    user = services.create_user(session, None, email="New.Joiner@Example.org", name="  New   Joiner ",
                                organisation_id=org.id, password="a fine long passphrase", job_title="Porter",
                                band="3")
    assert (user.email, user.name, user.job_title, user.band) == ("new.joiner@example.org", "New Joiner", "Porter", "3")
    assert services.verify_password(user.password_hash, "a fine long passphrase")
    assert load_principal(session, user.id).roles == {(org.id, "learner")}
    assert "user.created" in audit_actions(session)
    # The basic fixtures push the starter bundle to every new joiner.
    enrolments = session.exec(select(Enrolment).where(Enrolment.user_id == user.id)).all()
    assert [e.bundle_id for e in enrolments] == ["starter"]


def test_create_user_without_the_learner_role_is_not_assigned_anything(session, make_org):
    org = make_org()
    user = services.create_user(session, None, email="admin@example.org", name="Ada Admin",
                                organisation_id=org.id, roles=[Role.ORG_ADMIN])
    assert user.password_hash is None
    assert session.exec(select(Enrolment).where(Enrolment.user_id == user.id)).all() == []


def test_platform_admin_is_held_with_no_organisation(session, make_org):
    org = make_org()
    user = services.create_user(session, None, email="root@example.org", name="Pat Platform",
                                organisation_id=org.id, roles=[Role.PLATFORM_ADMIN])
    assert load_principal(session, user.id).is_platform_admin


def test_create_user_refuses_an_existing_email(session, make_user, make_org):
    make_user(email="taken@example.org")
    with pytest.raises(Conflict) as caught:
        services.create_user(session, None, email="TAKEN@example.org", name="Someone", organisation_id=make_org().id)
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"roles": ["wizard"]}, "role"),
        ({"organisation_id": 999999}, "organisation_id"),
        ({"organisation_id": None}, "organisation_id"),
        ({"password": "password1"}, "password"),
    ],
)
def test_create_user_names_the_bad_field_and_adds_nobody(session, make_org, fields, field):
    org = make_org()
    values = {"email": "fresh@example.org", "name": "Fresh Person", "organisation_id": org.id, **fields}
    with pytest.raises(DomainError) as caught:
        services.create_user(session, None, **values)
    assert caught.value.field == field
    assert session.exec(select(User)).all() == []


# --- change_password ---------------------------------------------------------------------------


def test_change_password_checks_the_current_one_and_bumps_the_session_version(session, make_user):
    user = make_user()
    before = user.session_version
    services.change_password(session, user.id, PASSWORD, "a brand new passphrase")
    assert services.verify_password(user.password_hash, "a brand new passphrase")
    assert user.session_version == before + 1
    assert "user.password_changed" in audit_actions(session)


@pytest.mark.parametrize(
    ("current", "new", "field", "message"),
    [
        ("wrong password!", "a brand new passphrase", "current_password", "current password is not right"),
        (PASSWORD, "short", "new_password", "characters or more"),
        (PASSWORD, PASSWORD, "new_password", "must be different"),
    ],
)
def test_change_password_refusals(session, make_user, current, new, field, message):
    user = make_user()
    with pytest.raises(DomainError, match=message) as caught:
        services.change_password(session, user.id, current, new)
    assert caught.value.field == field
    assert user.session_version == 1


def test_change_password_for_nobody_is_not_found(session):
    with pytest.raises(NotFound):
        services.change_password(session, 424242, PASSWORD, "a brand new passphrase")


# --- roles -------------------------------------------------------------------------------------


@pytest.fixture
def org_admin(session, make_org, make_user):  # noqa: ANN001
    org = make_org()
    admin = make_user(org=org, roles=[Role.LEARNER, Role.ORG_ADMIN])
    return org, load_principal(session, admin.id)


def test_org_admin_grants_and_revokes_roles_in_their_organisation(session, make_user, org_admin):
    org, actor = org_admin
    person = make_user(org=org)
    services.grant_role(session, actor, person.id, org.id, Role.ASSESSOR)
    services.grant_role(session, actor, person.id, org.id, Role.ASSESSOR)  # a second grant changes nothing
    services.grant_role(session, actor, person.id, org.id, Role.ORG_ADMIN)
    assert load_principal(session, person.id).roles == {(org.id, "learner"), (org.id, "assessor"),
                                                        (org.id, "org_admin")}
    services.revoke_role(session, actor, person.id, org.id, Role.ASSESSOR)
    assert (org.id, "assessor") not in load_principal(session, person.id).roles
    assert audit_actions(session).count("role.granted") == 2
    assert audit_actions(session).count("role.revoked") == 1


def test_org_admin_cannot_act_outside_their_organisation(session, make_org, make_user, org_admin):
    org, actor = org_admin
    other = make_org()
    stranger = make_user(org=other)
    member = make_user(org=org)
    with pytest.raises(Forbidden):
        services.grant_role(session, actor, stranger.id, other.id, Role.ASSESSOR)
    with pytest.raises(Forbidden):
        services.grant_role(session, actor, stranger.id, org.id, Role.ASSESSOR)  # not one of their people
    with pytest.raises(Forbidden):
        services.grant_role(session, actor, member.id, other.id, Role.ASSESSOR)  # not their organisation


def test_only_platform_admins_grant_platform_admin_or_manage_platform_admins(session, make_user, org_admin):
    org, actor = org_admin
    member = make_user(org=org)
    boss = make_user(org=org, roles=[Role.PLATFORM_ADMIN])
    with pytest.raises(Forbidden, match="platform administrator"):
        services.grant_role(session, actor, member.id, None, Role.PLATFORM_ADMIN)
    with pytest.raises(Forbidden, match="platform administrator"):
        services.grant_role(session, actor, boss.id, org.id, Role.ASSESSOR)
    root = load_principal(session, boss.id)
    services.grant_role(session, root, member.id, org.id, Role.PLATFORM_ADMIN)  # organisation is ignored
    assert load_principal(session, member.id).is_platform_admin


def test_grant_role_refusals(session, make_user, org_admin):
    org, actor = org_admin
    member = make_user(org=org)
    with pytest.raises(DomainError) as caught:
        services.grant_role(session, actor, member.id, org.id, "wizard")
    assert caught.value.field == "role"
    with pytest.raises(DomainError) as caught:
        services.grant_role(session, actor, member.id, None, Role.ASSESSOR)
    assert caught.value.field == "organisation_id"
    with pytest.raises(NotFound):
        services.grant_role(session, actor, 424242, org.id, Role.ASSESSOR)
    with pytest.raises(NotFound, match="does not hold that role"):
        services.revoke_role(session, actor, member.id, org.id, Role.ASSESSOR)


def test_nobody_removes_their_own_last_admin_role(session, org_admin):
    org, actor = org_admin
    with pytest.raises(DomainError, match="own last administrator role"):
        services.revoke_role(session, actor, actor.id, org.id, Role.ORG_ADMIN)
    assert (org.id, "org_admin") in load_principal(session, actor.id).roles
    services.revoke_role(session, actor, actor.id, org.id, Role.LEARNER)  # other roles can go


def test_an_admin_with_another_admin_role_may_give_one_up(session, make_org, make_user):
    org = make_org()
    user = make_user(org=org, roles=[Role.ORG_ADMIN, Role.PLATFORM_ADMIN])
    actor = load_principal(session, user.id)
    services.revoke_role(session, actor, user.id, org.id, Role.ORG_ADMIN)
    with pytest.raises(DomainError, match="own last administrator role"):
        services.revoke_role(session, load_principal(session, user.id), user.id, None, Role.PLATFORM_ADMIN)
    assert session.exec(select(RoleAssignment.role).where(RoleAssignment.user_id == user.id)).all() == [
        "platform_admin"]


# --- the account page --------------------------------------------------------------------------


def test_account_summary_lists_roles_with_their_organisations(session, make_org, make_user):
    org = make_org(name="Riverside Trust")
    user = make_user(org=org, roles=[Role.ORG_ADMIN, Role.LEARNER, Role.PLATFORM_ADMIN])
    summary = services.account_summary(session, user.id)
    assert summary.organisation.name == "Riverside Trust"
    assert summary.roles == [("Learner", "Riverside Trust"), ("Organisation admin", "Riverside Trust"),
                             ("Platform admin", None)]
