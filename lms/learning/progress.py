"""Working through activities: show a step, take a submitted step, complete modules and bundles."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlmodel import Session, select

from lms.auth.principal import Principal
from lms.catalog.registry import Activity, Bundle, Module
from lms.kinds.base import ActivityKind, FormData, Run, Screen
from lms.learning.completion import evaluate, module_order
from lms.learning.context import EnrolmentContext, done_modules, load_context, lock_person, read_context
from lms.learning import records
from lms.learning.models import ActivityProgress, Enrolment, EnrolmentStatus, ModuleProgress, ProgressStatus
from lms.errors import NotFound
from lms.plain_query import PlainQuery
from lms.runtime import catalog, hooks, kinds


@dataclass(frozen=True)
class ActivityPage:
    """One step of an activity as the person sees it, with where it sits in the bundle."""

    context: EnrolmentContext
    module: Module
    activity: Activity
    kind: ActivityKind
    screen: Screen
    step: str
    fraction: float


@dataclass(frozen=True)
class StepResult:
    """What a submitted step led to: the step to show next (None: the activity is finished)."""

    next_step: str | None
    activity_completed: bool
    module_completed: bool
    completed_enrolments: tuple[Enrolment, ...]
    next_activity: Activity | None  # the next activity of the module still to do


# Built once: every activity page runs one of them.
_PLACE = (ActivityProgress.user_id == bindparam("user_id"), ActivityProgress.module_id == bindparam("module_id"),
          ActivityProgress.activity_id == bindparam("activity_id"))
_ACTIVITY_PROGRESS = select(ActivityProgress).where(*_PLACE)
_ACTIVITY_PROGRESS_RECORD = PlainQuery(select(ActivityProgress.__table__).where(*_PLACE))


def _progress_row(session: Session, user_id: int, module_id: str, activity_id: str) -> ActivityProgress | None:
    return session.exec(_ACTIVITY_PROGRESS,
                        params={"user_id": user_id, "module_id": module_id, "activity_id": activity_id}).first()


def activity_page(session: Session, actor: Principal, bundle_id: str, module_id: str, activity_id: str, step: str,
                  now: datetime, *, reads: Connection | None = None) -> ActivityPage:
    """The step of an activity to show (``step`` "" = where the person left off); changes nothing.

    The enrolment and the person's place are read on ``reads`` (a page's ``db.reader()``; by default
    the session's connection), not loaded into the session: a lesson page then opens no ORM transaction,
    which with the two ORM queries was a quarter of its cost. The place is a read-only record of the
    row's columns (``place_record``), not a model: building one was a tenth of a lesson page.
    """
    if reads is None:
        session.flush()  # a Core query does not autoflush
        reads = session.connection()
    context = read_context(session, reads, actor.id, bundle_id)

    def place(module: Module, activity: Activity) -> Any:
        found = _ACTIVITY_PROGRESS_RECORD.records(reads, user_id=actor.id, module_id=module.id, activity_id=activity.id)
        return found[0] if found else place_record(actor.id, module.id, activity.id, now)

    kind, run = _open(session, context, actor, module_id, activity_id, now, place)
    return ActivityPage(context, run.module, run.activity, kind, kind.show(run, step), step, kind.fraction(run))


def place_record(user_id: int, module_id: str, activity_id: str, now: datetime) -> tuple:
    """The place of a person who has not opened the activity yet, as a record: a new row's values."""
    return _ACTIVITY_PROGRESS_RECORD.record(
        id=None, user_id=user_id, module_id=module_id, activity_id=activity_id, status=ProgressStatus.NOT_STARTED,
        position=0, state={}, score=None, completed_at=None, updated_at=now)


def _open(session: Session, context: EnrolmentContext, actor: Principal, module_id: str, activity_id: str,
          now: datetime, place: Callable[[Module, Activity], Any]) -> tuple[Any, Run]:
    """The activity's kind, and the person's run through it from their ``place`` in it."""
    module = context.module(module_id)
    activity = module.activity(activity_id)
    return kinds()[activity.kind], Run(session, actor.id, module, activity, place(module, activity), now,
                                         bundle=context.bundle)


