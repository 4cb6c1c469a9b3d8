"""Submissions of evidence, their files and criterion judgements, second reviews, prior-learning requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms.db import utcnow
from lms.models import json_column


class SubmissionStatus(StrEnum):
    DRAFT = "draft"  # being written by the learner; no one else sees it
    SUBMITTED = "submitted"  # waiting in the assessors' queue
    ACCEPTED = "accepted"
    REFERRED = "referred"  # sent back with feedback; the learner resubmits as a new attempt


class Submission(SQLModel, table=True):
    """One attempt at an evidence activity: the learner's account against each criterion, and the decision."""

    __tablename__ = "evidence_submissions"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "activity_id", "attempt"),
        # The assessors' queue: submitted work, oldest first.
        Index("ix_evidence_submissions_queue", "status", "submitted_at"),
        Index("ix_evidence_submissions_assessor", "assessor_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id",
                                        description="the learner's organisation when submitted (assessors' scope)")
    bundle_id: str = Field(max_length=80)
    module_id: str = Field(max_length=80)
    activity_id: str = Field(max_length=80)
    attempt: int = 1
    status: str = Field(default=SubmissionStatus.DRAFT, max_length=20)
    # The learner's account of how their evidence meets each criterion, by criterion id.
    answers: dict[str, str] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    assessor_id: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = None
    feedback: str | None = Field(default=None, max_length=5000)
    # Set when an accreditor overturned the decision on second review.
    overturned_at: datetime | None = None
    overturn_reason: str | None = Field(default=None, max_length=2000)


class EvidenceFile(SQLModel, table=True):
    """A file attached to a submission, stored in the instance folder under a name the platform chose."""

    __tablename__ = "evidence_files"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="evidence_submissions.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=200, description="the learner's file name, shown and offered on download")
    media_type: str = Field(max_length=120, description="as detected from the content, never the name")
    size: int
    sha256: str = Field(max_length=64)
    path: str = Field(max_length=300, description="relative to the instance folder")
    uploaded_at: datetime = Field(default_factory=utcnow)


class Judgement(SQLModel, table=True):
    """An assessor's judgement of one criterion of a submission."""

    __tablename__ = "evidence_judgements"
    __table_args__ = (UniqueConstraint("submission_id", "criterion_id"),)
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="evidence_submissions.id", index=True)
    criterion_id: str = Field(max_length=80)
    met: bool
    comment: str | None = Field(default=None, max_length=2000)


class ReviewOutcome(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    OVERTURNED = "overturned"


class SampleReview(SQLModel, table=True):
    """An accepted submission drawn for an accreditor's second review, and its outcome."""

    __tablename__ = "evidence_sample_reviews"
    __table_args__ = (Index("ix_evidence_sample_reviews_outcome", "outcome", "drawn_at"),)
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="evidence_submissions.id", unique=True)
    assessor_id: int = Field(foreign_key="users.id", index=True)
    drawn_by_id: int = Field(foreign_key="users.id")
    drawn_at: datetime = Field(default_factory=utcnow)
    outcome: str = Field(default=ReviewOutcome.PENDING, max_length=20)
    reviewer_id: int | None = Field(default=None, foreign_key="users.id")
    reason: str | None = Field(default=None, max_length=2000)
    reviewed_at: datetime | None = None


class AssessorBundle(SQLModel, table=True):
    """A bundle an assessor assesses; an assessor with none listed assesses every bundle."""

    __tablename__ = "evidence_assessor_bundles"
    __table_args__ = (UniqueConstraint("user_id", "bundle_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    bundle_id: str = Field(max_length=80)


class PriorLearningReason(StrEnum):
    QUALIFICATION = "qualification"
    EQUIVALENT_PROGRAMME = "equivalent_programme"
    EXPERIENCE = "experience"

    @property
    def label(self) -> str:
        return {"qualification": "A prior qualification", "equivalent_programme": "An equivalent programme",
                "experience": "Documented experience"}[self.value]


class RequestStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


class PriorLearningRequest(SQLModel, table=True):
    """A request to recognise a module from prior learning, and the assessor's decision on it."""

    __tablename__ = "evidence_prior_learning"
    __table_args__ = (Index("ix_evidence_prior_learning_queue", "status", "requested_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id")
    bundle_id: str = Field(max_length=80)
    module_id: str = Field(max_length=80)
    requested_by_id: int = Field(foreign_key="users.id", description="the learner, or their line manager")
    reason_code: str = Field(max_length=30)
    evidence: str = Field(max_length=5000)
    requested_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default=RequestStatus.PENDING, max_length=20)
    assessor_id: int | None = Field(default=None, foreign_key="users.id")
    decision_reason: str | None = Field(default=None, max_length=2000)
    decided_at: datetime | None = None
