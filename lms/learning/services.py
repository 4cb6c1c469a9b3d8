"""Enrolment, push assignment with due dates, new joiners' automatic induction and local modules.

Working through activities lives in ``progress``, read-only overviews in ``overview``; both are
re-exported here so callers need one import.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, func, select

from lms.audit.services import record
from lms.auth.models import Role, User
from lms.auth.principal import Principal
from lms.catalog.registry import Bundle
from lms.db import utcnow
from lms.errors import Conflict, DomainError, Forbidden, NotFound
from lms.learning.context import catalog, done_by_person
from lms.learning.eligibility import require_gate, require_gates
from lms.learning import records
from lms.learning.models import Enrolment, EnrolmentSource, EnrolmentStatus, OrganisationModule
from lms.learning.overview import (  # noqa: F401  (re-exported)
    ComplianceRow, Dashboard, DashboardItem, bundle_overview, compliance, dashboard, enrolled_bundle_ids,
    module_overview,
)
from lms.learning.progress import ActivityPage, StepResult, activity_page, refresh_completion, submit_step  # noqa: F401
from lms.orgs.models import Organisation


def local_module_ids(session: Session, organisation_id: int | None, bundle: Bundle) -> list[str]:
    """The organisation's local modules for a bundle, in its chosen order (fixed on each enrolment)."""
    if not bundle.local_modules or organisation_id is None:
        return []
    ids = session.exec(
        select(OrganisationModule.module_id)
        .where(OrganisationModule.organisation_id == organisation_id, OrganisationModule.bundle_id == bundle.id)
        .order_by(OrganisationModule.position, OrganisationModule.id)
    ).all()
    return [m for m in ids if m in catalog().modules]


def local_modules_of(session: Session, user_id: int, organisation_id: int | None, bundle: Bundle) -> list[str]:
    """A person's local modules in a bundle: those fixed on their enrolment, else those it would fix now."""
    enrolment = _existing(session, user_id, bundle.id) if bundle.local_modules else None
    if enrolment is not None and enrolment.status != EnrolmentStatus.WITHDRAWN:
        return list(enrolment.local_module_ids)
    return local_module_ids(session, organisation_id, bundle)


def completed_enrolment(session: Session, user_id: int, bundle_id: str) -> Enrolment | None:
    """The person's enrolment on a bundle if they have completed it (a bundle not in the catalogue: not found)."""
    catalog().bundle(bundle_id)
    enrolment = _existing(session, user_id, bundle_id)
    return enrolment if enrolment is not None and enrolment.status == EnrolmentStatus.COMPLETED else None


def _existing(session: Session, user_id: int, bundle_id: str) -> Enrolment | None:
    return session.exec(select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.bundle_id == bundle_id)).first()


def _start(session: Session, enrolment: Enrolment | None, user: User, bundle: Bundle, source: str,
           due_at: datetime | None, assigned_by_id: int | None, local_ids: list[str] | None = None) -> Enrolment:
    """A new enrolment, or a withdrawn one started afresh (new version, registration and local modules)."""
    enrolment = enrolment or Enrolment(user_id=user.id, bundle_id=bundle.id)
    enrolment.bundle_version, enrolment.status, enrolment.source = bundle.version, EnrolmentStatus.ACTIVE, source
    enrolment.registration = str(uuid.uuid4())
    enrolment.local_module_ids = (local_module_ids(session, user.organisation_id, bundle) if local_ids is None
                                  else list(local_ids))
    enrolment.enrolled_at, enrolment.due_at, enrolment.assigned_by_id = utcnow(), due_at, assigned_by_id
    enrolment.completed_at = None
    session.add(enrolment)
    session.flush()
    records.enrolment_started(session, enrolment, bundle)
    return enrolment


def _administers(actor: Principal, organisation_id: int | None) -> bool:
    """Org admins act only within their organisations; people with none are the platform admin's."""
    if organisation_id is None:
        return actor.is_platform_admin
    return actor.has_role(Role.ORG_ADMIN, organisation_id)


