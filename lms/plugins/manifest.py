"""Validated schemas of the content manifests: standards.toml, module.toml and bundle.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from lms.errors import Problem, display_path
from lms.plugins.compat import parse_requirement

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,63}$")]
StandardId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,31}$")]
Version = Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _absolute_iri(value: str) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep or not scheme.isascii() or not scheme[:1].isalpha() or not rest or any(c.isspace() for c in value):
        raise ValueError("must be an absolute IRI such as https://example.org/activities/x")
    return value


Iri = Annotated[str, AfterValidator(_absolute_iri)]


def _version_range(value: str) -> str:
    parse_requirement(value)
    return value


# The lms versions a bundle or module works with, e.g. ">=0.1,<1" (PEP 440); checked against the installed lms.
LmsRange = Annotated[str, AfterValidator(_version_range)]


def _unique(values: list[str], what: str) -> list[str]:
    seen: set[str] = set()
    repeated = sorted({v for v in values if v in seen or seen.add(v)})
    if repeated:
        raise ValueError(f"{what} listed more than once: {', '.join(repeated)}")
    return values


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StandardSpec(Strict):
    id: StandardId
    title: Text
    description: Text


class FrameworkSpec(Strict):
    """standards.toml: a versioned framework of leadership and management standards."""

    id: Identifier
    version: Version
    title: Text
    standards: list[StandardSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> FrameworkSpec:
        _unique([s.id for s in self.standards], "standard")
        return self


class ActivitySpec(Strict):
    id: Identifier
    kind: Identifier
    title: Text
    source: str | None = Field(default=None, description="content file inside the module folder")
    estimated_minutes: int = Field(default=10, ge=1, le=600)


class ModuleSpec(Strict):
    """module.toml: one module and its ordered activities."""

    id: Identifier
    version: Version
    title: Text
    summary: Text
    iri: Iri | None = None
    requires_lms: LmsRange | None = Field(default=None, description="lms versions it works with, e.g. >=0.1,<1")
    scope: Literal["national", "local"] = "national"
    organisation: str | None = Field(default=None, description="local modules: the owning organisation's code")
    standards: list[StandardId] = Field(default_factory=list)
    recognisable: bool = Field(default=True, description="false: prior learning can never stand in for it")
    activities: list[ActivitySpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> ModuleSpec:
        _unique([a.id for a in self.activities], "activity")
        _unique(self.standards, "standard")
        if self.organisation and self.scope != "local":
            raise ValueError("organisation is only allowed on local modules (scope = \"local\")")
        return self


class ChoiceGroupSpec(Strict):
    id: Identifier
    title: Text
    min: int = Field(ge=1, description="how many of the modules must be completed")
    modules: list[Identifier] = Field(min_length=2)

    @model_validator(mode="after")
    def _reachable(self) -> ChoiceGroupSpec:
        _unique(self.modules, "module")
        if self.min > len(self.modules):
            raise ValueError(f"min is {self.min} but the group has only {len(self.modules)} modules")
        return self


class AutoAssignSpec(Strict):
    new_joiners: bool = False
    due_days: int = Field(default=84, ge=1, le=730)


class CompletionSpec(Strict):
    rule: Literal["modules"] = Field(
        default="modules",
        description="required modules and every choice group done, and every claimed standard covered",
    )
    sequential: bool = Field(default=False, description="modules open one after another in order")


class CertificateSpec(Strict):
    template: Identifier = Field(default="standard", description="certificate template folder")
    validity_months: int | None = Field(default=None, ge=1, le=240, description="empty: never expires")


class RequirementSpec(Strict):
    """A gate: exactly one of a valid certificate, a standard met, all of several or any of several."""

    certificate: Identifier | None = Field(default=None, description="a valid certificate of this bundle id")
    standard: StandardId | None = Field(default=None, description="recorded on one of the person's valid certificates")
    all: list[RequirementSpec] | None = Field(default=None, min_length=1, description="every one of these")
    any: list[RequirementSpec] | None = Field(default=None, min_length=1, description="at least one of these")

    @model_validator(mode="after")
    def _exactly_one(self) -> RequirementSpec:
        given = [name for name in ("certificate", "standard", "all", "any") if getattr(self, name) is not None]
        if len(given) != 1:
            found = f" (found {' and '.join(given)})" if given else ""
            raise ValueError(f"give exactly one of certificate, standard, all or any{found}")
        return self


# Who a bundle is for, as the catalogue's audience filter names them (bundle.toml's ``audiences``).
AUDIENCE_GROUPS = {
    "new-joiners": "New joiners",
    "new-managers": "New and aspiring managers",
    "middle-managers": "Middle managers",
    "senior-managers": "Senior managers",
}
AudienceGroup = Literal[tuple(AUDIENCE_GROUPS)]  # type: ignore[valid-type]  # one list: the mapping's keys


class BundleSpec(Strict):
    """bundle.toml: a bundle of modules that can be completed (and, later, certified)."""

    id: Identifier
    version: Version
    title: Text
    summary: Text
    description: Text
    audience: Text
    audiences: list[AudienceGroup] = Field(
        default_factory=list, description="who it is for, in the catalogue's filter (AUDIENCE_GROUPS)")
    category: Literal["induction", "mid-career", "management"]
    iri: Iri | None = None
    requires_lms: LmsRange | None = Field(default=None, description="lms versions it works with, e.g. >=0.1,<1")
    modules: list[Identifier] = Field(min_length=1, description="required modules, in order")
    choice_groups: list[ChoiceGroupSpec] = Field(default_factory=list)
    standards: list[StandardId] = Field(default_factory=list)
    local_modules: bool = Field(default=False, description="organisations may add local modules")
    auto_assign: AutoAssignSpec = Field(default_factory=AutoAssignSpec)
    completion: CompletionSpec = Field(default_factory=CompletionSpec)
    certificate: CertificateSpec | None = Field(default=None, description="completing issues a certificate")
    requires: RequirementSpec | None = Field(default=None, description="who may enrol or be assigned (a gate)")
    approval: Literal["none", "manager"] = Field(
        default="none", description="manager: a cohort booking waits for the line manager's (or org admin's) approval")

    @model_validator(mode="after")
    def _distinct(self) -> BundleSpec:
        _unique(self.modules + [m for g in self.choice_groups for m in g.modules], "module")
        _unique([g.id for g in self.choice_groups], "choice group")
        _unique(self.standards, "standard")
        _unique(list(self.audiences), "audience")
        return self


Schema = TypeVar("Schema", bound=BaseModel)


def _format_loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse_toml(path: Path, schema: type[Schema]) -> tuple[Schema | None, list[Problem]]:
    """Read and validate a TOML file; every problem is located by file and field path."""
    where = display_path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return None, [Problem(where, "", f"not valid TOML: {exc}")]
    try:
        return schema.model_validate(data), []
    except ValidationError as exc:
        return None, validation_problems(where, exc)


def validation_problems(where: str, exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """Every error of a pydantic validation as a Problem located by field path (also used for settings)."""
    problems = []
    for err in exc.errors():
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        problems.append(Problem(where, _format_loc(prefix + tuple(err["loc"])), message))
    return problems
