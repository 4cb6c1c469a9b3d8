"""The examples of docs/plugins.md, each a distribution of its own, loaded as an installed one would be."""

from __future__ import annotations

import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from lms.plugins import discovery
from lms.plugins.discovery import PluginSet

EXAMPLES = Path(__file__).parent


def discovered(example: str, monkeypatch: pytest.MonkeyPatch) -> PluginSet:
    """What ``PluginSet.discover()`` finds with the example installed alone: its folder on the import path,
    and the entry points its pyproject.toml declares (nothing else)."""
    folder = EXAMPLES / example
    monkeypatch.syspath_prepend(str(folder))
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    declared = [EntryPoint(name, value, group)
                for group, points in project.get("entry-points", {}).items() for name, value in points.items()]
    monkeypatch.setattr(discovery, "entry_points", lambda group: [p for p in declared if p.group == group])
    return PluginSet.discover()
