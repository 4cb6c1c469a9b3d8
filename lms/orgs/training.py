"""An organisation's training as its admins manage it: assignment, compliance, local modules, audit trail."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, true
from sqlmodel import Session, select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.auth.passwords import normalise_email
from lms.auth.principal import Principal
from lms.catalog.registry import Bundle, Catalog, Module
from lms.errors import DomainError
from lms.learning import services as learning
from lms.learning.completion import module_count
from lms.learning.due import DueStatus
from lms.learning.eligibility import GateNotMet, credentials_of
from lms.learning.gates import VALID, certificate_state, current_certificate
from lms.learning.models import Enrolment, OrganisationModule
from lms.orgs.models import Organisation
from lms.orgs.people import member_ids, members_by_email
from lms.orgs.services import require_admin_of, require_platform_admin
from lms.paging import Page, fit_page

MAX_ASSIGN = 500  # people in one assignment: each costs a few statements, so this keeps a request short


def resolve_people(
    session: Session, actor: Principal, organisation_id: int, user_ids: list[int], emails_text: str
) -> list[int]:
    """The chosen people (ticked, or typed as e-mail addresses one a line), all of this organisation."""
    require_admin_of(actor, organisation_id)
    ids = list(dict.fromkeys(user_ids))
    outside = set(ids) - member_ids(session, organisation_id, ids)
    if outside:
        raise DomainError("Some of the people chosen are not in this organisation", field="emails")
    emails = list(dict.fromkeys(normalise_email(e) for e in emails_text.replace(",", "\n").splitlines() if e.strip()))
    found = members_by_email(session, organisation_id, emails)
    unknown = [e for e in emails if e not in found]
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise DomainError(f"Nobody in this organisation has the e-mail address {shown}", field="emails")
    ids += [found[e].id for e in emails if found[e].id not in ids]
    if not ids:
        raise DomainError("Choose at least one person: tick them in the list or enter their e-mail addresses",
                          field="emails")
    if len(ids) > MAX_ASSIGN:
        raise DomainError(f"Assign to at most {MAX_ASSIGN} people at a time", field="emails")
    return ids


def assign_training(
    session: Session, actor: Principal, organisation_id: int, user_ids: list[int], bundle_id: str, due_at: datetime
) -> list[Enrolment]:
    """Assign a bundle with a due date to people of the organisation (the learning area records and audits it)."""
    require_admin_of(actor, organisation_id)
    if set(user_ids) - member_ids(session, organisation_id, user_ids):
        raise DomainError("Some of the people chosen are not in this organisation", field="emails")
    return learning.assign(session, actor, user_ids, bundle_id, due_at)


@dataclass(frozen=True)
class Refusal:
    """A person a bundle's gate refused, and what they are missing, as the eligibility service says it."""

    user_id: int
    name: str
    missing: tuple[str, ...]

    @property
    def message(self) -> str:
        return f"{self.name}: {'; '.join(self.missing)}"


def refusals(session: Session, organisation_id: int, refused: GateNotMet) -> list[Refusal]:
    """Everyone an assignment's gate refused, by name, for the form's error summary."""
    names = {user.id: user.name for user in names_of(session, organisation_id, list(refused.missing))}
    found = [Refusal(user_id, names.get(user_id, f"Person {user_id}"), tuple(missing))
             for user_id, missing in refused.missing.items()]
    return sorted(found, key=lambda r: r.name.lower())


def names_of(session: Session, organisation_id: int, user_ids: list[int]) -> list[User]:
    if not user_ids:
        return []
    return list(session.exec(select(User).where(User.id.in_(user_ids[:MAX_ASSIGN]),
                                                User.organisation_id == organisation_id).order_by(User.name)))


# --- compliance ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceView:
    rows: list  # lms.learning.overview.ComplianceRow, filtered
    counts: Counter  # by DueStatus, before the status filter, so the totals stay in view


