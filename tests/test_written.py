"""Text a person writes: trimmed, required where it must be given, bounded, each refusal naming its field."""

from __future__ import annotations

import pytest

from lms.errors import DomainError
from lms.written import written


def test_written_text_is_trimmed_and_may_be_empty_unless_required():
    assert written("  a reason \n", "reason", limit=10) == "a reason"
    assert written(None, "reason", limit=10) == ""
    with pytest.raises(DomainError, match="Say why") as refused:
        written("   ", "reason", limit=10, missing="Say why")
    assert refused.value.field == "reason"


def test_written_text_over_its_limit_is_refused_naming_the_limit():
    assert written("x" * 10, "note", limit=10) == "x" * 10
    with pytest.raises(DomainError, match="Write at most 10 characters") as refused:
        written("x" * 11, "note", limit=10)
    assert refused.value.field == "note"