def _person(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no person with id {user_id}", field="user_id")
    return user


def enrol(session: Session, actor: Principal, user_id: int, bundle_id: str) -> Enrolment:
    """Enrol a person on a bundle from the catalogue (themselves, or by an admin of their organisation)."""
    bundle = catalog().bundle(bundle_id)
    user = _person(session, user_id)
    if actor.id != user.id and not _administers(actor, user.organisation_id):
        raise Forbidden("You can only enrol yourself, or people in an organisation you administer")
    existing = _existing(session, user.id, bundle.id)
    if existing is not None and existing.status != EnrolmentStatus.WITHDRAWN:
        raise Conflict(f"You are already enrolled on {bundle.title}" if actor.id == user.id
                       else f"{user.name} is already enrolled on {bundle.title}")
    require_gate(session, user.id, bundle)  # certificates or standards the bundle asks for first
    enrolment = _start(session, existing, user, bundle, EnrolmentSource.SELF, None, None)
    if actor.id != user.id:
        record(session, actor.id, "learning.enrolled", f"enrolment:{enrolment.id}",
               organisation_id=user.organisation_id, user_id=user.id, bundle_id=bundle.id)
    refresh_completion(session, user.id, actor.id, utcnow(), [enrolment])  # modules done in other bundles count
    return enrolment


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def assign(session: Session, actor: Principal, user_ids: list[int], bundle_id: str, due_at: datetime) -> list[Enrolment]:
    """Push a bundle to chosen people with a due date; an active enrolment gets the new due date.

    All or nothing: every person must exist and be in an organisation the actor administers.
    """
    bundle = catalog().bundle(bundle_id)
    if not user_ids:
        raise DomainError("Choose at least one person", field="user_ids")
    if not isinstance(due_at, datetime):
        raise DomainError("Enter a due date", field="due_at")
    due_at, now = _aware(due_at), utcnow()
    if due_at <= now:
        raise DomainError("The due date must be in the future", field="due_at")
    ids = list(dict.fromkeys(user_ids))
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}
    missing = [str(i) for i in ids if i not in users]
    if missing:
        raise NotFound(f"There is no person with id {', '.join(missing)}", field="user_ids")
    refused = [users[i].name for i in ids if not _administers(actor, users[i].organisation_id)]
    if refused:
        raise Forbidden(f"You do not administer the organisation of {', '.join(refused)}")
    existing = {e.user_id: e for e in session.exec(
        select(Enrolment).where(col(Enrolment.user_id).in_(ids), Enrolment.bundle_id == bundle.id)).all()}
    starting = [users[i] for i in ids if i not in existing or existing[i].status == EnrolmentStatus.WITHDRAWN]
    require_gates(session, starting, bundle)  # all or nothing, naming everyone who is not yet eligible
    result, fresh, changes, local = [], [], [], {}
    for user_id in ids:
        user, enrolment = users[user_id], existing.get(user_id)
        if enrolment is None or enrolment.status == EnrolmentStatus.WITHDRAWN:
            if user.organisation_id not in local:  # one look-up per organisation, not per person
                local[user.organisation_id] = local_module_ids(session, user.organisation_id, bundle)
            enrolment = _start(session, enrolment, user, bundle, EnrolmentSource.ASSIGNED, due_at, actor.id,
                               local[user.organisation_id])
            fresh.append(enrolment)
            changes.append("assigned")
        elif enrolment.status == EnrolmentStatus.ACTIVE:
            enrolment.due_at, enrolment.assigned_by_id = due_at, actor.id
            session.add(enrolment)
            changes.append("due date set")
        else:
            changes.append("already completed")
        result.append(enrolment)
    for enrolment, change in zip(result, changes):
        record(session, actor.id, "learning.assigned", f"enrolment:{enrolment.id}",
               organisation_id=users[enrolment.user_id].organisation_id, user_id=enrolment.user_id,
               bundle_id=bundle.id, due_at=due_at.isoformat(), change=change)
    if fresh:  # modules already done in other bundles count: one query for everyone's progress
        done = done_by_person(session, [e.user_id for e in fresh])
        for enrolment in fresh:
            refresh_completion(session, enrolment.user_id, actor.id, now, [enrolment], done[enrolment.user_id])
    session.flush()
    return result


