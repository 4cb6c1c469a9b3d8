"""Immutable, validated content: standards, modules with their activities, and bundles."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lms.errors import NotFound

if TYPE_CHECKING:
    from lms.learning.gates import Requirement


@dataclass(frozen=True)
class Standard:
    id: str
    title: str
    description: str
    framework_id: str
    framework_version: str


@dataclass(frozen=True)
class Activity:
    id: str
    kind: str
    title: str
    estimated_minutes: int
    source: str | None
    content: Any = field(compare=False, repr=False)  # what the kind parsed at load time


@dataclass(frozen=True)
class Module:
    id: str
    version: str
    title: str
    summary: str
    scope: str
    organisation: str | None
    standards: tuple[str, ...]
    activities: tuple[Activity, ...]
    path: Path
    iri: str | None = None
    recognisable: bool = True  # false: recognition of prior learning may not stand in for it

    @property
    def estimated_minutes(self) -> int:
        return sum(a.estimated_minutes for a in self.activities)

    def activity(self, activity_id: str) -> Activity:
        for activity in self.activities:
            if activity.id == activity_id:
                return activity
        raise NotFound(f"Module {self.id} has no activity {activity_id}")


@dataclass(frozen=True)
class ChoiceGroup:
    id: str
    title: str
    min: int
    modules: tuple[str, ...]


@dataclass(frozen=True)
class Bundle:
    id: str
    version: str
    title: str
    summary: str
    description: str
    audience: str
    category: str
    modules: tuple[str, ...]  # required, in order
    choice_groups: tuple[ChoiceGroup, ...]
    standards: tuple[str, ...]
    local_modules: bool
    auto_assign_new_joiners: bool
    auto_assign_due_days: int
    sequential: bool
    path: Path
    iri: str | None = None
    certificate_template: str | None = None  # None: completing the bundle issues no certificate
    validity_months: int | None = None  # None: the certificate never expires
    requires: Requirement | None = None  # a gate on enrolment and assignment (lms.learning.gates)
    approval: str = "none"  # "manager": a cohort booking waits for the line manager's approval
    audiences: tuple[str, ...] = ()  # who it is for, as the catalogue filters (manifest.AUDIENCE_GROUPS)

    @property
    def all_module_ids(self) -> tuple[str, ...]:
        return self.modules + tuple(m for g in self.choice_groups for m in g.modules)


@dataclass
class Catalog:
    standards: dict[str, Standard]
    modules: dict[str, Module]
    bundles: dict[str, Bundle]  # in display order
    frameworks: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (version, title)

    def bundle(self, bundle_id: str) -> Bundle:
        try:
            return self.bundles[bundle_id]
        except KeyError:
            raise NotFound(f"There is no bundle called {bundle_id!r}") from None

    def module(self, module_id: str) -> Module:
        try:
            return self.modules[module_id]
        except KeyError:
            raise NotFound(f"There is no module called {module_id!r}") from None

    def local_modules_for(self, organisation_code: str) -> list[Module]:
        """Local modules an organisation may add: its own, and local modules owned by no one."""
        return [
            m for m in self.modules.values() if m.scope == "local" and m.organisation in (None, organisation_code)
        ]
