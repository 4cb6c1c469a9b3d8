"""Who may administer which organisation; regions and organisations; the counts an admin sees first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import func
from sqlmodel import Session, select

from lms.audit.services import record
from lms.auth.models import Role, User
from lms.auth.principal import Principal
from lms.errors import Conflict, DomainError, Forbidden, NotFound
from lms.learning.models import Enrolment, EnrolmentStatus
from lms.orgs.models import Organisation, OrganisationKind, Region
from lms.paging import Page, fit_page

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")


# --- permissions ---------------------------------------------------------------------------------


def administered_ids(actor: Principal) -> set[int] | None:
    """The organisations the actor administers; None means all of them (a platform admin)."""
    if actor.is_platform_admin:
        return None
    return actor.organisations_with(Role.ORG_ADMIN)


def can_administer(actor: Principal, organisation_id: int) -> bool:
    ids = administered_ids(actor)
    return ids is None or organisation_id in ids


def require_admin_of(actor: Principal, organisation_id: int) -> None:
    if not can_administer(actor, organisation_id):
        raise Forbidden("You are not an administrator of this organisation")


def require_platform_admin(actor: Principal) -> None:
    if not actor.is_platform_admin:
        raise Forbidden("Only a platform administrator can do this")


def get_organisation(session: Session, actor: Principal, organisation_id: int) -> Organisation:
    """The organisation, if the actor administers it (checked first, so no one learns what exists)."""
    require_admin_of(actor, organisation_id)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("There is no such organisation")
    return organisation


# --- regions and organisations -------------------------------------------------------------------


def _code(raw: str, label: str) -> str:
    code = raw.strip().upper()
    if not CODE_PATTERN.match(code):
        raise DomainError(f"Enter a {label} of 2 to 20 letters, numbers or hyphens", field="code")
    return code


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > 200:
        raise DomainError("Enter a name of up to 200 characters", field="name")
    return name


def create_region(session: Session, actor: Principal, *, code: str, name: str) -> Region:
    require_platform_admin(actor)
    code, name = _code(code, "region code"), _name(name)
    if session.exec(select(Region.id).where(Region.code == code)).first() is not None:
        raise Conflict(f"A region with the code {code} already exists", field="code")
    region = Region(code=code, name=name)
    session.add(region)
    session.flush()
    record(session, actor.id, "region.created", f"region:{region.id}", code=code, name=name)
    return region


def create_organisation(
    session: Session, actor: Principal, *, code: str, name: str, kind: str, region_id: int
) -> Organisation:
    require_platform_admin(actor)
    code, name = _code(code, "organisation code (ODS or CQC)"), _name(name)
    if kind not in {k.value for k in OrganisationKind}:
        raise DomainError("Choose the kind of organisation", field="kind")
    if session.get(Region, region_id) is None:
        raise DomainError("Choose the integrated care system", field="region_id")
    if session.exec(select(Organisation.id).where(Organisation.code == code)).first() is not None:
        raise Conflict(f"An organisation with the code {code} already exists", field="code")
    organisation = Organisation(code=code, name=name, kind=kind, region_id=region_id)
    session.add(organisation)
    session.flush()
    record(session, actor.id, "organisation.created", f"organisation:{organisation.id}",
           organisation_id=organisation.id, code=code, name=name, kind=kind, region_id=region_id)
    return organisation


def regions(session: Session) -> list[Region]:
    return list(session.exec(select(Region).order_by(Region.name)))


def organisations_page(session: Session, actor: Principal, number: int = 1, size: int = 50) -> Page[tuple]:
    """The organisations the actor administers, by name, with their region: (organisation, region)."""
    ids = administered_ids(actor)
    query = select(Organisation, Region).join(Region, Region.id == Organisation.region_id)
    count = select(func.count()).select_from(Organisation)
    if ids is not None:
        query, count = query.where(Organisation.id.in_(ids)), count.where(Organisation.id.in_(ids))
    total = session.exec(count).one()
    number = fit_page(number, total, size)
    items = session.exec(query.order_by(Organisation.name, Organisation.id).offset((number - 1) * size).limit(size))
    return Page(items.all(), total, number, size)


# --- counts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationCounts:
    people: int = 0
    overdue: int = 0
    due_soon: int = 0


def organisation_counts(
    session: Session, organisation_ids: Sequence[int], now: datetime, soon_days: int
) -> dict[int, OrganisationCounts]:
    """People, overdue and due-soon assignments per organisation, counted in the database.

    The bounds are those of lms.learning.due.due_status (a test holds the two together): overdue is
    an unfinished enrolment due before now; due soon is due from now to soon_days ahead.
    """
    if not organisation_ids:
        return {}
    people = dict(session.exec(
        select(User.organisation_id, func.count()).where(User.organisation_id.in_(organisation_ids))
        .group_by(User.organisation_id)
    ).all())
    open_enrolments = (
        select(User.organisation_id, func.count())
        .select_from(Enrolment).join(User, User.id == Enrolment.user_id)
        .where(User.organisation_id.in_(organisation_ids), Enrolment.status == EnrolmentStatus.ACTIVE,
               Enrolment.completed_at.is_(None))
        .group_by(User.organisation_id)
    )
    overdue = dict(session.exec(open_enrolments.where(Enrolment.due_at < now)).all())
    due_soon = dict(session.exec(open_enrolments.where(
        Enrolment.due_at >= now, Enrolment.due_at <= now + timedelta(days=soon_days))).all())
    return {
        org_id: OrganisationCounts(people.get(org_id, 0), overdue.get(org_id, 0), due_soon.get(org_id, 0))
        for org_id in organisation_ids
    }
