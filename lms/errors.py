"""Domain errors raised by services and turned into clear responses by the views."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class DomainError(Exception):
    """A request that cannot be carried out as asked; the message is safe to show."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, located by file and field."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}" if self.field else f"{self.file}: {self.message}"


def display_path(path: Path) -> str:
    """A path relative to the working folder when it is inside it (shorter error messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class ContentError(Exception):
    """Content that cannot be loaded; lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the content:\n{lines}")


class PluginError(Exception):
    """Plugins the app refuses to start with (an unknown hook, an incompatible version); lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the plugins:\n{lines}")
