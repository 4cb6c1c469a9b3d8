"""The plugin's hooks: one activity kind."""

from __future__ import annotations

from lms.api import ActivityKind, hookimpl

from .kind import ReflectionKind

requires_lms = ">=0.1,<1"  # the lms versions this plugin is written for


@hookimpl
def lms_activity_kinds() -> list[ActivityKind]:
    return [ReflectionKind()]
