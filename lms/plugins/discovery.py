"""Which plugins run: found through entry points (or paths, in tests), narrowed by the enable lists, and
registered on the hook caller only once each is checked against the hook contract and its lms versions."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping

import pluggy

from lms.errors import ContentError, PluginError, Problem
from lms.evidence import hooks as evidence_hooks
from lms.kinds import builtin as builtin_kinds
from lms.plugins import hookspecs
from lms.plugins.compat import incompatibility

BUNDLE_GROUP = "lms.bundles"
MODULE_GROUP = "lms.modules"
PLUGIN_GROUP = "lms.plugins"


ALL = "*"  # an enable list naming every installed bundle or plugin (the default)


@dataclass
class PluginSet:
    """Where content and hooks come from: installed entry points, or explicit paths in tests.

    ``plugins`` are code plugins by name (an ``lms.plugins`` entry point's name); ``bundle_hooks`` a bundle's
    optional ``hooks.py`` by bundle id, enabled and disabled with its bundle.
    """

    bundle_dirs: dict[str, Path] = field(default_factory=dict)
    module_roots: list[Path] = field(default_factory=list)
    plugins: dict[str, Any] = field(default_factory=dict)
    bundle_hooks: dict[str, Any] = field(default_factory=dict)

    @property
    def hook_objects(self) -> list[Any]:
        return [*self.plugins.values(), *self.bundle_hooks.values()]

    @classmethod
    def discover(cls) -> PluginSet:
        found = cls()
        for ep in entry_points(group=BUNDLE_GROUP):
            found.bundle_dirs[ep.name] = _package_dir(ep.value)
            if importlib.util.find_spec(f"{ep.value}.hooks") is not None:
                found.bundle_hooks[ep.name] = importlib.import_module(f"{ep.value}.hooks")
        for ep in entry_points(group=MODULE_GROUP):
            found.module_roots.append(_package_dir(ep.value))
        for ep in entry_points(group=PLUGIN_GROUP):
            found.plugins[ep.name] = ep.load()
        return found

    @classmethod
    def from_paths(cls, bundles_root: Path | None, module_roots: list[Path], hook_objects: list[Any] = ()) -> PluginSet:
        """Every folder under bundles_root holding a bundle.toml is a bundle named after the folder.

        A folder's ``hooks.py`` is its bundle's hooks; each of ``hook_objects`` is a code plugin named
        after its module (or class).
        """
        found = cls(module_roots=list(module_roots))
        if bundles_root is not None:
            for path in sorted(bundles_root.glob("*/bundle.toml")):
                found.bundle_dirs[path.parent.name] = path.parent
                if (path.parent / "hooks.py").is_file():
                    found.bundle_hooks[path.parent.name] = _module_from_file(path.parent / "hooks.py")
        for number, obj in enumerate(hook_objects, start=1):
            name = plugin_name(obj)
            found.plugins[name if name not in found.plugins else f"{name}#{number}"] = obj  # two of one class
        return found

    def enabled(self, bundles: list[str], plugins: list[str]) -> PluginSet:
        """Only the bundles and code plugins named (``["*"]``: all); a name not installed is refused."""
        problems = [
            Problem(setting, name, f"is not installed (installed: {', '.join(sorted(have)) or 'none'})")
            for setting, names, have in (("ENABLED_BUNDLES", bundles, self.bundle_dirs),
                                         ("ENABLED_PLUGINS", plugins, self.plugins))
            for name in names if name != ALL and name not in have
        ]
        if problems:
            raise PluginError(problems)
        keep_bundles = set(self.bundle_dirs) if ALL in bundles else set(bundles)
        keep_plugins = set(self.plugins) if ALL in plugins else set(plugins)
        return PluginSet(
            bundle_dirs={k: v for k, v in self.bundle_dirs.items() if k in keep_bundles},
            module_roots=list(self.module_roots),
            plugins={k: v for k, v in self.plugins.items() if k in keep_plugins},
            bundle_hooks={k: v for k, v in self.bundle_hooks.items() if k in keep_bundles},
        )


def plugin_name(obj: Any) -> str:
    """A code plugin's name when it was not given one by an entry point: its module's (or its class's)."""
    return getattr(obj, "__name__", None) or f"{type(obj).__module__}.{type(obj).__qualname__}"


def _module_from_file(path: Path) -> ModuleType:
    """A bundle folder's hooks.py, loaded under a name of its own (the folder need not be a package)."""
    name = f"lms_bundle_hooks.{path.parent.name}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _package_dir(dotted: str) -> Path:
    spec = importlib.util.find_spec(dotted)
    if spec is None or not spec.submodule_search_locations:
        raise ContentError([Problem(dotted, "", "entry point names a package that cannot be found")])
    return Path(next(iter(spec.submodule_search_locations)))


def make_plugin_manager(plugins: PluginSet) -> pluggy.PluginManager:
    """The hook caller: the core's own kinds first, then every plugin, each checked against the contract.

    Refuses (``PluginError``, every problem at once) a plugin made for another lms version (its module's
    ``requires_lms``), a hook whose arguments the spec does not give, and a hook name no spec has: a
    misspelled hook would otherwise never be called, silently.
    """
    manager = pluggy.PluginManager("lms")
    manager.add_hookspecs(hookspecs)
    manager.register(builtin_kinds, name="lms.kinds")  # the built-in activity kinds: an internal plugin
    manager.register(evidence_hooks, name="lms.evidence")  # so is assessed evidence
    problems: list[Problem] = []
    named = [*plugins.plugins.items(), *((f"bundle {k}", v) for k, v in plugins.bundle_hooks.items())]
    for name, obj in named:
        if manager.is_registered(obj):
            continue
        reason = incompatibility(getattr(obj, "requires_lms", None))
        if reason is not None:
            problems.append(Problem(f"plugin {name}", "requires_lms", reason))
            continue
        try:
            manager.register(obj, name=name)
        except pluggy.PluginValidationError as exc:
            problems.append(Problem(f"plugin {name}", "", str(exc).replace("\n", "; ")))
    problems.extend(_unknown_hooks(manager))
    if problems:
        raise PluginError(problems)
    manager.check_pending()  # pluggy's own check, which the one above words for people
    return manager


def _unknown_hooks(manager: pluggy.PluginManager) -> list[Problem]:
    known = [name for name, caller in vars(manager.hook).items() if not name.startswith("_") and caller.has_spec()]
    problems = []
    for name, caller in vars(manager.hook).items():
        if name.startswith("_") or caller.has_spec():
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else f" (hooks: {', '.join(sorted(known))})"
        problems.extend(
            Problem(f"plugin {impl.plugin_name}", name, f"no hook of that name in lms/plugins/hookspecs.py{hint}")
            for impl in caller.get_hookimpls() if not impl.optionalhook
        )
    return problems

def enabled_plugins(plugins: PluginSet, config: Mapping[str, Any]) -> PluginSet:
    """The plugin set narrowed to the settings' ENABLED_BUNDLES and ENABLED_PLUGINS."""
    return plugins.enabled(list(config.get("ENABLED_BUNDLES", [ALL])), list(config.get("ENABLED_PLUGINS", [ALL])))