def submit_step(session: Session, actor: Principal, bundle_id: str, module_id: str, activity_id: str, step: str,
                form: FormData, now: datetime) -> StepResult:
    """Hand a submitted step to the activity's kind and complete what it completes.

    Bad input raises a ``DomainError`` (from the kind) before anything changes.
    """
    lock_person(session, actor.id)
    context = load_context(session, actor.id, bundle_id)
    kind, run = _open(session, context, actor, module_id, activity_id, now, lambda module, activity: (
        _progress_row(session, actor.id, module.id, activity.id)
        or ActivityProgress(user_id=actor.id, module_id=module.id, activity_id=activity.id, state={})))
    module, activity, progress = run.module, run.activity, run.progress
    was_complete = kind.is_complete(run)
    first = progress.status == ProgressStatus.NOT_STARTED
    next_step = kind.submit(run, step, form)
    if progress.status == ProgressStatus.NOT_STARTED:
        progress.status = ProgressStatus.IN_PROGRESS
    progress.updated_at = now
    session.add(progress)
    module_row = _start_module(session, context, module, now)
    activity_completed = not was_complete and kind.is_complete(run)
    module_completed, completed = False, ()
    if activity_completed:
        run.complete()  # a kind that judged itself complete without saying so still gets its date
        session.flush()
        module_completed = _complete_module_if_done(session, actor.id, module, module_row, now)
        if module_completed:
            completed = tuple(refresh_completion(session, actor.id, actor.id, now))
    records.activity_events(session, actor.id, context.enrolment, context.bundle, module, activity, run.events,
                            first=first, at=now, activity_type=kind.activity_type)
    if module_completed:
        records.module_completed(session, actor.id, context.enrolment, context.bundle, module, now)
    session.flush()
    statuses = _activity_statuses(session, actor.id, module.id)
    following = next((a for a in module.activities if statuses.get(a.id) != ProgressStatus.COMPLETED), None)
    return StepResult(next_step, activity_completed, module_completed, completed, following)


def record_for(session: Session, user_id: int, actor_id: int | None, bundle_id: str, module_id: str,
               activity_id: str, events: list[tuple[str, dict[str, Any]]], now: datetime, *,
               complete: bool = False) -> bool:
    """Record what happened to a person's activity outside their own steps (someone else's action: a
    facilitator's register, an assessor's acceptance, a place freed by another), completing the activity when
    ``complete``.

    The statements (``events`` as a kind's ``Run.record`` makes them) are stored in this transaction; a
    completed activity completes the module and the bundles it finishes, as a step of the person's own
    would. Returns whether the module was completed now.
    """
    lock_person(session, user_id)
    context = load_context(session, user_id, bundle_id)
    if context.enrolment is None:
        raise NotFound("That person is not enrolled on this bundle")
    module = context.module(module_id)
    activity = module.activity(activity_id)
    module_completed = False
    if complete:
        progress = (_progress_row(session, user_id, module.id, activity.id)
                    or ActivityProgress(user_id=user_id, module_id=module.id, activity_id=activity.id, state={}))
        if progress.status != ProgressStatus.COMPLETED:
            progress.status, progress.completed_at, progress.updated_at = ProgressStatus.COMPLETED, now, now
            session.add(progress)
            row = _start_module(session, context, module, now)
            session.flush()
            module_completed = _complete_module_if_done(session, user_id, module, row, now)
    records.activity_events(session, user_id, context.enrolment, context.bundle, module, activity, events,
                            first=False, at=now, activity_type=kinds()[activity.kind].activity_type)
    if module_completed:
        records.module_completed(session, user_id, context.enrolment, context.bundle, module, now)
        refresh_completion(session, user_id, actor_id, now)
    session.flush()
    return module_completed


def _start_module(session: Session, context: EnrolmentContext, module: Module, now: datetime) -> ModuleProgress:
    row = context.progress.get(module.id)
    if row is None:
        row = ModuleProgress(user_id=context.enrolment.user_id, module_id=module.id, module_version=module.version)
        context.progress[module.id] = row
    if row.status == ProgressStatus.NOT_STARTED:
        row.status, row.started_at = ProgressStatus.IN_PROGRESS, now
    row.updated_at = now
    session.add(row)
    return row


