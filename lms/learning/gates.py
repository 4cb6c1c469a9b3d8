"""Gates on enrolment and advancement: the credentials a person holds, as plugins report them.

Pure functions only: a requirement (certificates and standards combined with all-of and any-of) is
met or not by a list of credentials, and every unmet requirement is explained in plain English.
The database and the hook live in ``lms.learning.eligibility``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from lms.catalog.registry import Catalog
    from lms.plugins.manifest import RequirementSpec

CERTIFICATE = "certificate"
VALID, EXPIRED, REVOKED, SUPERSEDED = "valid", "expired", "revoked", "superseded"


@dataclass(frozen=True)
class Credential:
    """One credential a person holds, from the ``lms_credentials`` hook (the core never imports plugins).

    For a certificate: kind "certificate", id the bundle id, status one of valid, expired, revoked or
    superseded, and the standards the certificate records as met.
    """

    kind: str
    id: str
    title: str
    status: str
    issued_at: datetime
    expires_at: datetime | None = None
    standards: tuple[str, ...] = ()
    revoked_at: datetime | None = None  # when status is revoked: the date the explanation gives


@dataclass(frozen=True)
class HoldCertificate:
    bundle_id: str


@dataclass(frozen=True)
class MeetStandard:
    standard_id: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Requirement, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Requirement, ...]


Requirement = Union[HoldCertificate, MeetStandard, AllOf, AnyOf]


def from_spec(spec: RequirementSpec) -> Requirement:
    """The immutable requirement of a validated manifest or settings entry."""
    if spec.certificate is not None:
        return HoldCertificate(spec.certificate)
    if spec.standard is not None:
        return MeetStandard(spec.standard)
    if spec.all is not None:
        return AllOf(tuple(from_spec(part) for part in spec.all))
    return AnyOf(tuple(from_spec(part) for part in spec.any or ()))


def leaves(requirement: Requirement, path: str = "") -> Iterator[tuple[str, Requirement]]:
    """Every certificate and standard in a requirement with its field path, e.g. ``all[1].certificate``."""
    if isinstance(requirement, HoldCertificate):
        yield f"{path}.certificate" if path else "certificate", requirement
    elif isinstance(requirement, MeetStandard):
        yield f"{path}.standard" if path else "standard", requirement
    else:
        key = "all" if isinstance(requirement, AllOf) else "any"
        for i, part in enumerate(requirement.parts):
            yield from leaves(part, f"{path}.{key}[{i}]" if path else f"{key}[{i}]")


def is_met(requirement: Requirement, credentials: tuple[Credential, ...] | list[Credential]) -> bool:
    """Certificates count only while valid; a standard is met when a valid credential records it."""
    if isinstance(requirement, HoldCertificate):
        return any(c.kind == CERTIFICATE and c.id == requirement.bundle_id and c.status == VALID for c in credentials)
    if isinstance(requirement, MeetStandard):
        return any(c.status == VALID and requirement.standard_id in c.standards for c in credentials)
    if isinstance(requirement, AllOf):
        return all(is_met(part, credentials) for part in requirement.parts)
    return any(is_met(part, credentials) for part in requirement.parts)


@dataclass(frozen=True)
class Names:
    """How certificates and standards are called in explanations (titles from the catalogue)."""

    certificates: Mapping[str, str] = field(default_factory=dict)  # bundle id -> bundle title
    standards: Mapping[str, str] = field(default_factory=dict)  # standard id -> title
    # standard id -> the bundles whose certificates record it, in catalogue order: the ways to meet it
    certified_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, catalog: Catalog) -> Names:
        certified = [b for b in catalog.bundles.values() if b.certificate_template is not None]
        return cls({b.id: b.title for b in catalog.bundles.values()}, {s.id: s.title for s in catalog.standards.values()},
                   {s: tuple(b.id for b in certified if s in b.standards) for s in catalog.standards})

    def certificate(self, bundle_id: str) -> str:
        return f"{self.certificates.get(bundle_id, bundle_id)} certificate"

    def standard(self, standard_id: str, word: str = "Standard") -> str:
        title = self.standards.get(standard_id)
        return f"{word} {standard_id} ({title})" if title else f"{word} {standard_id}"


def format_date(value: datetime) -> str:
    from lms.web import format_date as page_date  # the pages' own date style: 3 March 2026

    return page_date(value)


def current_certificate(credentials: tuple[Credential, ...] | list[Credential], bundle_id: str) -> Credential | None:
    """The certificate of a bundle that speaks for the person: a valid one, else the newest not replaced."""
    mine = [c for c in credentials if c.kind == CERTIFICATE and c.id == bundle_id]
    valid = [c for c in mine if c.status == VALID]
    # A superseded certificate matters only when its replacement is not among them (or is itself replaced).
    candidates = valid or [c for c in mine if c.status != SUPERSEDED] or mine
    return max(candidates, key=lambda c: c.issued_at, default=None)


def certificate_state(credential: Credential | None) -> str:
    """Why a certificate does or does not count: "valid", "not held", "expired on 3 March 2026", ..."""
    if credential is None:
        return "not held"
    if credential.status == VALID:
        return "valid"
    if credential.status == EXPIRED:
        return f"expired on {format_date(credential.expires_at)}" if credential.expires_at else "expired"
    if credential.status == REVOKED:
        return f"revoked on {format_date(credential.revoked_at)}" if credential.revoked_at else "revoked"
    if credential.status == SUPERSEDED:
        return "a newer certificate replaced it"
    return f"not valid ({credential.status})"


def _leaf_reason(requirement: HoldCertificate | MeetStandard, credentials: Any, names: Names) -> str:
    if isinstance(requirement, HoldCertificate):
        state = certificate_state(current_certificate(credentials, requirement.bundle_id))
        return f"{names.certificate(requirement.bundle_id)}: {state}"
    recorded_on = [c for c in credentials if requirement.standard_id in c.standards]
    if not recorded_on:
        return f"{names.standard(requirement.standard_id)}: not met"
    # Say which certificate would have met it, had it still been valid.
    latest = max(recorded_on, key=lambda c: c.issued_at)
    holder = names.certificate(latest.id) if latest.kind == CERTIFICATE else latest.title
    return f"{names.standard(requirement.standard_id)}: not met (the {holder} that records it {_lapsed(latest)})"


def _lapsed(credential: Credential) -> str:
    """How a credential stopped counting, as the end of a sentence about it."""
    if credential.status == SUPERSEDED:
        return "was replaced by a newer one"
    if credential.status == REVOKED:
        return "was " + certificate_state(credential)
    return certificate_state(credential) if credential.status == EXPIRED else f"is {credential.status}"


def _reason(requirement: Requirement, credentials: Any, names: Names, nested: bool = False) -> str:
    """One sentence for an unmet requirement; composites inside an any-of are bracketed."""
    if isinstance(requirement, (HoldCertificate, MeetStandard)):
        return _leaf_reason(requirement, credentials, names)
    unmet = [p for p in requirement.parts if not is_met(p, credentials)]
    if isinstance(requirement, AllOf):
        text = "all of: " + "; and ".join(_reason(p, credentials, names, True) for p in unmet)
    else:
        text = "one of: " + "; or ".join(_reason(p, credentials, names, True) for p in unmet)
    return f"({text})" if nested else text


def missing(requirement: Requirement | None, credentials: Any, names: Names) -> list[str]:
    """What stands between the person and the requirement, one plain-English item each (empty if met)."""
    if requirement is None or is_met(requirement, credentials):
        return []
    if isinstance(requirement, AllOf):
        return [item for part in requirement.parts for item in missing(part, credentials, names)]
    text = _reason(requirement, credentials, names)
    return [text[:1].upper() + text[1:]]


def describe(requirement: Requirement, names: Names, nested: bool = False) -> str:
    """What a requirement asks for, whoever is reading: "a valid Core management certificate and ..."."""
    if isinstance(requirement, HoldCertificate):
        return f"a valid {names.certificate(requirement.bundle_id)}"
    if isinstance(requirement, MeetStandard):
        return names.standard(requirement.standard_id, "standard") + " met"
    joiner = " and " if isinstance(requirement, AllOf) else " or "
    text = joiner.join(describe(p, names, True) for p in requirement.parts)
    return f"({text})" if nested and len(requirement.parts) > 1 else text


def as_tree(requirement: Requirement, credentials: Any, names: Names) -> dict[str, Any]:
    """The requirement with each part's outcome, for JSON answers."""
    met = is_met(requirement, credentials)
    if isinstance(requirement, HoldCertificate):
        held = current_certificate(credentials, requirement.bundle_id)
        return {"certificate": requirement.bundle_id, "title": names.certificate(requirement.bundle_id), "met": met,
                "status": held.status if held else "not_held", "detail": certificate_state(held)}
    if isinstance(requirement, MeetStandard):
        return {"standard": requirement.standard_id, "title": names.standards.get(requirement.standard_id, ""),
                "met": met}
    key = "all" if isinstance(requirement, AllOf) else "any"
    return {key: [as_tree(p, credentials, names) for p in requirement.parts], "met": met}


