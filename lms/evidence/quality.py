"""Quality assurance of assessment by accreditors: every assessor's decisions, a sample of each assessor's
acceptances drawn for second review, and overturning a decision (which reopens the module and revokes a
certificate issued because of it)."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from lms.audit.services import record as audit
from lms.auth.models import User
from lms.auth.principal import Principal
from lms.errors import Conflict, Forbidden, NotFound
from lms.evidence import scope
from lms.evidence.models import ReviewOutcome, SampleReview, Submission, SubmissionStatus
from lms.learning.context import catalog, load_context
from lms.learning.progress import reopen_module
from lms.learning.records import person
from lms.notices.services import notify
from lms.learning_versions import touch_people
from lms.written import written
from lms.xapi import platform as xapi
from lms.xapi.platform import Thing

MAX_REASON = 2000
DECIDED = (SubmissionStatus.ACCEPTED, SubmissionStatus.REFERRED)


@dataclass(frozen=True)
class AssessorSummary:
    assessor_id: int
    name: str
    accepted: int
    referred: int
    sampled: int

    @property
    def sample_size(self) -> int:
        """The share of acceptances to review (QA_SAMPLE_SHARE), never less than one once there is one."""
        if not self.accepted:
            return 0
        share = current_app.config["EVIDENCE_SAMPLE_SHARE"]
        return min(self.accepted, max(1, math.ceil(share * self.accepted)))

    @property
    def to_draw(self) -> int:
        return max(0, self.sample_size - self.sampled)


def _organisations(session: Session, actor: Principal) -> set[int]:
    organisations = scope.accreditor_organisations(session, actor)
    if not organisations:
        raise Forbidden("You are not an accreditor of any organisation")
    return organisations


def assessors(session: Session, actor: Principal) -> list[AssessorSummary]:
    """Every assessor who decided work from the accreditor's organisations, with their counts."""
    organisations = _organisations(session, actor)
    rows = session.exec(
        select(Submission.assessor_id, User.name, Submission.status, func.count())
        .join(User, col(User.id) == Submission.assessor_id)
        .where(col(Submission.organisation_id).in_(organisations), col(Submission.status).in_(DECIDED))
        .group_by(Submission.assessor_id, User.name, Submission.status)).all()
    sampled = dict(session.exec(
        select(SampleReview.assessor_id, func.count()).join(Submission, col(Submission.id) == SampleReview.submission_id)
        .where(col(Submission.organisation_id).in_(organisations)).group_by(SampleReview.assessor_id)).all())
    counts: dict[int, dict] = {}
    for assessor_id, name, status, count in rows:
        entry = counts.setdefault(assessor_id, {"name": name, "accepted": 0, "referred": 0})
        entry[status] = count
    return [AssessorSummary(a, c["name"], c["accepted"], c["referred"], sampled.get(a, 0))
            for a, c in sorted(counts.items(), key=lambda item: item[1]["name"])]


def decisions(session: Session, actor: Principal, assessor_id: int) -> list[tuple[Submission, str]]:
    """One assessor's decisions on work from the accreditor's organisations, newest first, with learners' names."""
    organisations = _organisations(session, actor)
    return list(session.exec(
        select(Submission, User.name).join(User, col(User.id) == Submission.user_id)
        .where(Submission.assessor_id == assessor_id, col(Submission.organisation_id).in_(organisations),
               col(Submission.status).in_(DECIDED))
        .order_by(col(Submission.decided_at).desc()).limit(200)).all())


def draw_sample(session: Session, actor: Principal, assessor_id: int, now: datetime) -> list[SampleReview]:
    """Draw, at random, as many of the assessor's acceptances as the sample still needs."""
    summary = next((s for s in assessors(session, actor) if s.assessor_id == assessor_id), None)
    if summary is None:
        raise NotFound("This assessor has made no decisions on work from your organisations")
    if summary.to_draw == 0:
        raise Conflict(f"The sample of {summary.name}'s decisions is already drawn")
    already = select(SampleReview.submission_id)
    candidates = list(session.exec(
        select(Submission.id).where(Submission.assessor_id == assessor_id,
                                    Submission.status == SubmissionStatus.ACCEPTED,
                                    col(Submission.organisation_id).in_(_organisations(session, actor)),
                                    col(Submission.id).not_in(already))).all())
    chosen = []
    for _ in range(min(summary.to_draw, len(candidates))):
        chosen.append(candidates.pop(secrets.randbelow(len(candidates))))
    drawn = [SampleReview(submission_id=s, assessor_id=assessor_id, drawn_by_id=actor.id, drawn_at=now)
             for s in chosen]
    session.add_all(drawn)
    session.flush()
    audit(session, actor.id, "evidence.sample_drawn", f"user:{assessor_id}", submissions=chosen)
    return drawn


