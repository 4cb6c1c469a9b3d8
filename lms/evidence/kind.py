"""The evidence activity kind: criteria mapped to standards; the learner writes against each, attaches files,
saves drafts and submits for an assessor's decision (which completes the activity, not the learner)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from lms.errors import Conflict, DomainError, NotFound
from lms.evidence import submissions
from lms.evidence.models import SubmissionStatus
from lms.kinds.base import ActivityKind, FormData, Run, Screen, one_value
from lms.plugins.manifest import Identifier, StandardId, Strict, Text
from lms.xapi.vocabulary import ACTIVITY_TYPES, SUBMITTED

MAX_ANSWER = 5000  # characters against one criterion


class CriterionSpec(Strict):
    id: Identifier
    text: Text = Field(description="what the assessor looks for, as a statement the evidence must show")
    standards: list[StandardId] = Field(min_length=1)


class EvidenceContent(Strict):
    """evidence.toml: what to do and submit, and the criteria the assessor judges."""

    brief: Text = Field(description="what the learner does and what they submit")
    evidence_examples: list[Text] = Field(default_factory=list, description="kinds of evidence that fit")
    criteria: list[CriterionSpec] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _distinct(self) -> EvidenceContent:
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError("criterion ids must be distinct")
        return self


def field_name(criterion_id: str) -> str:
    return f"criterion-{criterion_id}"


class EvidenceKind(ActivityKind):
    name = "evidence"
    label = "Assessed evidence"
    activity_type = ACTIVITY_TYPES["evidence"]
    template_folder = Path(__file__).parent / "templates"
    content_schema = EvidenceContent

    def show(self, run: Run, step: str) -> Screen:
        if step:
            raise NotFound("There is no such page in this activity")
        attempts = submissions.attempts(run.session, run.user_id, run.module.id, run.activity.id)
        latest = attempts[0] if attempts else None
        return Screen("kinds/evidence/evidence.html", run.activity.title, {
            "content": run.content, "latest": latest, "previous": attempts[1:],
            "files": submissions.files_of(run.session, latest.id if latest else None),
            "judgements": submissions.judgements_of(run.session, latest.id if latest else None),
            "editable": latest is None or latest.status in (SubmissionStatus.DRAFT, SubmissionStatus.REFERRED),
            "field_name": field_name,
        })

    def submit(self, run: Run, step: str, form: FormData) -> str | None:
        if step:
            raise NotFound("There is no such page in this activity")
        content: EvidenceContent = run.content
        action = one_value(form, "action")
        if action not in ("save", "submit"):
            raise DomainError("Choose to save a draft or to submit your evidence", field="action")
        answers = {c.id: one_value(form, field_name(c.id)) for c in content.criteria}
        for criterion in content.criteria:
            if len(answers[criterion.id]) > MAX_ANSWER:
                raise DomainError(f"Write at most {MAX_ANSWER} characters against each criterion",
                                  field=field_name(criterion.id))
        latest = submissions.latest(run.session, run.user_id, run.module.id, run.activity.id)
        if latest is not None and latest.status == SubmissionStatus.SUBMITTED:
            raise Conflict("You have already submitted this evidence: it is waiting for an assessor")
        if latest is not None and latest.status == SubmissionStatus.ACCEPTED:
            raise Conflict("This evidence has already been accepted")
        if action == "submit":
            missing = next((c for c in content.criteria if not answers[c.id]), None)
            if missing is not None:
                raise DomainError(f"Say how your evidence meets this criterion: {missing.text}",
                                  field=field_name(missing.id))
        draft = submissions.open_draft(run.session, run.user_id, run.progress, run.module.id, run.activity.id,
                                       run.now, latest, run.bundle.id)
        draft.answers, draft.updated_at = answers, run.now
        if action == "submit":
            draft.status, draft.submitted_at = SubmissionStatus.SUBMITTED, run.now
            run.record(SUBMITTED, extensions={"attempt": draft.attempt,
                                              "files": len(submissions.files_of(run.session, draft.id))})
        run.session.add(draft)
        return ""
