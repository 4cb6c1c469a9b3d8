"""Eligibility: may this person start a bundle, or advance to a band or role, and if not, what is missing.

Credentials come from the ``lms_credentials`` hook, so the core never imports the certificate plugin.
Enrolment and assignment call ``require_gate``; the catalogue calls ``bundle_gate``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlmodel import Session

from lms.auth.models import Role, User
from lms.auth.principal import Principal
from lms.catalog.registry import Bundle
from lms.db import utcnow
from lms.errors import DomainError, Forbidden, NotFound
from lms.learning.advancement import advancement_rules
from lms.learning.context import catalog
from lms.learning.gates import (Credential, GateResult, HoldCertificate, MeetStandard, Names, Requirement, as_tree,
                                check, describe, leaves)

BUNDLE_PREFIX = "bundle:"


def credentials_of(session: Session, user_id: int) -> tuple[Credential, ...]:
    """Every credential plugins say the person holds (none without a certificate plugin)."""
    hook = current_app.extensions["lms.plugins"].hook
    return tuple(c for batch in hook.lms_credentials(session=session, user_id=user_id) for c in batch or ())


def names() -> Names:
    """Titles of bundles and standards for explanations, built once per app."""
    found = current_app.extensions.get("lms.gate_names")
    if found is None:
        found = current_app.extensions["lms.gate_names"] = Names.of(catalog())
    return found


def bundle_gate(session: Session, user_id: int, bundle: Bundle) -> GateResult:
    """Whether the person meets the bundle's ``requires`` (always met when it has none)."""
    if bundle.requires is None:
        return GateResult(True)
    return check(bundle.requires, credentials_of(session, user_id), names())


def requirement_text(bundle: Bundle) -> str | None:
    """What a gated bundle asks for, for readers not signed in: "a valid Core management certificate"."""
    return Target(BUNDLE_PREFIX + bundle.id, "bundle", bundle.title, bundle.requires).description if bundle.requires else None


class GateNotMet(Forbidden):
    """Refused because the person lacks certificates or standards the bundle requires (403: the request is
    understood and allowed in form, but this person may not start it until their credentials change)."""

    def __init__(self, message: str, missing: dict[int, tuple[str, ...]], ways: tuple[tuple[str, str], ...] = ()):
        super().__init__(message)
        self.missing = missing  # user id -> what each person lacks
        self.ways = ways  # the bundles (id, title) whose certificates would meet what is missing


def require_gate(session: Session, user_id: int, bundle: Bundle) -> None:
    """Raise GateNotMet naming what is missing, unless the person meets the bundle's gate."""
    result = bundle_gate(session, user_id, bundle)
    if not result.met:
        raise GateNotMet(f"Not yet eligible for {bundle.title}: {'; '.join(result.missing)}", {user_id: result.missing},
                         result.ways)


def require_gates(session: Session, users: Iterable[User], bundle: Bundle) -> None:
    """All or nothing for an assignment: raise GateNotMet naming every person who does not meet the gate."""
    if bundle.requires is None:
        return
    refused, ways = {}, {}
    for user in users:
        result = bundle_gate(session, user.id, bundle)
        if not result.met:
            refused[user.id] = (user.name, result.missing)
            ways.update(result.ways)
    if refused:
        people = "; ".join(f"{name} ({', '.join(lacks)})" for name, lacks in refused.values())
        raise GateNotMet(f"Not yet eligible for {bundle.title}: {people}",
                         {user_id: lacks for user_id, (_, lacks) in refused.items()}, tuple(ways.items()))


@dataclass(frozen=True)
class Target:
    """Something a person may be eligible for: a bundle ("bundle:<id>") or an advancement rule ("band-8a")."""

    id: str
    kind: str  # "bundle" or "advancement"
    title: str
    requires: Requirement | None

    @property
    def description(self) -> str:
        """What it asks for, in words: "a valid Core management certificate and ..."."""
        return describe(self.requires, names()) if self.requires is not None else "nothing: anyone may start it"


def targets() -> list[Target]:
    """Every advancement rule (in settings order), then every gated bundle (in catalogue order)."""
    found = [Target(r.id, "advancement", r.title, r.requires) for r in advancement_rules().values()]
    found += [Target(BUNDLE_PREFIX + b.id, "bundle", b.title, b.requires)
              for b in catalog().bundles.values() if b.requires is not None]
    return found


def target(target_id: str) -> Target:
    """A target by id; an unknown one is a clear error naming the field."""
    target_id = (target_id or "").strip()
    if not target_id:
        raise DomainError("Give a target: bundle:<bundle id>, or an advancement target id", field="target")
    if target_id.startswith(BUNDLE_PREFIX):
        bundle = catalog().bundles.get(target_id.removeprefix(BUNDLE_PREFIX))
        if bundle is None:
            raise DomainError(f"There is no bundle called {target_id.removeprefix(BUNDLE_PREFIX)!r}", field="target")
        return Target(target_id, "bundle", bundle.title, bundle.requires)
    rule = advancement_rules().get(target_id)
    if rule is None:
        known = ", ".join(advancement_rules()) or "none are configured"
        raise DomainError(f"Unknown target {target_id!r}: use bundle:<bundle id> or one of {known}", field="target")
    return Target(rule.id, "advancement", rule.title, rule.requires)


@dataclass(frozen=True)
class Eligibility:
    user_id: int
    target: Target
    result: GateResult
    credentials: tuple[Credential, ...]
    checked_at: datetime

    @property
    def eligible(self) -> bool:
        return self.result.met

    def as_json(self) -> dict[str, Any]:
        requires = self.target.requires
        return {
            "person": {"id": self.user_id},
            "target": {"id": self.target.id, "kind": self.target.kind, "title": self.target.title},
            "eligible": self.eligible,
            "missing": list(self.result.missing),
            "requires": as_tree(requires, self.credentials, names()) if requires is not None else None,
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
        }


def _person(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no person with id {user_id}", field="user_id")
    return user


def eligibility(session: Session, user_id: int, target_id: str) -> Eligibility:
    """The answer for one person and one target."""
    wanted = target(target_id)
    _person(session, user_id)
    held = credentials_of(session, user_id)
    return Eligibility(user_id, wanted, check(wanted.requires, held, names()), held, utcnow())


def overview(session: Session, user_id: int) -> list[Eligibility]:
    """The answer for every target, asking plugins for the person's credentials once."""
    held, now = credentials_of(session, user_id), utcnow()
    return [Eligibility(user_id, t, check(t.requires, held, names()), held, now) for t in targets()]


def opened_by(session: Session, user_id: int, bundle: Bundle) -> list[Eligibility]:
    """What the person is now eligible for that asks for this bundle's certificate or a standard it records."""
    if bundle.certificate_template is None:
        return []
    counts = {HoldCertificate(bundle.id), *(MeetStandard(s) for s in bundle.standards)}
    return [answer for answer in overview(session, user_id)
            if answer.eligible and answer.target.id != BUNDLE_PREFIX + bundle.id and answer.target.requires is not None
            and any(leaf in counts for _, leaf in leaves(answer.target.requires))]


def profile_person(session: Session, actor: Principal, user_id: int) -> User:
    """Whose eligibility the actor may see: their own, or anyone in an organisation they administer.

    Anyone else is "not found", so the page does not reveal who has an account.
    """
    user = _person(session, user_id)
    if actor.id == user.id:
        return user
    allowed = actor.has_role(Role.ORG_ADMIN, user.organisation_id) if user.organisation_id else actor.is_platform_admin
    if not allowed:
        raise NotFound(f"There is no person with id {user_id}", field="user_id")
    return user
