"""Which lms versions a bundle, module or plugin says it works with (``requires_lms``), checked at load."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version


@cache
def lms_version() -> Version:
    """The installed lms distribution's version (0 when run from a tree that was never installed)."""
    try:
        return Version(version("lms"))
    except PackageNotFoundError:
        return Version("0")


def parse_requirement(text: str) -> SpecifierSet:
    """A PEP 440 specifier set such as ``>=0.1,<1``; raises ValueError with a readable message."""
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        raise ValueError(f"{text!r} is not a version range such as \">=0.1,<1\"") from None


def incompatibility(requires: str | None) -> str | None:
    """Why this lms cannot run something declaring ``requires``, or None when it can (or declares nothing)."""
    if requires is None:
        return None
    try:
        wanted = parse_requirement(requires)
    except ValueError as exc:
        return f"requires_lms: {exc}"
    if wanted.contains(lms_version(), prereleases=True):
        return None
    return f"needs lms {wanted} but this is lms {lms_version()}"
