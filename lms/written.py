"""Text a person writes in a form: trimmed, required where it must be given, and never longer than its limit."""

from __future__ import annotations

from lms.errors import DomainError


def written(value: str | None, field: str, *, limit: int, missing: str | None = None) -> str:
    """The text without surrounding space; ``missing`` is the message when it must be given and is not."""
    text = (value or "").strip()
    if missing and not text:
        raise DomainError(missing, field=field)
    if len(text) > limit:
        raise DomainError(f"Write at most {limit} characters", field=field)
    return text
