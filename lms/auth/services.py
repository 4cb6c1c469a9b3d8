"""People: sign-in, accounts, passwords and roles (invitations and reset links are in links.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlmodel import Session, select

from lms.audit.services import record
from lms.auth.models import Role, RoleAssignment, User
from lms.auth.passwords import (  # noqa: F401  (part of this module's interface)
    MAX_EMAIL_LENGTH,
    burn_time,
    check_email,
    check_password_rules,
    hash_password,
    normalise_email,
    verify_password,
)
from lms.auth.principal import Principal, load_principal
from lms.db import utcnow
from lms.errors import Conflict, DomainError, Forbidden, NotFound
from lms.timezones import checked
from lms.orgs.models import Organisation

ADMIN_ROLES = (Role.ORG_ADMIN, Role.PLATFORM_ADMIN)
MAX_NAME_LENGTH = 200

# Who manages roles: platform admins grant and revoke any role anywhere. An organisation admin grants
# and revokes every organisation role, organisation admin included (so a trust appoints its own
# admins without waiting for the platform team), but only within the organisations they administer
# and only for people who belong to one of them; they cannot touch a platform admin. Platform admin
# is granted by platform admins alone. Nobody removes their own last admin role (organisation or
# platform), so an administrator cannot lock themselves out by mistake. Every change is audited.


# --- sign-in -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInAttempt:
    """What a sign-in attempt came to: the person signed in, or why not (for the audit trail, never the page)."""

    principal: Principal | None
    reason: str = ""


def attempt_sign_in(session: Session, email: str, password: str) -> SignInAttempt:
    """Check an e-mail address and password; a wrong address costs as long as a wrong password."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None or not user.password_hash:
        burn_time(password or "")
        return SignInAttempt(None, "no account has this address" if user is None else "no password chosen yet")
    if not verify_password(user.password_hash, password or ""):
        return SignInAttempt(None, "wrong password")
    if not user.is_active:
        return SignInAttempt(None, "the account is not active")
    user.last_sign_in_at = utcnow()
    session.add(user)
    session.flush()
    return SignInAttempt(load_principal(session, user.id))


def authenticate(session: Session, email: str, password: str) -> Principal | None:
    """The person with this e-mail and password, if active; None otherwise (never says which)."""
    return attempt_sign_in(session, email, password).principal


def audit_sign_in(session: Session, action: str, email: str, client_address: str | None, reason: str) -> None:
    """Record a failed (``sign_in.failed``) or refused (``sign_in.refused``) sign-in: the address attempted, the
    client's address and why; never the password. An attempt at a person's account is on their organisation's trail."""
    attempted = normalise_email(email)[:MAX_EMAIL_LENGTH]
    account = session.exec(select(User.id, User.organisation_id).where(User.email == attempted)).first()
    record(session, None, action, f"user:{account[0]}" if account else "sign-in",
           organisation_id=account[1] if account else None, email=attempted, address=client_address or "unknown",
           reason=reason)


# --- people ------------------------------------------------------------------------------------


def check_name(name: str, field: str = "name") -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise DomainError("Enter your full name", field=field)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise DomainError(f"Name must be {MAX_NAME_LENGTH} characters or fewer", field=field)
    return cleaned


def _check_role(role: str, field: str = "role") -> Role:
    try:
        return Role(role)
    except ValueError:
        raise DomainError(f"{role!r} is not a role: choose one of " + ", ".join(r.value for r in Role),
                          field=field) from None


def create_user(
    session: Session,
    actor_id: int | None,
    *,
    email: str,
    name: str,
    organisation_id: int | None,
    roles: Iterable[str] = (Role.LEARNER,),
    password: str | None = None,
    job_title: str | None = None,
    band: str | None = None,
) -> User:
    """Add a person with roles in their organisation; the caller has checked the actor may do so.

    A person created without a password cannot sign in until they accept an invitation or an admin
    issues them a reset link. Every new learner is handed to the learning area as a new joiner.
    """
    address = check_email(email)
    name = check_name(name)
    chosen = [_check_role(role) for role in dict.fromkeys(roles)]
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise DomainError("Choose an organisation that exists", field="organisation_id")
    if organisation_id is None and any(role != Role.PLATFORM_ADMIN for role in chosen):
        raise DomainError("Organisation roles need an organisation", field="organisation_id")
    if password is not None:
        check_password_rules(password, address)
    if session.exec(select(User.id).where(User.email == address)).first() is not None:
        raise Conflict(f"Someone with the e-mail address {address} already has an account", field="email")
    user = User(email=address, name=name, organisation_id=organisation_id, job_title=job_title, band=band,
                password_hash=hash_password(password) if password is not None else None)
    session.add(user)
    session.flush()
    for role in chosen:
        scope = None if role == Role.PLATFORM_ADMIN else organisation_id
        session.add(RoleAssignment(user_id=user.id, organisation_id=scope, role=role))
    session.flush()
    record(session, actor_id, "user.created", f"user:{user.id}", organisation_id=organisation_id,
           email=address, roles=[r.value for r in chosen])
    from lms.learning import records  # the learning record starts when the account does

    records.registered(session, user, user.created_at)
    if Role.LEARNER in chosen:
        from lms.learning.services import assign_new_joiner

        assign_new_joiner(session, user, actor_id)
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such person")
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every session of this person, wherever its cookie was copied: the one way a session ends.

    A session cookie holds the person's session version when they signed in (``Principal.get_id``); the sign-in
    loader, which reads the person's row on every request anyway, refuses a cookie whose version is behind.
    Sign-out, a password change or reset (and deactivation) call this. Incremented in SQL, so two at once both count.
    """
    user.session_version = User.session_version + 1
    session.add(user)
    session.flush()


def sign_out(session: Session, user_id: int) -> None:
    """The person signs out: this session and every copy of it, and their other sessions, end."""
    user = session.get(User, user_id)
    if user is not None:
        end_sessions(session, user)


def set_password(session: Session, user: User, password: str) -> None:
    """Store a new password and end every session signed in with the old one."""
    user.password_hash = hash_password(password)
    end_sessions(session, user)


def change_password(session: Session, user_id: int, current_password: str, new_password: str) -> User:
    """The person changes their own password; every other session of theirs ends."""
    user = get_user(session, user_id)
    if not verify_password(user.password_hash, current_password or ""):
        raise DomainError("Your current password is not right", field="current_password")
    check_password_rules(new_password, user.email, field="new_password")
    if new_password == current_password:
        raise DomainError("New password must be different from your current password", field="new_password")
    set_password(session, user, new_password)
    record(session, user.id, "user.password_changed", f"user:{user.id}", organisation_id=user.organisation_id)
    return user


# --- roles -------------------------------------------------------------------------------------


def require_manager_of(session: Session, actor: Principal, user: User, organisation_id: int | None,
                       role: str | None = None) -> None:
    """Forbidden unless the actor may manage this person's roles (or sign-in) in that organisation."""
    if actor.is_platform_admin:
        return
    if role == Role.PLATFORM_ADMIN or organisation_id is None:
        raise Forbidden("Only a platform administrator can do this")
    administered = actor.organisations_with(Role.ORG_ADMIN)
    if organisation_id not in administered or user.organisation_id not in administered:
        raise Forbidden("You can only manage people in organisations you administer")
    if (None, Role.PLATFORM_ADMIN) in load_principal(session, user.id).roles:
        raise Forbidden("Only a platform administrator can manage a platform administrator")


