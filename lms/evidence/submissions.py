"""A learner's own submissions: reading their attempts, opening a draft (a fresh attempt after a referral),
and attaching or removing files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from lms.auth.models import User
from lms.auth.principal import Principal
from lms.errors import Conflict, DomainError, NotFound
from lms.evidence import files as evidence_files
from lms.evidence.files import Upload
from lms.evidence.models import EvidenceFile, Judgement, Submission, SubmissionStatus
from lms.learning.context import catalog, load_context, lock_person
from lms.learning.models import ProgressStatus

MAX_FILES = 10  # on one submission


def attempts(session: Session, user_id: int, module_id: str, activity_id: str) -> list[Submission]:
    """The person's attempts at an evidence activity, newest first."""
    return list(session.exec(
        select(Submission).where(Submission.user_id == user_id, Submission.module_id == module_id,
                                 Submission.activity_id == activity_id).order_by(col(Submission.attempt).desc())
    ).all())


def latest(session: Session, user_id: int, module_id: str, activity_id: str) -> Submission | None:
    found = attempts(session, user_id, module_id, activity_id)
    return found[0] if found else None


def files_of(session: Session, submission_id: int | None) -> list[EvidenceFile]:
    if submission_id is None:
        return []
    return list(session.exec(select(EvidenceFile).where(EvidenceFile.submission_id == submission_id)
                             .order_by(EvidenceFile.id)).all())


def judgements_of(session: Session, submission_id: int | None) -> dict[str, Judgement]:
    if submission_id is None:
        return {}
    rows = session.exec(select(Judgement).where(Judgement.submission_id == submission_id)).all()
    return {j.criterion_id: j for j in rows}


def open_draft(session: Session, user_id: int, progress: Any, module_id: str, activity_id: str, now: datetime,
               current: Submission | None, bundle_id: str) -> Submission:
    """The draft to write in: the current one, or a new attempt (after a referral, with its files carried over)."""
    if current is not None and current.status == SubmissionStatus.DRAFT:
        return current
    if current is not None and current.status != SubmissionStatus.REFERRED:
        raise Conflict("This evidence has already been submitted")
    user = session.get(User, user_id)
    draft = Submission(user_id=user_id, organisation_id=user.organisation_id, bundle_id=bundle_id,
                       module_id=module_id, activity_id=activity_id, attempt=(current.attempt + 1) if current else 1,
                       answers=dict(current.answers) if current else {}, created_at=now, updated_at=now)
    session.add(draft)
    session.flush()
    for old in files_of(session, current.id if current else None):
        session.add(EvidenceFile(submission_id=draft.id, user_id=user_id, name=old.name, media_type=old.media_type,
                                 size=old.size, sha256=old.sha256, path=old.path, uploaded_at=old.uploaded_at))
    if progress is not None and progress.status == ProgressStatus.NOT_STARTED:
        progress.status = ProgressStatus.IN_PROGRESS
    return draft


def _evidence_activity(session: Session, actor: Principal, bundle_id: str, module_id: str, activity_id: str):  # noqa: ANN202
    """The enrolment context and the activity, checking it is an evidence activity the person may work on."""
    context = load_context(session, actor.id, bundle_id)
    module = context.module(module_id)
    activity = module.activity(activity_id)
    if activity.kind != "evidence":
        raise NotFound("This activity takes no files")
    return context, module, activity


def attach(session: Session, actor: Principal, bundle_id: str, module_id: str, activity_id: str, upload: Upload,
           instance_path: Path, max_bytes: int, now: datetime) -> EvidenceFile:
    """Check an uploaded file by its content and attach it to the person's draft (opening one if need be)."""
    lock_person(session, actor.id)
    context, module, activity = _evidence_activity(session, actor, bundle_id, module_id, activity_id)
    current = latest(session, actor.id, module.id, activity.id)
    if current is not None and current.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED):
        raise Conflict("This evidence has already been submitted: files can no longer be added")
    media_type = evidence_files.media_type(upload, max_bytes)  # refuses before anything changes
    if current is not None and current.status == SubmissionStatus.DRAFT:
        count = session.exec(select(func.count()).select_from(EvidenceFile)
                             .where(EvidenceFile.submission_id == current.id)).one()
        if count >= MAX_FILES:
            raise DomainError(f"You can attach at most {MAX_FILES} files", field=evidence_files.FIELD)
    draft = open_draft(session, actor.id, None, module.id, activity.id, now, current, context.bundle.id)
    path, digest = evidence_files.store(instance_path, upload.data)
    row = EvidenceFile(submission_id=draft.id, user_id=actor.id, name=evidence_files.safe_name(upload.name),
                       media_type=media_type, size=len(upload.data), sha256=digest, path=path, uploaded_at=now)
    draft.updated_at = now
    session.add_all([row, draft])
    session.flush()
    return row


def detach(session: Session, actor: Principal, file_id: int) -> EvidenceFile:
    """Remove a file from the person's own draft."""
    lock_person(session, actor.id)
    row = session.get(EvidenceFile, file_id)
    if row is None or row.user_id != actor.id:
        raise NotFound("There is no such file")
    submission = session.get(Submission, row.submission_id)
    if submission.status != SubmissionStatus.DRAFT:
        raise Conflict("This file is part of submitted evidence and cannot be removed")
    session.delete(row)
    session.flush()
    return row


def module_title(module_id: str) -> str:
    module = catalog().modules.get(module_id)
    return module.title if module else module_id
