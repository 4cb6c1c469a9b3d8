"""Read-only views of progress: the learner's dashboard, a bundle, a module, the compliance list.

Each is a fixed, small number of indexed queries whatever the number of enrolments or modules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam
from sqlmodel import Session, col, select

from lms.auth.models import User
from lms.catalog.registry import Activity, Bundle, ChoiceGroup, Module, Standard
from lms.kinds.base import Run
from lms.learning.completion import BundleState, evaluate, next_module
from lms.learning.context import DONE, EnrolmentContext, load_context, read_done_modules, soon_days
from lms.learning.due import DueStatus, due_status
from lms.learning.models import ActivityProgress, Enrolment, EnrolmentStatus, ModuleProgress, ProgressStatus
from lms.plain_query import PlainQuery
from lms.runtime import catalog, kinds


@dataclass(frozen=True)
class Progress:
    """Progress through a bundle as shown everywhere: "3 of 5 modules done"."""

    done_count: int
    needed_count: int
    complete: bool

    @property
    def fraction(self) -> float:
        return 1.0 if self.complete else min(self.done_count / self.needed_count, 1.0)

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)

    @classmethod
    def of(cls, state: BundleState, enrolment: Enrolment) -> Progress:
        complete = enrolment.status == EnrolmentStatus.COMPLETED or state.complete
        return cls(state.done_count, state.needed_count, complete)


@dataclass(frozen=True)
class DashboardItem:
    enrolment: tuple  # an enrolments row as a named tuple (``enrolment.status``): the page only shows it
    bundle: Bundle
    progress: Progress
    next_module: Module | None
    due: DueStatus


@dataclass(frozen=True)
class Dashboard:
    items: tuple[DashboardItem, ...]  # to do first (overdue, then by due date), then completed

    @property
    def to_do(self) -> list[DashboardItem]:
        return [i for i in self.items if i.enrolment.status == EnrolmentStatus.ACTIVE]

    @property
    def completed(self) -> list[DashboardItem]:
        return [i for i in self.items if i.enrolment.status == EnrolmentStatus.COMPLETED]


_URGENCY = {DueStatus.OVERDUE: 0, DueStatus.DUE_SOON: 1, DueStatus.ON_TRACK: 2, DueStatus.NO_DUE_DATE: 3,
            DueStatus.COMPLETED: 4}


def _sort_key(due: DueStatus, due_at: datetime | None, enrolled_at: datetime) -> tuple:
    return (_URGENCY[due], due_at.timestamp() if due_at else 0.0, enrolled_at.timestamp())


# Built once and run on the DBAPI cursor: every dashboard visit runs it. Columns, not ORM instances: the
# page changes none of them, and loading them into a session was 3 % of a rendered dashboard's instructions.
_ENROLMENTS = Enrolment.__table__
_CURRENT_ENROLMENTS = PlainQuery(select(_ENROLMENTS).where(_ENROLMENTS.c.user_id == bindparam("user_id"),
                                                           _ENROLMENTS.c.status != EnrolmentStatus.WITHDRAWN))


def dashboard(connection: Connection, user_id: int, now: datetime, *, soon: int | None = None) -> Dashboard:
    """A person's enrolments with progress, the next module to do and due status: two queries.

    Only reads, on ``connection`` (the page's ``db.reader()``): the page needs no ORM session, whose
    transaction cost a tenth of a rendered dashboard.
    """
    content, soon = catalog(), soon_days() if soon is None else soon
    enrolments = _CURRENT_ENROLMENTS.records(connection, user_id=user_id)
    done = read_done_modules(connection, user_id) if enrolments else set()
    items = []
    for enrolment in enrolments:
        bundle = content.bundles.get(enrolment.bundle_id)
        if bundle is None:  # content withdrawn since: nothing to show or do
            continue
        state = evaluate(bundle, enrolment.local_module_ids, done, content.modules)
        upcoming = next_module(bundle, enrolment.local_module_ids, done, content.modules, state)
        due = due_status(enrolment.due_at, enrolment.completed_at, now, soon)
        items.append(DashboardItem(enrolment, bundle, Progress.of(state, enrolment),
                                   content.modules.get(upcoming) if upcoming else None, due))
    items.sort(key=lambda i: _sort_key(i.due, i.enrolment.due_at, i.enrolment.enrolled_at))
    return Dashboard(tuple(items))


def enrolled_bundle_ids(session: Session, user_id: int) -> dict[str, str]:
    """Bundle id to enrolment status for a person's current enrolments (for the catalogue's buttons)."""
    rows = session.exec(
        select(Enrolment.bundle_id, Enrolment.status)
        .where(Enrolment.user_id == user_id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class ComplianceRow:
    """One person's assignment for the organisation admin's compliance page."""

    user_id: int
    name: str
    email: str
    organisation_id: int
    enrolment_id: int
    bundle_id: str
    bundle_title: str
    source: str
    enrolled_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    due: DueStatus
    progress: Progress


def compliance(session: Session, organisation_ids: Sequence[int], now: datetime, *, bundle_id: str | None = None,
               soon: int | None = None) -> list[ComplianceRow]:
    """Every current enrolment of the organisations' people, most urgent first: two queries."""
    if not organisation_ids:
        return []
    content, soon = catalog(), soon_days() if soon is None else soon
    query = (
        select(Enrolment, User.name, User.email, User.organisation_id)
        .join(User, col(User.id) == Enrolment.user_id)
        .where(col(User.organisation_id).in_(list(organisation_ids)), Enrolment.status != EnrolmentStatus.WITHDRAWN)
    )
    if bundle_id is not None:
        query = query.where(Enrolment.bundle_id == bundle_id)
    rows = session.exec(query).all()
    done: dict[int, set[str]] = defaultdict(set)
    if rows:
        people = select(User.id).where(col(User.organisation_id).in_(list(organisation_ids)))
        for user_id, module_id in session.exec(
            select(ModuleProgress.user_id, ModuleProgress.module_id)
            .where(col(ModuleProgress.user_id).in_(people), col(ModuleProgress.status).in_(DONE))
        ):
            done[user_id].add(module_id)
    result = []
    for enrolment, name, email, organisation_id in rows:
        bundle = content.bundles.get(enrolment.bundle_id)
        if bundle is None:
            continue
        state = evaluate(bundle, enrolment.local_module_ids, done[enrolment.user_id], content.modules)
        result.append(ComplianceRow(
            enrolment.user_id, name, email, organisation_id, enrolment.id, bundle.id, bundle.title, enrolment.source,
            enrolment.enrolled_at, enrolment.due_at, enrolment.completed_at,
            due_status(enrolment.due_at, enrolment.completed_at, now, soon), Progress.of(state, enrolment),
        ))
    result.sort(key=lambda r: (_sort_key(r.due, r.due_at, r.enrolled_at), r.name.lower()))
    return result


