"""Validate every manifest and build the catalogue from the content of the plugins that run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pluggy
from pydantic import BaseModel

from lms.catalog.registry import Activity, Bundle, Catalog, ChoiceGroup, Module, Standard
from lms.kinds.base import ActivityKind
from lms.errors import ContentError, Problem, display_path
from lms.learning.gate_checks import bundle_gate_problems
from lms.learning.gates import from_spec
from lms.plugins.compat import incompatibility
from lms.plugins.discovery import PluginSet
from lms.plugins.manifest import BundleSpec, FrameworkSpec, ModuleSpec, parse_toml

def _read(path: Path, schema: type[BaseModel], problems: list[Problem]) -> Any | None:
    spec, found = parse_toml(path, schema)
    problems.extend(found)
    return spec


def _check_compatible(requires: str | None, where: str, problems: list[Problem]) -> None:
    reason = incompatibility(requires)
    if reason is not None:
        problems.append(Problem(where, "requires_lms", reason))


def _load_standards(roots: list[Path], problems: list[Problem]) -> tuple[dict[str, Standard], dict]:
    standards: dict[str, Standard] = {}
    frameworks: dict[str, tuple[str, str]] = {}
    for root in roots:
        path = root / "standards.toml"
        if not path.exists():
            continue
        spec = _read(path, FrameworkSpec, problems)
        if spec is None:
            continue
        frameworks[spec.id] = (spec.version, spec.title)
        for s in spec.standards:
            if s.id in standards:
                problems.append(Problem(display_path(path), f"standards.{s.id}", "defined by another framework too"))
            standards[s.id] = Standard(s.id, s.title, s.description, spec.id, spec.version)
    return standards, frameworks


def _load_module(path: Path, kinds: dict[str, ActivityKind], standards: dict[str, Standard], problems: list[Problem]) -> Module | None:
    spec: ModuleSpec | None = _read(path, ModuleSpec, problems)
    if spec is None:
        return None
    where, folder, before = display_path(path), path.parent, len(problems)
    _check_compatible(spec.requires_lms, where, problems)
    if spec.id != folder.name:
        problems.append(Problem(where, "id", f"must match the folder name {folder.name!r}"))
    for i, sid in enumerate(spec.standards):
        if sid not in standards:
            problems.append(Problem(where, f"standards[{i}]", f"unknown standard {sid!r}"))
    activities = []
    for i, a in enumerate(spec.activities):
        kind = kinds.get(a.kind)
        if kind is None:
            known = ", ".join(sorted(kinds)) or "none"
            problems.append(Problem(where, f"activities[{i}].kind", f"unknown activity kind {a.kind!r} (known: {known})"))
            continue
        source = None
        if a.source is not None:
            source = (folder / a.source).resolve()
            if not source.is_relative_to(folder.resolve()) or not source.is_file():
                problems.append(Problem(where, f"activities[{i}].source", f"no file {a.source!r} in the module folder"))
                continue
        elif kind.needs_source:
            problems.append(Problem(where, f"activities[{i}].source", f"a {a.kind} activity needs a source file"))
            continue
        content, kind_problems = kind.load(source, folder)
        problems.extend(kind_problems)
        activities.append(Activity(a.id, a.kind, a.title, a.estimated_minutes, a.source, content))
    if len(problems) > before:
        return None
    return Module(
        id=spec.id, version=spec.version, title=spec.title, summary=spec.summary, scope=spec.scope,
        organisation=spec.organisation, standards=tuple(spec.standards), activities=tuple(activities),
        path=folder, iri=spec.iri, recognisable=spec.recognisable,
    )


def _load_bundle(bundle_id: str, folder: Path, modules: dict[str, Module], standards: dict[str, Standard],
                 problems: list[Problem]) -> Bundle | None:
    path = folder / "bundle.toml"
    where = display_path(path)
    if not path.exists():
        problems.append(Problem(where, "", "missing: every bundle package needs a bundle.toml"))
        return None
    spec: BundleSpec | None = _read(path, BundleSpec, problems)
    if spec is None:
        return None
    before = len(problems)
    _check_compatible(spec.requires_lms, where, problems)
    if spec.id != bundle_id:
        problems.append(Problem(where, "id", f"must match the plugin name {bundle_id!r}"))
    listed = [("modules", i, m) for i, m in enumerate(spec.modules)] + [
        (f"choice_groups[{g}].modules", i, m) for g, group in enumerate(spec.choice_groups) for i, m in enumerate(group.modules)
    ]
    for place, i, module_id in listed:
        module = modules.get(module_id)
        if module is None:
            problems.append(Problem(where, f"{place}[{i}]", f"unknown module {module_id!r}"))
        elif module.scope == "local":
            problems.append(Problem(where, f"{place}[{i}]", f"{module_id!r} is a local module; organisations add those themselves"))
    covered = {s for _, _, m in listed if m in modules for s in modules[m].standards}
    for i, sid in enumerate(spec.standards):
        if sid not in standards:
            problems.append(Problem(where, f"standards[{i}]", f"unknown standard {sid!r}"))
        elif sid not in covered:
            problems.append(Problem(where, f"standards[{i}]", f"claims {sid} but none of its modules covers it"))
    if len(problems) > before:
        return None
    return Bundle(
        id=spec.id, version=spec.version, title=spec.title, summary=spec.summary, description=spec.description,
        audience=spec.audience, audiences=tuple(spec.audiences), category=spec.category, modules=tuple(spec.modules),
        choice_groups=tuple(ChoiceGroup(g.id, g.title, g.min, tuple(g.modules)) for g in spec.choice_groups),
        standards=tuple(spec.standards), local_modules=spec.local_modules,
        auto_assign_new_joiners=spec.auto_assign.new_joiners, auto_assign_due_days=spec.auto_assign.due_days,
        sequential=spec.completion.sequential, path=folder, iri=spec.iri,
        certificate_template=spec.certificate.template if spec.certificate else None,
        validity_months=spec.certificate.validity_months if spec.certificate else None, approval=spec.approval,
        requires=from_spec(spec.requires) if spec.requires else None,
    )


def activity_kinds(manager: pluggy.PluginManager) -> tuple[dict[str, ActivityKind], list[Problem]]:
    """Every plugin's activity kinds by name, and a problem for each name given twice."""
    kinds: dict[str, ActivityKind] = {}
    problems: list[Problem] = []
    for kind in (k for batch in manager.hook.lms_activity_kinds() for k in batch):
        if kind.name in kinds:
            problems.append(Problem("plugins", "activity kinds", f"kind {kind.name!r} is provided twice"))
        kinds[kind.name] = kind
    return kinds, problems


