"""The built-in activity kinds, lesson and quiz: an internal plugin, registered through the same hook as any other."""

from __future__ import annotations

from lms.kinds.lesson import LessonKind
from lms.kinds.quiz import QuizKind
from lms.plugins.hookspecs import hookimpl


@hookimpl
def lms_activity_kinds():
    return [LessonKind(), QuizKind()]