@dataclass(frozen=True)
class ModuleRow:
    module: Module
    status: str  # a ProgressStatus value
    is_open: bool
    is_local: bool
    group: ChoiceGroup | None


@dataclass(frozen=True)
class BundleOverview:
    context: EnrolmentContext
    state: BundleState
    progress: Progress
    required: tuple[ModuleRow, ...]  # the bundle's required modules, then the local ones
    groups: tuple[tuple[ChoiceGroup, tuple[ModuleRow, ...], int], ...]  # group, its modules, how many done
    standards: tuple[tuple[Standard, bool], ...]  # each claimed standard and whether it is covered
    next_module: Module | None
    due: DueStatus


def bundle_overview(session: Session, user_id: int, bundle_id: str, now: datetime) -> BundleOverview:
    content = catalog()
    context = load_context(session, user_id, bundle_id)
    bundle, enrolment, done, opened = context.bundle, context.enrolment, context.done, context.open
    local = set(enrolment.local_module_ids) - set(bundle.modules)

    def row(module_id: str, group: ChoiceGroup | None = None) -> ModuleRow:
        return ModuleRow(content.modules[module_id], context.status(module_id), module_id in opened,
                         module_id in local, group)

    state = evaluate(bundle, enrolment.local_module_ids, done, content.modules)
    required = tuple(row(m) for m in state.required if m in content.modules)
    groups = tuple((g.group, tuple(row(m, g.group) for m in g.group.modules), len(g.done)) for g in state.groups)
    standards = tuple((content.standards[s], s in state.covered) for s in bundle.standards if s in content.standards)
    upcoming = next_module(bundle, enrolment.local_module_ids, done, content.modules, state)
    return BundleOverview(context, state, Progress.of(state, enrolment), required, groups, standards,
                          content.modules.get(upcoming) if upcoming else None,
                          due_status(enrolment.due_at, enrolment.completed_at, now, soon_days()))


@dataclass(frozen=True)
class ActivityRow:
    activity: Activity
    label: str  # the kind's name for people: "Lesson", "Knowledge check"
    status: str
    fraction: float


@dataclass(frozen=True)
class ModuleOverview:
    context: EnrolmentContext
    module: Module
    status: str
    activities: tuple[ActivityRow, ...]
    next_activity: Activity | None


def module_overview(session: Session, user_id: int, bundle_id: str, module_id: str, now: datetime) -> ModuleOverview:
    context = load_context(session, user_id, bundle_id)
    module = context.module(module_id)
    rows = {r.activity_id: r for r in session.exec(
        select(ActivityProgress).where(ActivityProgress.user_id == user_id, ActivityProgress.module_id == module.id)
    ).all()}
    activities = []
    for activity in module.activities:
        kind = kinds()[activity.kind]
        progress = rows.get(activity.id) or ActivityProgress(user_id=user_id, module_id=module.id,
                                                              activity_id=activity.id, state={})
        fraction = kind.fraction(Run(session, user_id, module, activity, progress, now))
        activities.append(ActivityRow(activity, kind.label, progress.status, fraction))
    following = next((a.activity for a in activities if a.status != ProgressStatus.COMPLETED), None)
    return ModuleOverview(context, module, context.status(module.id), tuple(activities), following)