def compliance_view(
    session: Session, actor: Principal, organisation_id: int, now: datetime, soon_days: int, *,
    status: str | None = None, bundle_id: str | None = None,
) -> ComplianceView:
    require_admin_of(actor, organisation_id)
    rows = learning.compliance(session, [organisation_id], now, bundle_id=bundle_id or None, soon=soon_days)
    counts = Counter(row.due for row in rows)
    if status:
        rows = [row for row in rows if row.due == DueStatus(status)]
    return ComplianceView(rows, counts)


@dataclass(frozen=True)
class CertificateState:
    """The certificate a completed assignment earned, as plugins report it (``lms_credentials``)."""

    status: str  # valid, expired, revoked or superseded
    words: str  # "valid", "revoked on 3 March 2026", ... (lms.learning.gates.certificate_state)

    @property
    def valid(self) -> bool:
        return self.status == VALID


def certificate_states(session: Session, completed: Iterable[tuple[int, int, str]]) -> dict[int, CertificateState]:
    """For completed assignments, given as (enrolment id, person id, bundle id): enrolment id -> the state of the
    bundle's certificate the person holds (none for a bundle that awards no certificate).

    Asked of the plugins once per person (the core never imports the certificate plugin), and only for the
    assignments given: those on a page of the compliance list, in its download, or on a person's page.
    """
    completed = list(completed)
    held = {user_id: credentials_of(session, user_id) for user_id in {user_id for _, user_id, _ in completed}}
    states = {}
    for enrolment_id, user_id, bundle_id in completed:
        credential = current_certificate(held[user_id], bundle_id)
        if credential is not None:
            states[enrolment_id] = CertificateState(credential.status, certificate_state(credential))
    return states


def completed_assignments(rows: Iterable) -> list[tuple[int, int, str]]:
    """The completed rows of the compliance list, as ``certificate_states`` takes them."""
    return [(row.enrolment_id, row.user_id, row.bundle_id) for row in rows if row.due == DueStatus.COMPLETED]


# --- local modules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalModules:
    bundle: Bundle
    added: list[tuple[OrganisationModule, Module | None]]
    available: list[Module]
    module_count: int  # modules people assigned the bundle from now on complete, these local ones included


def local_modules(
    session: Session, actor: Principal, organisation: Organisation, catalog: Catalog
) -> list[LocalModules]:
    """For each bundle that allows local variation: the organisation's modules and those it could add."""
    require_admin_of(actor, organisation.id)
    rows = session.exec(select(OrganisationModule).where(OrganisationModule.organisation_id == organisation.id)
                        .order_by(OrganisationModule.position, OrganisationModule.id)).all()
    offered = catalog.local_modules_for(organisation.code)
    result = []
    for bundle in catalog.bundles.values():
        if not bundle.local_modules:
            continue
        added = [(r, catalog.modules.get(r.module_id)) for r in rows if r.bundle_id == bundle.id]
        taken = {r.module_id for r, _ in added}
        count = module_count(bundle, learning.local_module_ids(session, organisation.id, bundle))
        result.append(LocalModules(bundle, added, [m for m in offered if m.id not in taken], count))
    return result


def change_local_module(
    session: Session, actor: Principal, organisation_id: int, bundle_id: str, module_id: str, *, add: bool
) -> None:
    require_admin_of(actor, organisation_id)
    change = learning.add_local_module if add else learning.remove_local_module
    change(session, actor, organisation_id, bundle_id, module_id)


# --- the audit trail -----------------------------------------------------------------------------


def audit_page(
    session: Session, actor: Principal, organisation_id: int | None, number: int = 1, size: int = 50
) -> Page[tuple[AuditEvent, str | None]]:
    """Newest first, with the actor's name; every organisation's events (None) for platform admins only."""
    if organisation_id is None:
        require_platform_admin(actor)
    else:
        require_admin_of(actor, organisation_id)
    condition = true() if organisation_id is None else AuditEvent.organisation_id == organisation_id
    total = session.exec(select(func.count()).select_from(AuditEvent).where(condition)).one()
    number = fit_page(number, total, size)
    items = session.exec(
        select(AuditEvent, User.name).join(User, User.id == AuditEvent.actor_id, isouter=True).where(condition)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset((number - 1) * size).limit(size)
    ).all()
    return Page(items, total, number, size)