def ways_through(requirement: Requirement | None, credentials: Any, names: Names) -> tuple[tuple[str, str], ...]:
    """The bundles whose certificates meet an unmet part of a requirement, as (bundle id, title), each once.

    A certificate asked for is its own bundle's; a standard is met by any certified bundle that records it.
    """
    found: dict[str, str] = {}

    def walk(part: Requirement) -> None:
        if is_met(part, credentials):
            return
        if isinstance(part, HoldCertificate):
            ids: tuple[str, ...] = (part.bundle_id,) if part.bundle_id in names.certificates else ()
        elif isinstance(part, MeetStandard):
            ids = names.certified_by.get(part.standard_id, ())
        else:
            for inner in part.parts:
                walk(inner)
            return
        for bundle_id in ids:
            found.setdefault(bundle_id, names.certificates[bundle_id])

    if requirement is not None:
        walk(requirement)
    return tuple(found.items())


@dataclass(frozen=True)
class GateResult:
    """Whether a person meets a requirement and, if not, what is missing (empty when met) and the bundles
    whose certificates would meet it (``ways``: (bundle id, title))."""

    met: bool
    missing: tuple[str, ...] = ()
    requirement: Requirement | None = None
    ways: tuple[tuple[str, str], ...] = ()


def check(requirement: Requirement | None, credentials: Any, names: Names) -> GateResult:
    """No requirement is always met."""
    if requirement is None:
        return GateResult(True)
    return GateResult(is_met(requirement, credentials), tuple(missing(requirement, credentials, names)), requirement,
                      ways_through(requirement, credentials, names))
