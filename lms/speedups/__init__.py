"""The speed devices that reach into a library's private API: one module per library, each switchable.

Each module's docstring says what it buys (the benchmark and figure), the private names it touches and the
library versions it was checked on (``CHECKED`` below, which a test keeps in step with the docstrings). The
``SPEEDUPS`` setting turns them all off ("off") or some ("flask,sqlalchemy"): the libraries' stock behaviour
then runs, so a bug can be put down to a device or to the code. Start-up warns when an installed library's
version differs from the one a device that is on was checked on.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from importlib import import_module, metadata
from types import ModuleType

from flask import Flask, current_app, has_app_context

# Device (module) name -> {distribution: version it was checked on}.
CHECKED: dict[str, dict[str, str]] = {
    "flask": {"flask": "3.1.3"},
    "flask_login": {"flask-login": "0.6.3"},
    "flask_wtf": {"flask-wtf": "1.3.0"},
    "sqlalchemy": {"sqlalchemy": "2.1.9"},
    "weasyprint": {"weasyprint": "70.0"},
    "pyhanko": {"pyhanko": "0.38.0", "pyhanko-certvalidator": "0.33.0"},
}
DEVICES = tuple(CHECKED)
EXTENSION = "lms.speedups"  # app.extensions key: the frozenset of devices that are on
log = logging.getLogger(__name__)


def devices_on(setting: object) -> frozenset[str]:
    """The devices a SPEEDUPS value leaves on: "on" (all), "off" (none), or the names of those to turn off."""
    text = str(setting).strip().lower()
    if text in {"on", "true", "1", ""}:
        return frozenset(DEVICES)
    if text in {"off", "false", "0", "none"}:
        return frozenset()
    off = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(off - set(DEVICES))
    if unknown:
        raise ValueError(f"SPEEDUPS: no device named {', '.join(unknown)}; the devices are {', '.join(DEVICES)} "
                         "(or give on or off)")
    return frozenset(DEVICES) - off


def init_app(app: Flask) -> None:
    """Record which devices are on for this app, and warn about library versions they were not checked on."""
    on = app.extensions[EXTENSION] = devices_on(app.config["SPEEDUPS"])
    for problem in version_drift(on):
        log.warning("%s", problem)


def version_drift(on: frozenset[str]) -> list[str]:
    return [problem for name in sorted(on) for problem in _drift(name)]


@lru_cache(maxsize=None)
def _drift(device: str) -> tuple[str, ...]:
    """Each library of the device whose installed version is not the checked one (once per process)."""
    problems = []
    for distribution, checked in CHECKED[device].items():
        try:
            installed = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue  # not installed: its plugin is not either, and the device never runs
        if installed != checked:
            problems.append(f"speed device lms.speedups.{device} was checked on {distribution} {checked}, but "
                            f"{installed} is installed: check it still holds, or set SPEEDUPS to turn it off")
    return tuple(problems)


def is_on(app: Flask, device: str) -> bool:
    return device in app.extensions[EXTENSION]


def device(name: str) -> ModuleType | None:
    """The device module if it is on in the current app, else None (the caller then uses the library as it is).

    Outside an app (a worker process of a batch), LMS_SPEEDUPS decides. Imported only when asked for: a device
    may import a library that is heavy to load.
    """
    on = current_app.extensions[EXTENSION] if has_app_context() else devices_on(os.environ.get("LMS_SPEEDUPS", "on"))
    return import_module(f"{__name__}.{name}") if name in on else None
