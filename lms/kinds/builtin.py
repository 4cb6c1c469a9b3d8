"""The built-in activity kinds (lesson, quiz, cohort): an internal plugin, registered through the usual hook."""

from __future__ import annotations

from lms.cohorts.kind import CohortKind
from lms.kinds.lesson import LessonKind
from lms.kinds.quiz import QuizKind
from lms.plugins.hookspecs import hookimpl


@hookimpl
def lms_activity_kinds():
    return [LessonKind(), QuizKind(), CohortKind()]
