"""docs/plugins.md's region bundle: its own distribution with a bundle and a module, loaded through its entry
points, enabled or not per instance, and installed by pip as any distribution is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lms.app import create_app
from lms.learning import services
from lms.plugins.discovery import PluginSet
from lms.testing import finish_module
from tests.examples import EXAMPLES, discovered

BUNDLE, MODULE = "north-east-induction", "ne-working-in-the-north-east"


@pytest.fixture
def plugins(monkeypatch):
    return discovered("region_bundle", monkeypatch)


def test_its_entry_points_give_the_bundle_and_its_module(plugins):
    assert list(plugins.bundle_dirs) == [BUNDLE]
    assert [root.name for root in plugins.module_roots] == ["north_east_modules"]


def test_a_learner_enrols_and_completes_it(app, session, make_user, principal_of, client, login_as):
    assert "Working in the North East" in client.get(f"/catalogue/{BUNDLE}").get_data(as_text=True)
    user = make_user()
    me = principal_of(user)
    services.enrol(session, me, user.id, BUNDLE)
    result = finish_module(session, me, BUNDLE, MODULE)
    assert [e.bundle_id for e in result.completed_enrolments] == [BUNDLE]


def test_an_instance_that_does_not_enable_it_does_not_offer_it(test_config, plugins):
    app = create_app({**test_config, "ENABLED_BUNDLES": []}, plugins=plugins)
    try:
        assert BUNDLE not in app.extensions["lms.catalog"].bundles
        assert MODULE in app.extensions["lms.catalog"].modules  # content stays loaded: another bundle may use it
    finally:
        app.extensions["lms.engine"].dispose()


def test_pip_installs_it_and_the_app_finds_it_by_its_entry_points(tmp_path, monkeypatch, test_config):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(EXAMPLES / "region_bundle")], check=True, capture_output=True, timeout=300)
    monkeypatch.syspath_prepend(str(target))  # where importlib.metadata finds its entry points
    for package in ("north_east_induction", "north_east_modules"):  # as imported from the source folder before
        monkeypatch.delitem(sys.modules, package, raising=False)
    found = PluginSet.discover()
    assert Path(found.bundle_dirs[BUNDLE]).is_relative_to(target)
    app = create_app({**test_config, "ENABLED_BUNDLES": [BUNDLE], "ENABLED_PLUGINS": []}, plugins=found)
    try:
        assert list(app.extensions["lms.catalog"].bundles) == [BUNDLE]
    finally:
        app.extensions["lms.engine"].dispose()