CATEGORY_ORDER = {"induction": 0, "mid-career": 1, "management": 2}


def load_catalog(plugins: PluginSet, manager: pluggy.PluginManager) -> Catalog:
    """Load and cross-check all content; raise one ContentError listing every problem."""
    kinds, problems = activity_kinds(manager)
    standards, frameworks = _load_standards(plugins.module_roots, problems)
    modules: dict[str, Module] = {}
    for root in plugins.module_roots:
        for path in sorted(root.glob("*/module.toml")):
            module = _load_module(path, kinds, standards, problems)
            if module is None:
                continue
            if module.id in modules:
                problems.append(Problem(display_path(path), "id", f"module {module.id!r} is defined twice"))
            modules[module.id] = module
    bundles = [
        b for bundle_id, folder in plugins.bundle_dirs.items()
        if (b := _load_bundle(bundle_id, folder, modules, standards, problems)) is not None
    ]
    bundles.sort(key=lambda b: (CATEGORY_ORDER[b.category], b.title))
    catalog = Catalog(standards=standards, modules=modules, bundles={b.id: b for b in bundles}, frameworks=frameworks)
    problems.extend(bundle_gate_problems(catalog))  # needs every bundle: gates name other bundles
    for bundle in bundles:
        for batch in manager.hook.lms_validate_bundle(bundle=bundle, catalog=catalog):
            problems.extend(batch)
    if problems:
        raise ContentError(problems)
    return catalog
