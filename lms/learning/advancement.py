"""Advancement rules from configuration: which certificates a pay band or role requires, checked at start-up."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from pydantic import TypeAdapter, ValidationError

from lms.catalog.registry import Catalog
from lms.errors import Problem
from lms.learning.gate_checks import reference_problems
from lms.learning.gates import Requirement, from_spec
from lms.plugins.manifest import Identifier, RequirementSpec, Strict, Text, validation_problems

SETTING = "ADVANCEMENT_RULES"


class AdvancementRuleSpec(Strict):
    """One entry of ADVANCEMENT_RULES: a band or role and what it requires."""

    title: Text
    requires: RequirementSpec


RULES = TypeAdapter(dict[Identifier, AdvancementRuleSpec])


@dataclass(frozen=True)
class AdvancementRule:
    id: str  # e.g. "band-8a", "role-registered-manager"
    title: str
    requires: Requirement


class SettingsError(RuntimeError):
    """A setting that cannot be used; the app refuses to start and says exactly what is wrong."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"refusing to start: {len(problems)} problem(s) in the settings:\n{lines}")


def parse_rules(raw: Any, catalog: Catalog) -> tuple[dict[str, AdvancementRule], list[Problem]]:
    """Validate the setting's shape, then that every certificate and standard it names is in the content."""
    if isinstance(raw, str):  # from the LMS_ADVANCEMENT_RULES environment variable
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            return {}, [Problem(SETTING, "", f"not valid JSON: {exc}")]
    if not isinstance(raw, dict):
        return {}, [Problem(SETTING, "", "must be a table of target ids, e.g. [advancement_rules.band-8a]")]
    try:
        specs = RULES.validate_python(raw)
    except ValidationError as exc:
        return {}, validation_problems(SETTING, exc)
    rules = {target: AdvancementRule(target, spec.title, from_spec(spec.requires)) for target, spec in specs.items()}
    problems = [p for rule in rules.values() for p in reference_problems(rule.requires, catalog, SETTING,
                                                                         f"{rule.id}.requires")]
    return rules, problems


def configure_advancement(app: Flask) -> None:
    """Load the rules once; bad rules stop the app starting with every problem listed."""
    rules, problems = parse_rules(app.config.get(SETTING, {}), app.extensions["lms.catalog"])
    if problems:
        raise SettingsError(problems)
    app.extensions["lms.advancement"] = rules


def advancement_rules() -> dict[str, AdvancementRule]:
    """The running app's rules, in the order the settings list them."""
    return current_app.extensions["lms.advancement"]
