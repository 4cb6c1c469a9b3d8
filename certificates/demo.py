"""Demo certificates: a manager holding a valid certificate and one whose certificate was revoked."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlmodel import Session, select

from certificates import services
from certificates.models import Certificate
from certificates.issuing import issue_on_completion
from lms.api import (Enrolment, EnrolmentStatus, ModuleProgress, ProgressStatus, RoleAssignment, Role, User, catalog,
                     utcnow)

log = logging.getLogger(__name__)
PREFERRED_BUNDLES = ("management-core", "induction", "mid-career", "senior-management")
HOLDER = "manager@example.org"
REVOKED = ("revoked.manager@example.org", "Sam Okafor")
REVOCATION_REASON = ("Issued in error: the assessor withdrew the sign-off of the job-shadowing evidence "
                     "this award relied on.")


def _certifying_bundles() -> list:
    bundles = [b for b in catalog().bundles.values() if b.certificate_template]
    return sorted(bundles, key=lambda b: PREFERRED_BUNDLES.index(b.id) if b.id in PREFERRED_BUNDLES else 99)


def _module_ids(bundle) -> list[str]:  # noqa: ANN001
    """The modules that complete the bundle: the required ones and the first choices of each group."""
    return list(bundle.modules) + [m for g in bundle.choice_groups for m in g.modules[:g.min]]


def _completed(session: Session, user: User, bundle, days_ago: int) -> Enrolment | None:  # noqa: ANN001
    """A completed enrolment with its module progress, unless the demo already tells another story there."""
    existing = session.exec(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.bundle_id == bundle.id)).first()
    if existing is not None:
        return existing if existing.status == EnrolmentStatus.COMPLETED else None
    done = utcnow() - timedelta(days=days_ago)
    enrolment = Enrolment(user_id=user.id, bundle_id=bundle.id, bundle_version=bundle.version,
                          status=EnrolmentStatus.COMPLETED, registration=str(uuid.uuid4()),
                          enrolled_at=done - timedelta(days=45), completed_at=done)
    session.add(enrolment)
    for module_id in _module_ids(bundle):
        module = catalog().modules[module_id]
        row = session.exec(select(ModuleProgress).where(ModuleProgress.user_id == user.id,
                                                        ModuleProgress.module_id == module_id)).first()
        if row is None:
            session.add(ModuleProgress(user_id=user.id, module_id=module_id, module_version=module.version,
                                       status=ProgressStatus.COMPLETED, started_at=done - timedelta(days=30),
                                       completed_at=done, updated_at=done))
    session.flush()
    return enrolment


def _issue(session: Session, user: User, days_ago: int) -> Certificate | None:
    for bundle in _certifying_bundles():
        enrolment = _completed(session, user, bundle, days_ago)
        if enrolment is None:
            continue
        # The same path as a real completion: issue now; render, sign and store once the demo commits.
        issue_on_completion(session, enrolment, bundle, None)
        return session.exec(select(Certificate).where(Certificate.enrolment_id == enrolment.id)).first()
    return None


def _person(session: Session, people: dict, email: str, name: str, like: User) -> User:
    user = people.get(email) or session.exec(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, name=name, password_hash=like.password_hash, organisation_id=like.organisation_id,
                    job_title="Registered manager")
        session.add(user)
        session.flush()
        session.add(RoleAssignment(user_id=user.id, organisation_id=like.organisation_id, role=Role.LEARNER))
        session.flush()
    return user


def load_demo(session: Session, people: dict) -> None:
    if not _certifying_bundles():
        log.warning("no bundle awards a certificate ([certificate] in bundle.toml): no demo certificates")
        return
    holder = people.get(HOLDER) or next(iter(people.values()), None)
    if holder is None:
        log.warning("no demo people: no demo certificates")
        return
    issued = _issue(session, holder, days_ago=30)
    revoked_holder = _person(session, people, *REVOKED, like=holder)
    revoked = _issue(session, revoked_holder, days_ago=200)
    if revoked is not None and revoked.revoked_at is None:
        revoker = next((people[e] for e in ("accreditor@example.org", "admin@example.org") if e in people), None)
        services.mark_revoked(session, revoked, revoker.id if revoker else None, REVOCATION_REASON)
    log.info("demo certificates: %s held by %s, %s revoked", issued and issued.code, holder.email,
             revoked and revoked.code)
