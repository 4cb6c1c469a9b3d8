"""Long lists shown a page at a time, and the numbers people send (page numbers, record ids) read within bounds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# The largest id a record can have: ids are INTEGER columns, which on PostgreSQL hold 32 bits (on SQLite 64).
# A larger number sent as an id reached the database or its driver, which raised (a 500) instead of finding nothing.
MAX_ID = 2**31 - 1


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


def whole_number(raw: str | int | None, low: int, high: int) -> int | None:
    """The number a query or form value holds, if it is written in ASCII digits and lies in [low, high]; else None.

    The one reader of numbers people send: ``str.isdigit`` is true of "²" and "١", which ``int`` refuses or reads
    as 1, and ``int`` of a long enough string takes time or raises, so the digits are checked here first.
    """
    text = str(raw).strip() if raw is not None else ""
    if not (text.isascii() and text.isdigit()):  # also false of ""
        return None
    significant = text.lstrip("0")
    if len(significant) > len(str(high)):
        return None
    number = int(significant or "0")
    return number if low <= number <= high else None


def record_id(raw: str | int | None) -> int | None:
    """A record's id from a query or form value; None for anything no record can have."""
    return whole_number(raw, 1, MAX_ID)


def page_number(raw: str | int | None) -> int:
    """A page number from a query string: anything odd means the first page."""
    return whole_number(raw, 1, MAX_ID) or 1