def _activity_statuses(session: Session, user_id: int, module_id: str) -> dict[str, str]:
    rows = session.exec(
        select(ActivityProgress.activity_id, ActivityProgress.status)
        .where(ActivityProgress.user_id == user_id, ActivityProgress.module_id == module_id)
    ).all()
    return dict(rows)


def _complete_module_if_done(session: Session, user_id: int, module: Module, row: ModuleProgress, now: datetime) -> bool:
    """A module completes when every one of its activities is complete."""
    statuses = _activity_statuses(session, user_id, module.id)
    if row.status in (ProgressStatus.COMPLETED, ProgressStatus.WAIVED):
        return False
    if any(statuses.get(a.id) != ProgressStatus.COMPLETED for a in module.activities):
        return False
    row.status, row.completed_at, row.module_version = ProgressStatus.COMPLETED, now, module.version
    session.add(row)
    return True


def refresh_completion(session: Session, user_id: int, actor_id: int | None, now: datetime,
                       enrolments: Sequence[Enrolment] | None = None, done: set[str] | None = None) -> list[Enrolment]:
    """Complete every active enrolment of the person whose bundle rule is now met.

    Call after anything that marks modules done (an activity, a waiver, a new enrolment).
    Completion calls ``lms_enrolment_completed`` in the same transaction (certificates).
    """
    if enrolments is None:
        enrolments = session.exec(
            select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.status == EnrolmentStatus.ACTIVE)
        ).all()
    content = catalog()
    done = done_modules(session, user_id) if done is None else done
    completed = []
    for enrolment in enrolments:
        bundle: Bundle | None = content.bundles.get(enrolment.bundle_id)
        if bundle is None or enrolment.status != EnrolmentStatus.ACTIVE:
            continue
        if evaluate(bundle, enrolment.local_module_ids, done, content.modules).complete:
            enrolment.status, enrolment.completed_at = EnrolmentStatus.COMPLETED, now
            session.add(enrolment)
            session.flush()
            records.bundle_completed(session, enrolment, bundle, now)
            hooks().lms_enrolment_completed(session=session, enrolment=enrolment, bundle=bundle, actor_id=actor_id)
            completed.append(enrolment)
    return completed


def reopen_module(session: Session, user_id: int, module_id: str, activity_id: str, now: datetime) -> list[Enrolment]:
    """Undo an activity's completion (an overturned decision): the activity and its module are open again,
    and every enrolment completed with the module counting is active again under a new registration (its
    next completion is a new one, with a new certificate). Returns the enrolments reopened, as they were."""
    lock_person(session, user_id)
    progress = _progress_row(session, user_id, module_id, activity_id)
    if progress is not None:
        progress.status, progress.completed_at, progress.updated_at = ProgressStatus.IN_PROGRESS, None, now
        session.add(progress)
    row = session.exec(select(ModuleProgress).where(ModuleProgress.user_id == user_id,
                                                    ModuleProgress.module_id == module_id)).first()
    if row is not None and row.status == ProgressStatus.COMPLETED:
        row.status, row.completed_at, row.updated_at = ProgressStatus.IN_PROGRESS, None, now
        session.add(row)
    content = catalog()
    reopened = []
    for enrolment in session.exec(select(Enrolment).where(Enrolment.user_id == user_id,
                                                          Enrolment.status == EnrolmentStatus.COMPLETED)).all():
        bundle = content.bundles.get(enrolment.bundle_id)
        if bundle is None or module_id not in module_order(bundle, enrolment.local_module_ids):
            continue
        reopened.append(Enrolment.model_validate(enrolment.model_dump()))  # as completed, for the caller
        enrolment.status, enrolment.completed_at = EnrolmentStatus.ACTIVE, None
        enrolment.registration = str(uuid.uuid4())
        session.add(enrolment)
    session.flush()
    return reopened
