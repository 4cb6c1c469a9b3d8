"""Single-use links: invitations to join an organisation, and admin-issued password resets."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import update
from sqlmodel import Session, select

from lms.audit.services import record
from lms.auth import services as people
from lms.auth.models import PasswordReset, Role, RoleAssignment, User
from lms.auth.passwords import check_email, check_password_rules, setting
from lms.auth.principal import Principal
from lms.db import utcnow
from lms.errors import Conflict, DomainError, Forbidden
from lms.orgs.models import Invitation, Organisation
from lms.public_urls import external_url

T = TypeVar("T", Invitation, PasswordReset)

# The raw token is returned once, to be handed to the person; only its SHA-256 hash is stored, so a
# copy of the database cannot be used to join or take over an account. A link is claimed with a
# conditional UPDATE, so two requests racing with the same link cannot both succeed.

# Organisation admins invite to these roles; platform admins are made by grant_role, not invitation.
INVITABLE_ROLES = (Role.LEARNER, Role.FACILITATOR, Role.ASSESSOR, Role.ACCREDITOR, Role.ORG_ADMIN)


def join_url(token: str) -> str:
    """The link an invited person follows, at the service's public address (never the request's host)."""
    return external_url("auth.join", token=token)


def reset_url(token: str) -> str:
    """The link a person follows to choose a new password, at the service's public address."""
    return external_url("auth.reset_password", token=token)


