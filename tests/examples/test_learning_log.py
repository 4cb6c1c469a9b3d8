"""docs/plugins.md's code plugin: the learning log's hooks and page, loaded as installed, and its own tests run
as its authors run them, on nothing but the fixtures lms publishes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import fixture_plugins
from tests.examples import EXAMPLES, discovered


@pytest.fixture
def plugins(monkeypatch):
    log = discovered("learning_log", monkeypatch)
    assert list(log.plugins) == ["learning-log"]
    return fixture_plugins("basic", log.hook_objects)


def test_its_header_link_and_page_are_there_for_a_signed_in_person(make_user, login_as):
    browser = login_as(make_user())
    page = browser.get("/learning-log")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Learning log</h1>" in html
    assert 'href="/learning-log"' in html.split("<main")[0]  # in the header


def test_its_own_tests_pass_on_the_published_fixtures_alone(tmp_path):
    """Copied out of this suite (no conftest of ours above it), with only the example on the import path."""
    shutil.copytree(EXAMPLES / "learning_log", tmp_path / "learning_log")
    folder = tmp_path / "learning_log"
    env = {**os.environ, "PYTHONPATH": str(folder)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=folder,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