def _role_scope(role: Role, organisation_id: int | None) -> int | None:
    if role == Role.PLATFORM_ADMIN:
        return None
    if organisation_id is None:
        raise DomainError("Choose the organisation the role is held in", field="organisation_id")
    return organisation_id


def _assignment(session: Session, user_id: int, organisation_id: int | None, role: str) -> RoleAssignment | None:
    scope = RoleAssignment.organisation_id.is_(None) if organisation_id is None else (
        RoleAssignment.organisation_id == organisation_id)
    return session.exec(select(RoleAssignment).where(
        RoleAssignment.user_id == user_id, RoleAssignment.role == role, scope)).first()


def grant_role(session: Session, actor: Principal, user_id: int, organisation_id: int | None,
               role: str) -> RoleAssignment:
    """Give a person a role in an organisation (platform admin: organisation ignored); idempotent."""
    role = _check_role(role)
    scope = _role_scope(role, organisation_id)
    user = get_user(session, user_id)
    require_manager_of(session, actor, user, scope, role)
    if scope is not None and session.get(Organisation, scope) is None:
        raise DomainError("Choose an organisation that exists", field="organisation_id")
    existing = _assignment(session, user.id, scope, role)
    if existing is not None:
        return existing
    assignment = RoleAssignment(user_id=user.id, organisation_id=scope, role=role)
    session.add(assignment)
    session.flush()
    record(session, actor.id, "role.granted", f"user:{user.id}", organisation_id=scope, role=role.value)
    return assignment


def revoke_role(session: Session, actor: Principal, user_id: int, organisation_id: int | None, role: str) -> None:
    """Take a role away; refuses to remove the actor's own last admin role."""
    role = _check_role(role)
    scope = _role_scope(role, organisation_id)
    user = get_user(session, user_id)
    require_manager_of(session, actor, user, scope, role)
    assignment = _assignment(session, user.id, scope, role)
    if assignment is None:
        raise NotFound(f"{user.name} does not hold that role there", field="role")
    if user.id == actor.id and role in ADMIN_ROLES:
        remaining = {(o, r) for o, r in actor.roles if r in ADMIN_ROLES} - {(scope, role.value)}
        if not remaining:
            raise DomainError("You cannot remove your own last administrator role: ask another "
                              "administrator to do it", field="role")
    session.delete(assignment)
    session.flush()
    record(session, actor.id, "role.revoked", f"user:{user.id}", organisation_id=scope, role=role.value)


# --- the account page --------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountSummary:
    user: User
    organisation: Organisation | None
    roles: list[tuple[str, str | None]]  # (role label, organisation name or None)


def account_summary(session: Session, user_id: int) -> AccountSummary:
    user = get_user(session, user_id)
    rows = session.exec(
        select(RoleAssignment.role, Organisation.name)
        .join(Organisation, Organisation.id == RoleAssignment.organisation_id, isouter=True)
        .where(RoleAssignment.user_id == user_id)
    ).all()
    order = {role: n for n, role in enumerate(Role)}
    roles = sorted(((Role(role), org) for role, org in rows), key=lambda pair: (order[pair[0]], pair[1] or ""))
    organisation = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return AccountSummary(user, organisation, [(role.label, org) for role, org in roles])


# Invitations and reset links live in links.py (which builds on this module); they are offered here
# too, looked up on first use, so callers need one import and neither module imports the other early.
_LINK_FUNCTIONS = frozenset({"create_invitation", "accept_invitation", "invitation_for_token",
                             "issue_password_reset", "reset_password", "password_reset_for_token"})


def __getattr__(name: str):  # noqa: ANN202
    if name in _LINK_FUNCTIONS:
        from lms.auth import links

        return getattr(links, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def set_time_zone(session: Session, user_id: int, name: str) -> str:
    """Keep the time zone a person chose (one of ``lms.timezones.zone_names``); returns it."""
    user = get_user(session, user_id)
    user.time_zone = checked(name)
    session.add(user)
    session.flush()
    return user.time_zone