def new_token() -> tuple[str, str]:
    """A random URL-safe token and the hash that is stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _as_aware(moment: datetime) -> datetime:
    # Stored values are UTC; a database that drops the zone hands them back naive.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- invitations -------------------------------------------------------------------------------


def create_invitation(session: Session, actor: Principal, organisation_id: int, email: str, role: str,
                      name: str | None = None, *, days: int | None = None) -> tuple[Invitation, str]:
    """Invite someone to join an organisation with a role; returns the invitation and its raw token.

    ``name`` is not stored (the person types their own name when they join); it is kept in the
    audit record so an admin can tell invitations to people with shared mailboxes apart.
    """
    if not (actor.is_platform_admin or organisation_id in actor.organisations_with(Role.ORG_ADMIN)):
        raise Forbidden("You can only invite people to organisations you administer")
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise DomainError("Choose an organisation that exists", field="organisation_id")
    address = check_email(email)
    if role not in {r.value for r in INVITABLE_ROLES}:
        raise DomainError("Choose a role: " + ", ".join(r.label.lower() for r in INVITABLE_ROLES), field="role")
    existing = session.exec(select(User).where(User.email == address)).first()
    if existing is not None and (existing.password_hash or existing.organisation_id != organisation_id):
        raise Conflict(f"{address} already has an account: give them the role instead of an invitation",
                       field="email")
    token, hashed = new_token()
    invitation = Invitation(organisation_id=organisation_id, email=address, role=role, token_hash=hashed,
                            created_by_id=actor.id,
                            expires_at=utcnow() + timedelta(days=setting("INVITATION_DAYS", days)))
    session.add(invitation)
    session.flush()
    record(session, actor.id, "invitation.created", f"invitation:{invitation.id}", organisation_id=organisation_id,
           email=address, role=role, **({"name": name} if name else {}))
    return invitation, token


def invitation_for_token(session: Session, token: str) -> Invitation:
    """The invitation a link stands for, if it can still be used; otherwise a DomainError saying why."""
    return _usable(session, Invitation, Invitation.accepted_at, token, LinkProblems(
        wrong="This invitation link is not right. Check you copied the whole link, "
              "or ask your organisation admin for a new invitation",
        used="This invitation has already been used. Sign in instead, or ask your "
             "organisation admin for a new invitation",
        expired="This invitation has expired. Ask your organisation admin for a new invitation"))


def accept_invitation(session: Session, token: str, name: str, password: str) -> User:
    """Join through an invitation: a new account, or a password for a person added by a staff list."""
    invitation = invitation_for_token(session, token)
    name = people.check_name(name)
    check_password_rules(password, invitation.email)
    now = utcnow()
    claimed = session.exec(update(Invitation).where(Invitation.id == invitation.id,
                                                       Invitation.accepted_at.is_(None)).values(accepted_at=now))
    if claimed.rowcount != 1:
        raise DomainError("This invitation has already been used. Sign in instead")
    user = session.exec(select(User).where(User.email == invitation.email)).first()
    if user is None:
        user = people.create_user(session, invitation.created_by_id, email=invitation.email, name=name,
                                  organisation_id=invitation.organisation_id, roles=(invitation.role,),
                                  password=password)
    elif user.password_hash is None and user.organisation_id == invitation.organisation_id:
        user.name, user.is_active = name, True
        people.set_password(session, user, password)
        if session.exec(select(RoleAssignment.id).where(
                RoleAssignment.user_id == user.id, RoleAssignment.organisation_id == invitation.organisation_id,
                RoleAssignment.role == invitation.role)).first() is None:
            session.add(RoleAssignment(user_id=user.id, organisation_id=invitation.organisation_id,
                                       role=invitation.role))
    else:
        raise Conflict("You already have an account: sign in instead", field="email")
    invitation.accepted_user_id = user.id
    session.add(invitation)
    session.flush()
    record(session, user.id, "invitation.accepted", f"invitation:{invitation.id}",
           organisation_id=invitation.organisation_id, user_id=user.id, role=invitation.role)
    return user


# --- password resets ---------------------------------------------------------------------------


def issue_password_reset(session: Session, actor: Principal, user_id: int, *, hours: int | None = None) -> str:
    """An admin makes a one-time link for a person to choose a new password; earlier links stop working."""
    user = people.get_user(session, user_id)
    people.require_manager_of(session, actor, user, user.organisation_id)
    if not user.is_active:
        raise DomainError(f"{user.name}'s account is not active: send them an invitation instead")
    now = utcnow()
    session.exec(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None),
                                                PasswordReset.expires_at > now).values(expires_at=now))
    token, hashed = new_token()
    reset = PasswordReset(user_id=user.id, token_hash=hashed, created_by_id=actor.id,
                          expires_at=now + timedelta(hours=setting("PASSWORD_RESET_HOURS", hours)))
    session.add(reset)
    session.flush()
    record(session, actor.id, "user.password_reset_issued", f"user:{user.id}", organisation_id=user.organisation_id)
    return token


def password_reset_for_token(session: Session, token: str) -> PasswordReset:
    """The reset a link stands for, if it can still be used; otherwise a DomainError saying why."""
    return _usable(session, PasswordReset, PasswordReset.used_at, token, LinkProblems(
        wrong="This password reset link is not right. Check you copied the whole link, "
              "or ask your organisation admin for a new one",
        used="This password reset link has already been used. Ask your organisation admin "
             "for a new one if you need to",
        expired="This password reset link has expired. Ask your organisation admin for a new one"))


class LinkProblems(NamedTuple):
    """What to tell someone whose one-time link cannot be used, by reason."""

    wrong: str
    used: str
    expired: str


def _usable(session: Session, model: type[T], used_at: Any, token: str, problems: LinkProblems) -> T:
    """The one-time link row for a token if it is known, unused and unexpired; otherwise why not."""
    link = session.exec(select(model).where(model.token_hash == token_hash(token))).first()
    if link is None:
        raise DomainError(problems.wrong)
    if getattr(link, used_at.key) is not None:
        raise DomainError(problems.used)
    if _as_aware(link.expires_at) <= utcnow():
        raise DomainError(problems.expired)
    return link


def reset_password(session: Session, token: str, new_password: str) -> User:
    """Choose a new password through a reset link; every session signed in with the old one ends."""
    reset = password_reset_for_token(session, token)
    user = people.get_user(session, reset.user_id)
    if not user.is_active:
        raise DomainError("This account is not active. Ask your organisation admin for help")
    check_password_rules(new_password, user.email)
    claimed = session.exec(update(PasswordReset).where(PasswordReset.id == reset.id,
                                                          PasswordReset.used_at.is_(None)).values(used_at=utcnow()))
    if claimed.rowcount != 1:
        raise DomainError("This password reset link has already been used")
    people.set_password(session, user, new_password)
    record(session, user.id, "user.password_reset", f"user:{user.id}", organisation_id=user.organisation_id,
           issued_by=reset.created_by_id)
    return user