def assign_new_joiner(session: Session, user: User, actor_id: int | None) -> list[Enrolment]:
    """Enrol a new joiner in every bundle pushed to new joiners, each due after its ``due_days``."""
    now, created = utcnow(), []
    for bundle in catalog().bundles.values():
        if not bundle.auto_assign_new_joiners:
            continue
        existing = _existing(session, user.id, bundle.id)
        if existing is not None and existing.status != EnrolmentStatus.WITHDRAWN:
            continue
        due_at = now + timedelta(days=bundle.auto_assign_due_days)
        enrolment = _start(session, existing, user, bundle, EnrolmentSource.AUTOMATIC, due_at, None)
        record(session, actor_id, "learning.auto_assigned", f"enrolment:{enrolment.id}",
               organisation_id=user.organisation_id, user_id=user.id, bundle_id=bundle.id, due_at=due_at.isoformat())
        created.append(enrolment)
    if created:
        refresh_completion(session, user.id, actor_id, now, created)
    return created


def _check_local(session: Session, actor: Principal, organisation_id: int, bundle_id: str) -> tuple[Organisation, Bundle]:
    if not _administers(actor, organisation_id):
        raise Forbidden("Only an admin of this organisation can change its local modules")
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"There is no organisation with id {organisation_id}", field="organisation_id")
    bundle = catalog().bundle(bundle_id)
    if not bundle.local_modules:
        raise DomainError(f"{bundle.title} does not allow local modules", field="bundle_id")
    return organisation, bundle


def local_modules(session: Session, organisation_id: int, bundle_id: str) -> list[OrganisationModule]:
    """The local modules an organisation has added to a bundle, in order."""
    return list(session.exec(
        select(OrganisationModule)
        .where(OrganisationModule.organisation_id == organisation_id, OrganisationModule.bundle_id == bundle_id)
        .order_by(OrganisationModule.position, OrganisationModule.id)
    ).all())


def add_local_module(session: Session, actor: Principal, organisation_id: int, bundle_id: str,
                     module_id: str) -> OrganisationModule:
    """Add a local module to a bundle for an organisation's future enrolments."""
    organisation, bundle = _check_local(session, actor, organisation_id, bundle_id)
    if module_id not in {m.id for m in catalog().local_modules_for(organisation.code)}:
        raise DomainError(f"{module_id!r} is not a local module available to {organisation.name}", field="module_id")
    current = local_modules(session, organisation.id, bundle.id)
    if any(m.module_id == module_id for m in current):
        raise Conflict(f"{catalog().module(module_id).title} is already part of {bundle.title} for {organisation.name}")
    position = session.exec(
        select(func.coalesce(func.max(OrganisationModule.position), 0))
        .where(OrganisationModule.organisation_id == organisation.id, OrganisationModule.bundle_id == bundle.id)
    ).one() + 1
    row = OrganisationModule(organisation_id=organisation.id, bundle_id=bundle.id, module_id=module_id,
                             position=position, added_by_id=actor.id)
    session.add(row)
    session.flush()
    record(session, actor.id, "learning.local_module_added", f"organisation:{organisation.id}",
           organisation_id=organisation.id, bundle_id=bundle.id, module_id=module_id)
    return row


def remove_local_module(session: Session, actor: Principal, organisation_id: int, bundle_id: str, module_id: str) -> None:
    """Stop adding a local module to new enrolments (existing enrolments keep theirs)."""
    organisation, bundle = _check_local(session, actor, organisation_id, bundle_id)
    row = next((m for m in local_modules(session, organisation.id, bundle.id) if m.module_id == module_id), None)
    if row is None:
        raise NotFound(f"{module_id!r} is not a local module of {bundle.title} for {organisation.name}", field="module_id")
    session.delete(row)
    session.flush()
    record(session, actor.id, "learning.local_module_removed", f"organisation:{organisation.id}",
           organisation_id=organisation.id, bundle_id=bundle.id, module_id=module_id)
