"""Invitations to join an organisation and admin-issued password resets: single use, expiring, hashed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from lms.audit.models import AuditEvent
from lms.auth import links, services
from lms.auth.links import token_hash
from lms.auth.models import PasswordReset, Role, User
from lms.auth.principal import load_principal
from lms.db import utcnow
from lms.errors import Conflict, DomainError, Forbidden
from lms.orgs.models import Invitation
from lms.testing import PASSWORD

NEW_PASSWORD = "a fresh long passphrase"


@pytest.fixture
def org_admin(session, make_org, make_user):  # noqa: ANN001
    org = make_org()
    return org, load_principal(session, make_user(org=org, roles=[Role.ORG_ADMIN]).id)


def actions(session) -> list[str]:  # noqa: ANN001
    return [e.action for e in session.exec(select(AuditEvent))]


# --- invitations -------------------------------------------------------------------------------


def test_invitation_stores_only_the_hash_and_expires_after_the_configured_days(app, session, org_admin):
    org, actor = org_admin
    app.config["INVITATION_DAYS"] = 3
    invitation, token = links.create_invitation(session, actor, org.id, " New@Example.org", Role.LEARNER,
                                                   name="New Person")
    assert invitation.token_hash == token_hash(token) and token not in invitation.token_hash
    assert invitation.email == "new@example.org"
    assert timedelta(days=3) - timedelta(minutes=1) < invitation.expires_at - utcnow() <= timedelta(days=3)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "invitation.created")).one()
    assert event.detail["name"] == "New Person" and token not in str(event.detail)


def test_days_can_be_given_explicitly(session, org_admin):
    org, actor = org_admin
    invitation, _ = links.create_invitation(session, actor, org.id, "new@example.org", Role.LEARNER, days=1)
    assert invitation.expires_at - utcnow() <= timedelta(days=1)


def test_only_admins_of_that_organisation_invite(session, make_org, make_user, org_admin):
    org, actor = org_admin
    with pytest.raises(Forbidden):
        links.create_invitation(session, actor, make_org().id, "new@example.org", Role.LEARNER)
    learner = load_principal(session, make_user(org=org).id)
    with pytest.raises(Forbidden):
        links.create_invitation(session, learner, org.id, "new@example.org", Role.LEARNER)
    root = load_principal(session, make_user(roles=[Role.PLATFORM_ADMIN]).id)
    links.create_invitation(session, root, org.id, "new@example.org", Role.ORG_ADMIN)


@pytest.mark.parametrize(("email", "role", "field"), [("bad address", "learner", "email"),
                                                      ("new@example.org", "platform_admin", "role"),
                                                      ("new@example.org", "wizard", "role")])
def test_invitation_refusals_name_the_field(session, org_admin, email, role, field):
    org, actor = org_admin
    with pytest.raises(DomainError) as caught:
        links.create_invitation(session, actor, org.id, email, role)
    assert caught.value.field == field
    assert session.exec(select(Invitation)).all() == []


def test_no_invitation_for_someone_who_already_has_an_account(session, make_user, org_admin):
    org, actor = org_admin
    make_user(email="member@example.org", org=org)
    with pytest.raises(Conflict) as caught:
        links.create_invitation(session, actor, org.id, "member@example.org", Role.LEARNER)
    assert caught.value.field == "email"


def test_accepting_creates_the_person_with_the_role_and_is_single_use(session, org_admin):
    org, actor = org_admin
    invitation, token = links.create_invitation(session, actor, org.id, "new@example.org", Role.FACILITATOR)
    user = links.accept_invitation(session, token, "Nia New", NEW_PASSWORD)
    assert (user.email, user.name, user.organisation_id) == ("new@example.org", "Nia New", org.id)
    assert load_principal(session, user.id).roles == {(org.id, "facilitator")}
    assert services.authenticate(session, "new@example.org", NEW_PASSWORD).id == user.id
    assert invitation.accepted_at is not None and invitation.accepted_user_id == user.id
    assert "invitation.accepted" in actions(session)
    with pytest.raises(DomainError, match="already been used"):
        links.accept_invitation(session, token, "Nia New", NEW_PASSWORD)


def test_accepting_activates_a_person_added_by_a_staff_list(session, make_user, org_admin):
    org, actor = org_admin
    imported = make_user(email="staff@example.org", org=org, is_active=False)
    imported.password_hash = None
    invitation, token = links.create_invitation(session, actor, org.id, "staff@example.org", Role.ASSESSOR)
    user = links.accept_invitation(session, token, "Sam Staff", NEW_PASSWORD)
    assert user.id == imported.id and user.is_active and user.name == "Sam Staff"
    assert load_principal(session, user.id).roles == {(org.id, "learner"), (org.id, "assessor")}
    assert len(session.exec(select(User)).all()) == 2


def test_accepting_refuses_if_the_address_now_has_an_account(session, make_user, org_admin):
    org, actor = org_admin
    _, token = links.create_invitation(session, actor, org.id, "late@example.org", Role.LEARNER)
    make_user(email="late@example.org", org=org)  # e.g. made by a platform admin meanwhile
    with pytest.raises(Conflict, match="already have an account"):
        links.accept_invitation(session, token, "Lee Late", NEW_PASSWORD)


@pytest.mark.parametrize(("name", "password", "field"), [("  ", NEW_PASSWORD, "name"),
                                                         ("Nia New", "short", "password"),
                                                         ("Nia New", "new@example.org", "password")])
def test_accepting_checks_name_and_password(session, org_admin, name, password, field):
    org, actor = org_admin
    invitation, token = links.create_invitation(session, actor, org.id, "new@example.org", Role.LEARNER)
    with pytest.raises(DomainError) as caught:
        links.accept_invitation(session, token, name, password)
    assert caught.value.field == field
    assert invitation.accepted_at is None


def test_unknown_and_expired_invitations_say_so(session, org_admin):
    org, actor = org_admin
    with pytest.raises(DomainError, match="not right"):
        links.accept_invitation(session, "made-up-token", "Nia New", NEW_PASSWORD)
    invitation, token = links.create_invitation(session, actor, org.id, "new@example.org", Role.LEARNER)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(DomainError, match="expired"):
        links.accept_invitation(session, token, "Nia New", NEW_PASSWORD)


# --- password resets ---------------------------------------------------------------------------


def test_reset_sets_the_password_ends_sessions_and_is_single_use(app, session, make_user, org_admin):
    org, actor = org_admin
    app.config["PASSWORD_RESET_HOURS"] = 2
    person = make_user(org=org)
    token = links.issue_password_reset(session, actor, person.id)
    stored = session.exec(select(PasswordReset)).one()
    assert stored.token_hash == token_hash(token)
    assert timedelta(hours=2) - timedelta(minutes=1) < stored.expires_at - utcnow() <= timedelta(hours=2)
    links.reset_password(session, token, NEW_PASSWORD)
    assert services.verify_password(person.password_hash, NEW_PASSWORD)
    assert person.session_version == 2
    assert {"user.password_reset_issued", "user.password_reset"} <= set(actions(session))
    with pytest.raises(DomainError, match="already been used"):
        links.reset_password(session, token, "another long passphrase")


def test_a_new_reset_link_cancels_the_earlier_one(session, make_user, org_admin):
    org, actor = org_admin
    person = make_user(org=org)
    first = links.issue_password_reset(session, actor, person.id)
    second = links.issue_password_reset(session, actor, person.id)
    with pytest.raises(DomainError, match="expired"):
        links.reset_password(session, first, NEW_PASSWORD)
    links.reset_password(session, second, NEW_PASSWORD)


def test_reset_refusals(session, make_user, make_org, org_admin):
    org, actor = org_admin
    with pytest.raises(Forbidden):
        links.issue_password_reset(session, actor, make_user(org=make_org()).id)
    with pytest.raises(Forbidden, match="platform administrator"):
        links.issue_password_reset(session, actor, make_user(org=org, roles=[Role.PLATFORM_ADMIN]).id)
    with pytest.raises(DomainError, match="not active"):
        links.issue_password_reset(session, actor, make_user(org=org, is_active=False).id)
    person = make_user(org=org)
    token = links.issue_password_reset(session, actor, person.id)
    with pytest.raises(DomainError, match="characters or more") as caught:
        links.reset_password(session, token, "short")
    assert caught.value.field == "password"
    assert services.verify_password(person.password_hash, PASSWORD)
    with pytest.raises(DomainError, match="not right"):
        links.reset_password(session, "made-up-token", NEW_PASSWORD)
    session.exec(select(PasswordReset)).one().expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(DomainError, match="expired"):
        links.reset_password(session, token, NEW_PASSWORD)