def review_for(session: Session, actor: Principal, review_id: int) -> tuple[SampleReview, Submission]:
    review = session.get(SampleReview, review_id)
    submission = session.get(Submission, review.submission_id) if review else None
    if review is None or submission.organisation_id not in _organisations(session, actor):
        raise NotFound("There is no such review")
    if submission.user_id == actor.id:
        raise Forbidden("You cannot review a decision on your own work")
    return review, submission


def pending_reviews(session: Session, actor: Principal) -> list[tuple[SampleReview, Submission, str]]:
    organisations = scope.accreditor_organisations(session, actor)
    if not organisations:
        return []
    return list(session.exec(
        select(SampleReview, Submission, User.name).join(Submission, col(Submission.id) == SampleReview.submission_id)
        .join(User, col(User.id) == Submission.user_id)
        .where(SampleReview.outcome == ReviewOutcome.PENDING, col(Submission.organisation_id).in_(organisations))
        .order_by(col(SampleReview.drawn_at), col(SampleReview.id)).limit(200)).all())


def conclude(session: Session, actor: Principal, review_id: int, *, overturn: bool, reason: str,
             now: datetime) -> SampleReview:
    """Uphold the decision, or overturn it with a reason: the learner's module reopens, and certificates
    issued because of it are revoked with that reason (through the lms_enrolment_reopened hook)."""
    review, submission = review_for(session, actor, review_id)
    if review.outcome != ReviewOutcome.PENDING:
        raise Conflict("This decision has already been reviewed")
    reason = written(reason, "reason", limit=MAX_REASON,
                     missing="Give the reason for overturning the decision" if overturn else None)
    outcome = ReviewOutcome.OVERTURNED if overturn else ReviewOutcome.UPHELD
    claimed = session.execute(
        update(SampleReview).where(SampleReview.id == review.id, SampleReview.outcome == ReviewOutcome.PENDING)
        .values(outcome=outcome, reviewer_id=actor.id, reason=reason or None, reviewed_at=now))
    if claimed.rowcount != 1:
        raise Conflict("This decision has already been reviewed")
    touch_people(session, [submission.user_id])
    session.refresh(review)
    audit(session, actor.id, f"evidence.review_{outcome.value}", f"submission:{submission.id}",
          organisation_id=submission.organisation_id, user_id=submission.user_id, assessor_id=review.assessor_id,
          reason=reason or None)
    if overturn:
        _overturn(session, actor, submission, reason, now, current_app.extensions["lms.plugins"].hook)
    session.flush()
    return review


def _overturn(session: Session, actor: Principal, submission: Submission, reason: str, now: datetime, relay) -> None:  # noqa: ANN001
    module = catalog().module(submission.module_id)
    activity = module.activity(submission.activity_id)
    bundle = catalog().bundle(submission.bundle_id)
    registration = load_context(session, submission.user_id, bundle.id).enrolment.registration
    submission.status, submission.overturned_at, submission.overturn_reason = SubmissionStatus.REFERRED, now, reason
    submission.updated_at = now
    session.add(submission)
    xapi.overturned(session, person(session, submission.user_id), Thing(activity.id, activity.title),
                    module=Thing(module.id, module.title), bundle=Thing(bundle.id, bundle.title),
                    registration=registration, reason=reason, accreditor=person(session, actor.id), at=now)
    for enrolment in reopen_module(session, submission.user_id, module.id, activity.id, now):
        audit(session, actor.id, "learning.enrolment_reopened", f"enrolment:{enrolment.id}",
              organisation_id=submission.organisation_id, user_id=submission.user_id, bundle_id=enrolment.bundle_id,
              reason=reason)
        relay.lms_enrolment_reopened(session=session, enrolment=enrolment, reason=reason, actor_id=actor.id)
    notify(session, submission.user_id, "evidence.overturned",
           subject=f"The acceptance of your evidence for {module.title} was overturned",
           body=f"On second review an accreditor found: {reason} Your module is open again: you can resubmit.",
           link=f"/learning/{bundle.id}/{module.id}/{activity.id}", essential=True,
           dedupe_key=f"evidence.overturned:{submission.id}")
