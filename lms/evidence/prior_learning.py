"""Recognition of prior learning: a learner (or their line manager) asks for a module to be recognised, with
a reason and evidence; an assessor grants it (the module counts as met, waived) or refuses it, with a reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from lms.audit.services import record as audit
from lms.auth.models import User
from lms.auth.principal import Principal
from lms.errors import Conflict, DomainError, Forbidden, NotFound
from lms.evidence import scope
from lms.evidence.models import PriorLearningReason, PriorLearningRequest, RequestStatus
from lms.learning.completion import module_order
from lms.learning.context import DONE, catalog, load_context, lock_person
from lms.learning.models import ModuleProgress, ProgressStatus
from lms.learning.progress import refresh_completion
from lms.learning.records import person
from lms.notices.services import notify
from lms.learning_versions import touch_people
from lms.people.hierarchy import manages
from lms.written import written
from lms.xapi import platform as xapi
from lms.xapi.platform import Thing

MAX_EVIDENCE = 5000
MAX_REASON = 2000


def _module_row(session: Session, user_id: int, module_id: str) -> ModuleProgress | None:
    return session.exec(select(ModuleProgress).where(ModuleProgress.user_id == user_id,
                                                     ModuleProgress.module_id == module_id)).first()


def ask(session: Session, actor: Principal, learner_id: int, bundle_id: str, module_id: str, *, reason_code: str,
        evidence: str, now: datetime) -> PriorLearningRequest:
    """Ask for a module to be recognised, for oneself or for someone one manages."""
    if learner_id != actor.id and not manages(session, actor.id, learner_id):
        raise Forbidden("You can ask only for yourself or for someone you manage")
    lock_person(session, learner_id)
    context = load_context(session, learner_id, bundle_id)
    if module_id not in module_order(context.bundle, context.enrolment.local_module_ids):
        raise NotFound(f"{bundle_id} has no module {module_id}")
    module = catalog().module(module_id)
    if not module.recognisable:
        raise DomainError(f"{module.title} cannot be recognised from prior learning: it must be completed",
                          field="module_id")
    if reason_code not in {r.value for r in PriorLearningReason}:
        raise DomainError("Choose the reason prior learning covers this module", field="reason_code")
    evidence = written(evidence, "evidence", limit=MAX_EVIDENCE, missing="Describe the evidence of your prior learning")
    row = _module_row(session, learner_id, module_id)
    if row is not None and row.status in DONE:
        raise Conflict(f"{module.title} is already done")
    if pending(session, learner_id, module_id) is not None:
        raise Conflict(f"A request to recognise {module.title} is already waiting for an assessor")
    learner = session.get(User, learner_id)
    request = PriorLearningRequest(user_id=learner_id, organisation_id=learner.organisation_id, bundle_id=bundle_id,
                                   module_id=module_id, requested_by_id=actor.id, reason_code=reason_code,
                                   evidence=evidence, requested_at=now)
    session.add(request)
    session.flush()
    if actor.id != learner_id:
        audit(session, actor.id, "evidence.prior_learning_requested", f"prior_learning:{request.id}",
              organisation_id=learner.organisation_id, user_id=learner_id, module_id=module_id)
    return request


def pending(session: Session, learner_id: int, module_id: str) -> PriorLearningRequest | None:
    return session.exec(select(PriorLearningRequest).where(
        PriorLearningRequest.user_id == learner_id, PriorLearningRequest.module_id == module_id,
        PriorLearningRequest.status == RequestStatus.PENDING)).first()


def queue(session: Session, actor: Principal, limit: int = 50) -> list[tuple[PriorLearningRequest, str]]:
    """Waiting requests the assessor may decide, oldest first."""
    query = scope.assessors_work(session, actor, (
        select(PriorLearningRequest, User.name).join(User, col(User.id) == PriorLearningRequest.user_id)
        .where(PriorLearningRequest.status == RequestStatus.PENDING)
        .order_by(col(PriorLearningRequest.requested_at), col(PriorLearningRequest.id))), PriorLearningRequest)
    if query is None:
        return []
    return list(session.exec(query.limit(limit)).all())


def request_for(session: Session, actor: Principal, request_id: int) -> PriorLearningRequest:
    request = session.get(PriorLearningRequest, request_id)
    if request is None:
        raise NotFound("There is no such request")
    scope.require_assessor_of(session, actor, request.user_id, request.organisation_id, request.bundle_id)
    return request


def decide(session: Session, actor: Principal, request_id: int, *, grant: bool, reason: str,
           now: datetime) -> PriorLearningRequest:
    """Grant (the module counts as met, recorded as waived) or refuse, with a reason; once only."""
    request = request_for(session, actor, request_id)
    if request.status != RequestStatus.PENDING:
        raise Conflict("This request has already been decided")
    reason = written(reason, "reason", limit=MAX_REASON, missing="Give the reason for your decision")
    status = RequestStatus.GRANTED if grant else RequestStatus.REFUSED
    claimed = session.execute(
        update(PriorLearningRequest).where(PriorLearningRequest.id == request.id,
                                           PriorLearningRequest.status == RequestStatus.PENDING)
        .values(status=status, assessor_id=actor.id, decision_reason=reason, decided_at=now))
    if claimed.rowcount != 1:
        raise Conflict("This request has already been decided")
    touch_people(session, [request.user_id])
    session.refresh(request)
    module = catalog().module(request.module_id)
    audit(session, actor.id, f"evidence.prior_learning_{status.value}", f"prior_learning:{request.id}",
          organisation_id=request.organisation_id, user_id=request.user_id, module_id=module.id, reason=reason)
    if grant:
        _waive(session, actor, request, reason, now)
    notify(session, request.user_id, f"evidence.prior_learning_{status.value}",
           subject=f"Your request to recognise {module.title} was {status.value}", body=reason,
           link=f"/learning/{request.bundle_id}/{module.id}", dedupe_key=f"prior_learning:{request.id}")
    session.flush()
    return request


def _waive(session: Session, actor: Principal, request: PriorLearningRequest, reason: str, now: datetime) -> None:
    lock_person(session, request.user_id)
    module = catalog().module(request.module_id)
    row = _module_row(session, request.user_id, module.id) or ModuleProgress(
        user_id=request.user_id, module_id=module.id, module_version=module.version)
    if row.status in DONE:
        raise Conflict(f"{module.title} is already done")
    row.status, row.completed_at, row.updated_at, row.module_version = ProgressStatus.WAIVED, now, now, module.version
    session.add(row)
    session.flush()
    context = load_context(session, request.user_id, request.bundle_id)
    xapi.waived(session, person(session, request.user_id), Thing(module.id, module.title),
                reason=f"{request.reason_code}: {reason}", bundle=Thing(context.bundle.id, context.bundle.title),
                registration=context.enrolment.registration, by=person(session, actor.id), at=now)
    refresh_completion(session, request.user_id, actor.id, now)


def waived_titles(connection, user_id: int, bundle_id: str) -> list[str]:  # noqa: ANN001
    """Titles of the bundle's modules the person was granted from prior learning, in the bundle's order."""
    bundle = catalog().bundles.get(bundle_id)
    if bundle is None:
        return []
    waived = set(connection.execute(select(ModuleProgress.module_id).where(
        ModuleProgress.user_id == user_id, ModuleProgress.status == ProgressStatus.WAIVED)).scalars())
    order = module_order(bundle, ())
    return [catalog().module(m).title for m in order if m in waived]
