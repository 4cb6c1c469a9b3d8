"""Discover content and code plugins, validate every manifest, and build the catalogue."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy
from pydantic import BaseModel

from lms.catalog.registry import Activity, Bundle, Catalog, ChoiceGroup, Module, Standard
from lms.errors import ContentError, Problem, display_path
from lms.kinds import builtin as builtin_kinds
from lms.learning.gate_checks import bundle_gate_problems
from lms.learning.gates import from_spec
from lms.plugins import hookspecs
from lms.plugins.manifest import BundleSpec, FrameworkSpec, ModuleSpec, parse_toml

BUNDLE_GROUP = "lms.bundles"
MODULE_GROUP = "lms.modules"
PLUGIN_GROUP = "lms.plugins"


@dataclass
class PluginSet:
    """Where content and hooks come from: installed entry points, or explicit paths in tests."""

    bundle_dirs: dict[str, Path] = field(default_factory=dict)
    module_roots: list[Path] = field(default_factory=list)
    hook_objects: list[Any] = field(default_factory=list)

    @classmethod
    def discover(cls) -> PluginSet:
        found = cls()
        for ep in entry_points(group=BUNDLE_GROUP):
            found.bundle_dirs[ep.name] = _package_dir(ep.value)
            if importlib.util.find_spec(f"{ep.value}.hooks") is not None:
                found.hook_objects.append(importlib.import_module(f"{ep.value}.hooks"))
        for ep in entry_points(group=MODULE_GROUP):
            found.module_roots.append(_package_dir(ep.value))
        for ep in entry_points(group=PLUGIN_GROUP):
            found.hook_objects.append(ep.load())
        return found

    @classmethod
    def from_paths(cls, bundles_root: Path | None, module_roots: list[Path], hook_objects: list[Any] = ()) -> PluginSet:
        """Every folder under bundles_root holding a bundle.toml is a bundle named after the folder."""
        bundle_dirs = {}
        if bundles_root is not None:
            bundle_dirs = {p.parent.name: p.parent for p in sorted(bundles_root.glob("*/bundle.toml"))}
        return cls(bundle_dirs=bundle_dirs, module_roots=list(module_roots), hook_objects=list(hook_objects))


def _package_dir(dotted: str) -> Path:
    spec = importlib.util.find_spec(dotted)
    if spec is None or not spec.submodule_search_locations:
        raise ContentError([Problem(dotted, "", "entry point names a package that cannot be found")])
    return Path(next(iter(spec.submodule_search_locations)))


def make_plugin_manager(plugins: PluginSet) -> pluggy.PluginManager:
    """The hook caller: the core's own kinds first, then every discovered plugin."""
    manager = pluggy.PluginManager("lms")
    manager.add_hookspecs(hookspecs)
    manager.register(builtin_kinds, name="lms.kinds")  # the built-in activity kinds: an internal plugin
    for obj in plugins.hook_objects:
        if manager.is_registered(obj):
            continue
        manager.register(obj)
    return manager


def _read(path: Path, schema: type[BaseModel], problems: list[Problem]) -> Any | None:
    spec, found = parse_toml(path, schema)
    problems.extend(found)
    return spec


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


def _load_module(path: Path, kinds: dict[str, Any], standards: dict[str, Standard], problems: list[Problem]) -> Module | None:
    spec: ModuleSpec | None = _read(path, ModuleSpec, problems)
    if spec is None:
        return None
    where, folder, before = display_path(path), path.parent, len(problems)
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
        path=folder, iri=spec.iri,
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
        audience=spec.audience, category=spec.category, modules=tuple(spec.modules),
        choice_groups=tuple(ChoiceGroup(g.id, g.title, g.min, tuple(g.modules)) for g in spec.choice_groups),
        standards=tuple(spec.standards), local_modules=spec.local_modules,
        auto_assign_new_joiners=spec.auto_assign.new_joiners, auto_assign_due_days=spec.auto_assign.due_days,
        sequential=spec.completion.sequential, path=folder, iri=spec.iri,
        certificate_template=spec.certificate.template if spec.certificate else None,
        validity_months=spec.certificate.validity_months if spec.certificate else None,
        requires=from_spec(spec.requires) if spec.requires else None,
    )


CATEGORY_ORDER = {"induction": 0, "mid-career": 1, "management": 2}


def load_catalog(plugins: PluginSet, manager: pluggy.PluginManager) -> Catalog:
    """Load and cross-check all content; raise one ContentError listing every problem."""
    problems: list[Problem] = []
    kinds: dict[str, Any] = {}
    for kind in (k for batch in manager.hook.lms_activity_kinds() for k in batch):
        if kind.name in kinds:
            problems.append(Problem("plugins", "activity kinds", f"kind {kind.name!r} is provided twice"))
        kinds[kind.name] = kind
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
