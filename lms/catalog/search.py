"""The catalogue's search and filters: words, category, audience, standard and length, read from a GET query.

Filters combine (a bundle must pass each one given); several values of one filter are alternatives. A value
the catalogue does not know is dropped, so an old or edited link still shows a sensible list; only a search
longer than ``MAX_QUERY`` is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lms.catalog.registry import Bundle, Catalog
from lms.errors import DomainError
from lms.plugins.manifest import AUDIENCE_GROUPS

MAX_QUERY = 200  # characters of a search
# Estimated time to complete, in minutes: (value, label, longest). The last has no upper bound.
LENGTHS = (
    ("short", "Up to 2 and a half hours", 150),
    ("medium", "2 and a half to 3 and a half hours", 210),
    ("long", "More than 3 and a half hours", None),
)


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; empty everywhere means the whole catalogue."""

    words: tuple[str, ...] = ()
    query: str = ""
    categories: frozenset[str] = frozenset()
    audiences: frozenset[str] = frozenset()
    standards: frozenset[str] = frozenset()
    lengths: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        return bool(self.words or self.categories or self.audiences or self.standards or self.lengths)


def _known(values: Iterable[str], allowed: Iterable[str]) -> frozenset[str]:
    return frozenset(values) & frozenset(allowed)


def read_filters(args: Mapping, content: Catalog, categories: Iterable[str]) -> Filters:
    """The filters in a query string (a werkzeug MultiDict); unknown values are dropped."""
    query = " ".join(str(args.get("q", "")).split())
    if len(query) > MAX_QUERY:
        raise DomainError(f"Search for {MAX_QUERY} characters or fewer", field="q")
    return Filters(
        words=tuple(query.casefold().split()), query=query,
        categories=_known(args.getlist("category"), categories),
        audiences=_known(args.getlist("audience"), AUDIENCE_GROUPS),
        standards=_known(args.getlist("standard"), content.standards),
        lengths=_known(args.getlist("length"), (value for value, _, _ in LENGTHS)),
    )


def length_of(minutes: int) -> str:
    """The length band of a bundle's estimated time."""
    return next(value for value, _, longest in LENGTHS if longest is None or minutes <= longest)


def searchable_text(bundle: Bundle, content: Catalog) -> str:
    """Everything a search looks through: the bundle's words, its modules' titles and summaries, its standards."""
    modules = [content.modules[m] for m in bundle.all_module_ids if m in content.modules]
    standards = [content.standards[s].title for s in bundle.standards if s in content.standards]
    return " ".join([bundle.title, bundle.summary, bundle.description, bundle.audience,
                     *(f"{m.title} {m.summary}" for m in modules), *standards, *bundle.standards]).casefold()


def matches(filters: Filters, bundle: Bundle, minutes: int, content: Catalog) -> bool:
    """Whether a bundle passes every filter given (its estimated ``minutes`` decide its length)."""
    if filters.categories and bundle.category not in filters.categories:
        return False
    if filters.audiences and not filters.audiences.intersection(bundle.audiences):
        return False
    if filters.standards and not filters.standards.intersection(bundle.standards):
        return False
    if filters.lengths and length_of(minutes) not in filters.lengths:
        return False
    if filters.words:
        text = searchable_text(bundle, content)
        return all(word in text for word in filters.words)
    return True
