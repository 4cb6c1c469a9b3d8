"""Long lists shown a page at a time: the page, and page numbers from query strings brought into range."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list, fetched with LIMIT/OFFSET, and where it sits in the whole."""

    items: Sequence[T]
    total: int
    number: int
    size: int

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def fit_page(number: int, total: int, size: int) -> int:
    """The page number brought within range: past the end shows the last page."""
    return min(max(1, number), max(1, math.ceil(total / size)))


def page_number(raw: str | int | None) -> int:
    """A page number from a query string: anything odd means the first page."""
    try:
        return max(1, int(raw or 1))
    except (TypeError, ValueError):
        return 1
