"""The speed devices: only lms.speedups touches a library's private names, each device declares itself, the
SPEEDUPS setting turns each off, and the app works with each off."""

from __future__ import annotations

import ast
import logging
import re
import sys
from importlib import import_module
from pathlib import Path

import pytest

from lms import speedups
from lms.app import create_app
from lms.learning import services
from tests.learning.conftest import main_html

ROOT = Path(__file__).resolve().parent.parent
# The project's own code: the core and the plugins and content packages shipped with it.
OWN_PACKAGES = ("lms", "certificates", "bundles", "modules")
# Where a private name is refused: the code, and the tests and benchmarks that drive it.
SCANNED = (*OWN_PACKAGES, "tests", "bench")
SEAM = ROOT / "lms" / "speedups"
# Werkzeug's LocalProxy documents this one (the object behind a proxy such as ``g`` or ``request``).
PUBLIC_UNDERSCORED = {"_get_current_object"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) \
        and name not in PUBLIC_UNDERSCORED


def _private_module(dotted: str) -> bool:
    """A module path with a private part (``flask_login._compat``) or a library's ``internal`` package."""
    return any(_private(part) or part == "internal" for part in dotted.split("."))


def _third_party(module: str | None) -> bool:
    top = (module or "").split(".")[0]
    return bool(top) and top not in OWN_PACKAGES and top not in sys.stdlib_module_names and top != "tests"


def private_uses(source: str) -> list[str]:
    """Where code imports or touches a private name of a third-party library.

    Names bound by an import from a library, and module-level names made by calling one (``csrf =
    CSRFProtect()``), count as the library's; so do methods defined in a class built on one of them.
    """
    tree = ast.parse(source)
    library_names: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _third_party(alias.name):
                    library_names.add((alias.asname or alias.name).split(".")[0])
                    if _private_module(alias.name):
                        found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _third_party(node.module):
            if _private_module(node.module):
                found.append(f"line {node.lineno}: from {node.module} import ...")
            for alias in node.names:
                library_names.add(alias.asname or alias.name)
                if _private(alias.name):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
    for node in tree.body:  # module-level objects a library's class or function made
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, (ast.Name, ast.Attribute)):
            called = node.value.func
            root = called.id if isinstance(called, ast.Name) else ast.unparse(called).split(".")[0]
            if root in library_names:
                library_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in library_names:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.ClassDef):
            roots = {ast.unparse(b).split(".")[0] for b in node.bases}
            if roots & library_names:
                found += [f"line {item.lineno}: {node.name}.{item.name} overrides a library's private method"
                          for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                          and _private(item.name)]
    return found


def test_the_check_finds_each_way_of_reaching_a_private_name():
    source = """
from flask.globals import _cv_request
import flask_login._private
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from flask_login import LoginManager, utils
from weasyprint import HTML
import werkzeug.routing as routing
manager = LoginManager()
manager._session_identifier_generator = None
utils._create_identifier()
routing.Rule._converters

class Page(HTML):
    def _ua_stylesheets(self):
        return []

class Own:
    def _helper(self):
        return self._state, HTML.__name__
"""
    assert len(private_uses(source)) == 7
    assert private_uses("from flask import g\ng._get_current_object()\nimport os\nos._exit") == []


def test_nothing_outside_the_seam_touches_a_library_s_private_names():
    found = {}
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            if SEAM in path.parents or ".venv" in path.parts:
                continue
            uses = private_uses(path.read_text())
            if uses:
                found[str(path.relative_to(ROOT))] = uses
    assert found == {}, "move these into lms/speedups (a module per library) or use the library's public API"


@pytest.mark.parametrize("name", speedups.DEVICES)
def test_each_device_declares_what_it_buys_what_it_touches_and_the_versions_checked(name):
    doc = import_module(f"lms.speedups.{name}").__doc__
    assert "What it buys (bench/" in doc and "Private names touched:" in doc
    checked = re.search(r"Checked on: (.+)", doc).group(1)
    for distribution, version in speedups.CHECKED[name].items():
        assert re.search(rf"{re.escape(distribution)} {re.escape(version)}\b", checked, re.IGNORECASE), distribution


@pytest.mark.parametrize(("setting", "on"), [
    ("on", set(speedups.DEVICES)), ("off", set()), ("OFF", set()), (True, set(speedups.DEVICES)), (False, set()),
    ("flask, sqlalchemy", set(speedups.DEVICES) - {"flask", "sqlalchemy"}),
])
def test_the_setting_turns_all_or_some_devices_off(setting, on):
    assert speedups.devices_on(setting) == on


def test_an_unknown_device_refuses_the_start_naming_the_devices(test_config):
    with pytest.raises(ValueError, match="no device named flsk; the devices are flask, "):
        create_app({**test_config, "SPEEDUPS": "flsk"})


def test_start_up_warns_of_a_library_version_a_device_was_not_checked_on(test_config, monkeypatch, caplog):
    monkeypatch.setitem(speedups.CHECKED, "flask", {"flask": "0.0.1"})
    speedups._drift.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="lms.speedups"):
            create_app({**test_config, "SPEEDUPS": "on"}).extensions["lms.engine"].dispose()
        assert any("checked on flask 0.0.1" in record.getMessage() for record in caplog.records)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="lms.speedups"):
            create_app({**test_config, "SPEEDUPS": "flask"}).extensions["lms.engine"].dispose()
        assert not any("flask 0.0.1" in record.getMessage() for record in caplog.records)  # a device off: no warning
    finally:
        speedups._drift.cache_clear()


def test_the_libraries_installed_are_those_the_devices_were_checked_on():
    assert speedups.version_drift(frozenset(speedups.DEVICES)) == []


class TestWithADeviceOff:
    """The app with one device off (its library's stock behaviour), or all of them."""

    @pytest.fixture(params=[*speedups.DEVICES, "off"])
    def test_config(self, test_config, request):  # noqa: ANN001
        return {**test_config, "SPEEDUPS": request.param, "WTF_CSRF_ENABLED": True}

    def test_the_app_works_with_each_device_off(self, app, session, make_user, login_as):
        off = app.config["SPEEDUPS"]
        assert off not in app.extensions["lms.speedups"] and (off != "off" or not app.extensions["lms.speedups"])
        assert (type(app).__name__ == "FastApp") == ("flask" in app.extensions["lms.speedups"])
        user = make_user()
        services.assign_new_joiner(session, user, None)
        client = login_as(user)
        page = client.get("/")
        assert "0 of 2 modules done" in main_html(page)
        assert "page 1 of" in main_html(client.get("/learning/starter/alpha/lesson"))
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.get_data(as_text=True)).group(1)
        assert client.post("/sign-out").status_code == 400  # no token: refused
        response = client.post("/sign-out", data={"csrf_token": token})
        assert response.status_code == 302 and client.get("/").status_code == 302  # signed out
