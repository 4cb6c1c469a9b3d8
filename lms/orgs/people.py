"""An organisation's people as its admins see them: search, paging, roles, induction and enrolments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from lms.auth.links import create_invitation, issue_password_reset, token_hash
from lms.auth.models import Role, RoleAssignment, User
from lms.auth.principal import Principal
from lms.auth.services import grant_role, revoke_role
from lms.catalog.registry import Bundle, Catalog
from lms.errors import DomainError, NotFound
from lms.learning.due import DueStatus, due_status
from lms.learning.models import Enrolment, EnrolmentStatus
from lms.orgs.models import Invitation
from lms.orgs.services import require_admin_of
from lms.paging import Page, fit_page
from lms.orgs.staff_import import IMPORT_ROLES

PAGE_SIZE = 50


@dataclass(frozen=True)
class PersonRow:
    user: User
    roles: tuple[str, ...]
    induction: DueStatus | None  # None: no induction assigned


@dataclass(frozen=True)
class EnrolmentRow:
    enrolment: Enrolment
    bundle_title: str
    status: DueStatus


@dataclass(frozen=True)
class PersonDetail:
    user: User
    roles: tuple[str, ...]
    grantable: tuple[Role, ...]
    enrolments: tuple[EnrolmentRow, ...]


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def induction_bundles(catalog: Catalog) -> list[Bundle]:
    """The bundles pushed to new joiners (the induction)."""
    return [b for b in catalog.bundles.values() if b.auto_assign_new_joiners]


def _roles_by_user(session: Session, organisation_id: int, user_ids: list[int]) -> dict[int, tuple[str, ...]]:
    roles: dict[int, list[str]] = defaultdict(list)
    for user_id, role in session.exec(
        select(RoleAssignment.user_id, RoleAssignment.role)
        .where(RoleAssignment.user_id.in_(user_ids), RoleAssignment.organisation_id == organisation_id)
        .order_by(RoleAssignment.role)
    ):
        roles[user_id].append(role)
    return {user_id: tuple(values) for user_id, values in roles.items()}


def people_page(
    session: Session, actor: Principal, organisation_id: int, catalog: Catalog, *, query: str = "",
    number: int = 1, now: datetime, soon_days: int, size: int = PAGE_SIZE,
) -> Page[PersonRow]:
    """One page of the organisation's people by name, optionally matching a name or e-mail fragment.

    Paging happens in SQL (users are indexed by organisation and name); roles and induction status
    are then fetched for that page's people only.
    """
    require_admin_of(actor, organisation_id)
    condition = User.organisation_id == organisation_id
    if query.strip():
        pattern = _like(query.strip())
        condition = condition & or_(func.lower(User.name).like(pattern, escape="\\"),
                                    User.email.like(pattern, escape="\\"))
    total = session.exec(select(func.count()).select_from(User).where(condition)).one()
    number = fit_page(number, total, size)
    users = session.exec(
        select(User).where(condition).order_by(User.name, User.id).offset((number - 1) * size).limit(size)
    ).all()
    ids = [u.id for u in users]
    roles = _roles_by_user(session, organisation_id, ids) if ids else {}
    induction: dict[int, DueStatus] = {}
    induction_ids = [b.id for b in induction_bundles(catalog)]
    if ids and induction_ids:
        for enrolment in session.exec(select(Enrolment).where(
            Enrolment.user_id.in_(ids), Enrolment.bundle_id.in_(induction_ids),
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )):
            induction[enrolment.user_id] = due_status(enrolment.due_at, enrolment.completed_at, now, soon_days)
    rows = [PersonRow(u, roles.get(u.id, ()), induction.get(u.id)) for u in users]
    return Page(rows, total, number, size)


def get_person(session: Session, actor: Principal, organisation_id: int, user_id: int) -> User:
    """A member of the organisation the actor administers (someone elsewhere is simply not found)."""
    require_admin_of(actor, organisation_id)
    user = session.get(User, user_id)
    if user is None or user.organisation_id != organisation_id:
        raise NotFound("There is no such person in this organisation")
    return user


def person_detail(
    session: Session, actor: Principal, organisation_id: int, user_id: int, catalog: Catalog, *,
    now: datetime, soon_days: int,
) -> PersonDetail:
    user = get_person(session, actor, organisation_id, user_id)
    roles = _roles_by_user(session, organisation_id, [user.id]).get(user.id, ())
    rows = []
    enrolments = session.exec(select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_at))
    for enrolment in enrolments:
        bundle = catalog.bundles.get(enrolment.bundle_id)
        title = bundle.title if bundle else enrolment.bundle_id
        status = due_status(enrolment.due_at, enrolment.completed_at, now, soon_days)
        rows.append(EnrolmentRow(enrolment, title, status))
    grantable = tuple(r for r in IMPORT_ROLES if r.value not in roles)
    return PersonDetail(user, roles, grantable, tuple(rows))


def change_role(
    session: Session, actor: Principal, organisation_id: int, user_id: int, role: str, *, grant: bool
) -> None:
    """Grant or revoke one of the roles an organisation admin may give, within their organisation."""
    user = get_person(session, actor, organisation_id, user_id)
    if role not in {r.value for r in IMPORT_ROLES}:
        raise DomainError("Choose a role", field="role")
    (grant_role if grant else revoke_role)(session, actor, user.id, organisation_id, Role(role))


def password_reset_link_token(session: Session, actor: Principal, organisation_id: int, user_id: int) -> str:
    """A one-time reset token for a member of the organisation (the link is shown once)."""
    user = get_person(session, actor, organisation_id, user_id)
    return issue_password_reset(session, actor, user.id)


def invite(
    session: Session, actor: Principal, organisation_id: int, *, email: str, name: str | None, role: str
) -> tuple[Invitation, str]:
    """An invitation to join the organisation with a role; returns it with the raw token (shown once)."""
    require_admin_of(actor, organisation_id)
    if role not in {r.value for r in IMPORT_ROLES}:
        raise DomainError("Choose a role", field="role")
    return create_invitation(session, actor, organisation_id, email, Role(role), name=name or None)


def member_ids(session: Session, organisation_id: int, user_ids: list[int]) -> set[int]:
    """Which of these people belong to the organisation."""
    if not user_ids:
        return set()
    return set(session.exec(select(User.id).where(User.id.in_(user_ids), User.organisation_id == organisation_id)))


def members_by_email(session: Session, organisation_id: int, emails: list[str]) -> dict[str, User]:
    if not emails:
        return {}
    users = session.exec(select(User).where(User.email.in_(emails), User.organisation_id == organisation_id))
    return {u.email: u for u in users}


def pending_join_links(session: Session, actor: Principal, organisation_id: int, tokens: list[str]) -> list[tuple]:
    """(email, name, token) for those tokens that are open invitations to this organisation.

    Lets the page that showed new join links offer them as a CSV without storing the raw tokens.
    """
    require_admin_of(actor, organisation_id)
    by_hash = {token_hash(t): t for t in tokens[:50_000] if t}
    rows = []
    hashes = list(by_hash)
    for start in range(0, len(hashes), 500):
        rows += session.exec(
            select(Invitation.token_hash, Invitation.email, User.name)
            .join(User, User.email == Invitation.email, isouter=True)
            .where(Invitation.token_hash.in_(hashes[start:start + 500]),
                   Invitation.organisation_id == organisation_id, Invitation.accepted_at.is_(None))
        ).all()
    order = {h: n for n, h in enumerate(hashes)}
    return [(email, name or "", by_hash[h]) for h, email, name in sorted(rows, key=lambda r: order[r[0]])]
