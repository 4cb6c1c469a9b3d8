"""The contract every activity kind meets: parse content at load time, run it for a learner."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from jinja2 import FileSystemLoader, PrefixLoader

from lms.errors import Problem
from lms.learning.models import ActivityProgress, ProgressStatus
from lms.plugins.manifest import parse_toml
from lms.xapi.vocabulary import VerbIri

if TYPE_CHECKING:
    from sqlmodel import Session

    from lms.catalog.registry import Activity, Bundle, Module
    from lms.xapi.platform import Outcome, Thing

# The event of a statement a kind records with Run.record.
RECORDED = "recorded"
# The submitted form as the kind receives it: each field name with every value sent for it.
FormData = Mapping[str, Sequence[str]]


@dataclass
class Run:
    """One person's run through one activity: everything a kind reads and changes at run time.

    ``progress`` is the person's place. On a submit it is their ``ActivityProgress`` row (a new, unsaved one
    on their first visit), which the caller saves afterwards. When a step is only shown it is a read-only
    record with the same fields (a first visit's has a new row's values): ``show`` changes nothing. A kind
    keeps its place in ``progress.position`` and small state in ``progress.state`` (always assign a new
    dict: JSON columns do not track in-place changes), and may keep records of its own through
    ``session`` (the quiz's attempts).
    """

    session: Session
    user_id: int
    module: Module
    activity: Activity
    progress: ActivityProgress  # or, when a step is only shown, a record of its columns
    now: datetime
    # The bundle the person reached the activity through (None only outside a page, as in a fraction).
    bundle: Bundle | None = None

    @property
    def content(self) -> Any:
        """What the kind parsed at load time (never re-read at run time)."""
        return self.activity.content

    # What happened while handling a step, as (name, values), for the learning record (xAPI).
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, name: str, **values: Any) -> None:
        """Report one of the core kinds' learning events: experienced (page), answered (question, chosen,
        correct), quiz_result. Any other kind records its statements with ``record``."""
        self.events.append((name, values))

    def record(self, verb: VerbIri, *, result: Outcome | None = None, extensions: Mapping[str, Any] | None = None,
               part: Thing | None = None) -> None:
        """Record an xAPI statement about this run: the person, ``verb``, this activity (or ``part`` of it).

        Built by the platform's statement builders and stored with the step's change, in its transaction
        (after ``submit`` returns, in the order recorded); nothing is stored for a step only shown. The
        statement names the module as parent and the bundle as grouping, with the enrolment's registration.
        ``result`` (``Outcome``) gives score, success, completion, response and duration. ``extensions``
        keys are absolute IRIs, or short names put under the platform's own extension IRIs. ``part`` (a
        ``Thing``: id and title) makes the object a part of the activity, such as one question, with the
        activity as its parent.
        """
        self.events.append((RECORDED, {"verb": verb, "result": result, "extensions": dict(extensions or {}),
                                       "part": part}))

    def complete(self, score: float | None = None) -> None:
        """Mark the activity completed; the caller then completes the module and bundles it unlocks."""
        self.progress.status = ProgressStatus.COMPLETED
        self.progress.completed_at = self.progress.completed_at or self.now
        if score is not None:
            self.progress.score = score


@dataclass(frozen=True)
class Screen:
    """What to show for a step: a template (extending ``learning/activity.html``), a title, values."""

    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)


class ActivityKind:
    """Base class of activity kinds (lesson, quiz, and kinds that plugins add).

    Load time: ``load`` parses and validates the activity's source file once, at start-up, and
    returns what the run-time needs plus every problem found (located by file and field).

    Run time, for one person (``run``), through the learning service, which checks the person is
    enrolled and the module is open, and saves and completes things around the kind:

    - ``show(run, step)`` returns the ``Screen`` for a step (GET). ``step`` is ``""`` for "where
      the person is now" (so they resume where they left off) or a kind-defined sub-path such as
      ``feedback/q1``; an unknown step raises ``NotFound``. It never changes anything.
    - ``submit(run, step, form)`` handles a POST from that step and returns the step to show
      next (``""`` for the current place) or ``None`` when the person has finished the activity.
      Bad input raises ``DomainError`` naming the field, before anything is changed; the page
      is shown again with the error.
    - ``is_complete(run)`` says whether the activity is complete (default: ``run.complete()``
      has been called, i.e. the progress row is completed).
    - ``fraction(run)`` is the share done, 0.0 to 1.0, computed from ``run.progress`` alone (no
      queries, so lists of activities stay cheap).

    A kind's screens are templates in its ``template_folder``, loaded as ``kinds/<name>/<file>``; each
    extends ``learning/activity.html`` and fills its ``step`` block. What happened in a step goes on the
    learning record through ``run.record`` (any verb), with ``activity_type`` naming its activities' type.
    Import all of this from ``lms.api``; docs/plugins.md walks through a kind of a plugin's own.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    needs_source: ClassVar[bool] = True
    # The xAPI activity type its activities have in statements (an ADL or registry IRI).
    activity_type: ClassVar[str] = "http://adlnet.gov/expapi/activities/interaction"
    # A folder of the kind's own templates, loaded as kinds/<name>/<file> (None: the kind has none).
    template_folder: ClassVar[Path | None] = None
    # The activity file's model (a ``Strict`` pydantic model): the default ``load`` reads the file with it.
    content_schema: ClassVar[type | None] = None

    def load(self, source: Path | None, module_dir: Path) -> tuple[Any, list[Problem]]:
        if self.content_schema is None:
            raise NotImplementedError(f"{type(self).__name__} needs a content_schema or a load method of its own")
        assert source is not None  # needs_source: the loader found the activity's file
        return parse_toml(source, self.content_schema)

    def show(self, run: Run, step: str) -> Screen:
        raise NotImplementedError

    def submit(self, run: Run, step: str, form: FormData) -> str | None:
        raise NotImplementedError

    def is_complete(self, run: Run) -> bool:
        return run.progress.status == ProgressStatus.COMPLETED

    def fraction(self, run: Run) -> float:
        return 1.0 if self.is_complete(run) else 0.0


def template_loader(kinds: Iterable[ActivityKind]) -> PrefixLoader:
    """Each kind's ``template_folder`` under ``kinds/<name>/``: ``kinds/quiz/question.html`` is the quiz's
    ``question.html``. A kind's templates reach only their own folder and the app's (``learning/activity.html``)."""
    return PrefixLoader({"kinds": PrefixLoader({
        kind.name: FileSystemLoader(kind.template_folder) for kind in kinds if kind.template_folder is not None})})


def one_value(form: FormData, name: str) -> str:
    """The single value of a field, or "" when it is missing."""
    values = form.get(name) or ()
    return values[0].strip() if values else ""
