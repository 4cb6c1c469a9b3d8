"""The assessors' queue, oldest first, and their decision on a submission: each criterion judged, then
accepted (which completes the activity) or referred with written feedback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from lms.audit.services import record as audit
from lms.auth.models import User
from lms.auth.principal import Principal
from lms.errors import Conflict, DomainError, NotFound
from lms.evidence import scope
from lms.evidence.kind import EvidenceContent
from lms.evidence.models import Judgement, Submission, SubmissionStatus
from lms.learning.context import catalog, load_context
from lms.learning.progress import record_for
from lms.learning.records import person
from lms.notices.services import notify
from lms.learning_versions import touch_people
from lms.written import written
from lms.xapi import platform as xapi
from lms.xapi.platform import Thing

QUEUE_PAGE = 50
MAX_FEEDBACK = 5000
MAX_COMMENT = 2000


@dataclass(frozen=True)
class QueueItem:
    """One waiting submission as the queue lists it (its columns, not the model: no answers are loaded)."""

    submission_id: int
    module_id: str
    attempt: int
    submitted_at: datetime
    learner_name: str


def queue(session: Session, actor: Principal, limit: int = QUEUE_PAGE) -> list[QueueItem]:
    """Submitted work the assessor may judge, oldest first (not their own, nor their reports')."""
    query = scope.assessors_work(session, actor, (
        select(Submission.id, Submission.module_id, Submission.attempt, Submission.submitted_at, User.name)
        .join(User, col(User.id) == Submission.user_id).where(Submission.status == SubmissionStatus.SUBMITTED)
        .order_by(col(Submission.submitted_at), col(Submission.id))), Submission)
    if query is None:
        return []
    return [QueueItem(*row) for row in session.exec(query.limit(limit)).all()]


def submission_for(session: Session, actor: Principal, submission_id: int) -> Submission:
    """A submission the assessor may see (any but a draft), checked against their scope."""
    submission = session.get(Submission, submission_id)
    if submission is None or submission.status == SubmissionStatus.DRAFT:
        raise NotFound("There is no such submission")
    scope.require_assessor_of(session, actor, submission.user_id, submission.organisation_id, submission.bundle_id)
    return submission


def content_of(submission: Submission) -> tuple[object, object, EvidenceContent]:
    module = catalog().module(submission.module_id)
    activity = module.activity(submission.activity_id)
    return module, activity, activity.content


def decide(session: Session, actor: Principal, submission_id: int, *, accept: bool, met: Mapping[str, bool | None],
           comments: Mapping[str, str], feedback: str, now: datetime) -> Submission:
    """Judge every criterion and accept or refer the submission; refused (nothing changed) unless it is
    waiting, in the assessor's scope, and fully judged."""
    submission = submission_for(session, actor, submission_id)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise Conflict("This submission has already been decided")
    module, activity, content = content_of(submission)
    for criterion in content.criteria:
        if met.get(criterion.id) is None:
            raise DomainError(f"Say whether this criterion is met: {criterion.text}", field=f"met-{criterion.id}")
        if len(comments.get(criterion.id, "")) > MAX_COMMENT:
            raise DomainError(f"Write at most {MAX_COMMENT} characters", field=f"comment-{criterion.id}")
    feedback = written(feedback, "feedback", limit=MAX_FEEDBACK, missing="Write feedback for the learner")
    if accept and not all(met[c.id] for c in content.criteria):
        raise DomainError("Evidence can only be accepted when every criterion is met: refer it instead",
                          field="outcome")
    status = SubmissionStatus.ACCEPTED if accept else SubmissionStatus.REFERRED
    # Decided once: a second assessor (or a second click) deciding at the same moment changes nothing.
    claimed = session.execute(
        update(Submission).where(Submission.id == submission.id, Submission.status == SubmissionStatus.SUBMITTED)
        .values(status=status, assessor_id=actor.id, decided_at=now, feedback=feedback, updated_at=now))
    if claimed.rowcount != 1:
        raise Conflict("This submission has already been decided")
    touch_people(session, [submission.user_id])  # a Core UPDATE: the learner's pages show the decision
    session.refresh(submission)
    for criterion in content.criteria:
        session.add(Judgement(submission_id=submission.id, criterion_id=criterion.id, met=bool(met[criterion.id]),
                              comment=comments.get(criterion.id, "").strip() or None))
    bundle = catalog().bundle(submission.bundle_id)
    registration = _registration(session, submission)
    xapi.assessed(session, person(session, submission.user_id), Thing(activity.id, activity.title),
                  module=Thing(module.id, module.title), bundle=Thing(bundle.id, bundle.title),
                  registration=registration, success=accept, assessor=person(session, actor.id), feedback=feedback,
                  at=now)
    audit(session, actor.id, "evidence.decided", f"submission:{submission.id}",
          organisation_id=submission.organisation_id, user_id=submission.user_id, module_id=module.id,
          outcome=status.value)
    notify(session, submission.user_id, f"evidence.{status.value}",
           subject=f"Your evidence for {module.title} was {'accepted' if accept else 'referred'}",
           body=feedback, link=f"/learning/{bundle.id}/{module.id}/{activity.id}",
           dedupe_key=f"evidence.decided:{submission.id}")
    if accept:
        # Its passed statement is recorded above, with the assessor as authority: no further events here.
        record_for(session, submission.user_id, actor.id, bundle.id, module.id, activity.id, [], now, complete=True)
    session.flush()
    return submission


def _registration(session: Session, submission: Submission) -> str:
    return load_context(session, submission.user_id, submission.bundle_id).enrolment.registration
