"""What the app refuses from plugins at start-up, and the enable lists that choose which installed ones run."""

from __future__ import annotations

import shutil

import pytest

from lms.app import create_app
from lms.errors import ContentError, PluginError
from lms.plugins.compat import incompatibility, lms_version
from lms.plugins.hookspecs import hookimpl
from lms.plugins.discovery import PluginSet
from tests.conftest import FIXTURES, fixture_plugins


class Misspelled:
    """A plugin whose blueprint hook is one letter short: it would never be called."""

    @hookimpl
    def lms_blueprint(self) -> list:
        return []


class WrongArguments:
    @hookimpl
    def lms_credentials(self, session, person_id):  # noqa: ANN001, ANN201  (the spec gives user_id)
        return []


class FromTheFuture:
    requires_lms = ">=999"

    @hookimpl
    def lms_blueprints(self) -> list:
        return []


def test_a_misspelled_hook_is_refused_naming_the_plugin_and_the_hook_it_meant(test_config):
    with pytest.raises(PluginError) as caught:
        create_app(test_config, plugins=fixture_plugins("basic", hook_objects=[Misspelled()]))
    [problem] = caught.value.problems
    assert problem.file == "plugin tests.plugins.test_contract.Misspelled"
    assert problem.field == "lms_blueprint"
    assert "did you mean lms_blueprints?" in problem.message
    assert "1 problem(s) in the plugins" in str(caught.value)


def test_a_hook_taking_arguments_the_spec_does_not_give_is_refused(test_config):
    with pytest.raises(PluginError) as caught:
        create_app(test_config, plugins=fixture_plugins("basic", hook_objects=[WrongArguments()]))
    [problem] = caught.value.problems
    assert "lms_credentials" in problem.message and "person_id" in problem.message


def test_a_plugin_for_another_lms_version_is_refused(test_config):
    with pytest.raises(PluginError) as caught:
        create_app(test_config, plugins=fixture_plugins("basic", hook_objects=[FromTheFuture()]))
    [problem] = caught.value.problems
    assert problem.field == "requires_lms"
    assert problem.message == f"needs lms >=999 but this is lms {lms_version()}"


def test_a_plugin_for_this_version_starts():
    assert incompatibility(f"=={lms_version()}") is None
    assert incompatibility(None) is None
    assert "not a version range" in incompatibility("about 1")


@pytest.fixture
def content(tmp_path):
    """A copy of the basic content to edit."""
    shutil.copytree(FIXTURES / "basic", tmp_path / "basic")
    return tmp_path / "basic"


@pytest.mark.parametrize("manifest", ["bundles/starter/bundle.toml", "modules/alpha/module.toml"])
def test_a_manifest_for_another_lms_version_is_refused(test_config, content, manifest):
    path = content / manifest
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:2], 'requires_lms = ">=0.0.1,<0.0.2"', *lines[2:]]) + "\n")
    with pytest.raises(ContentError) as caught:
        create_app(test_config, plugins=PluginSet.from_paths(content / "bundles", [content / "modules"]))
    problems = [p for p in caught.value.problems if p.field == "requires_lms"]
    assert [(p.file.split("basic/")[-1], p.message) for p in problems] == [
        (manifest, f"needs lms <0.0.2,>=0.0.1 but this is lms {lms_version()}")]


def test_a_manifest_whose_range_is_not_a_version_range_is_refused(test_config, content):
    path = content / "bundles/starter/bundle.toml"
    path.write_text(path.read_text().replace('version = "1.2.0"', 'version = "1.2.0"\nrequires_lms = "soon"'))
    with pytest.raises(ContentError) as caught:
        create_app(test_config, plugins=PluginSet.from_paths(content / "bundles", [content / "modules"]))
    [problem] = caught.value.problems
    assert problem.field == "requires_lms" and "not a version range" in problem.message


def test_a_compatible_manifest_loads(app_with, content):
    path = content / "bundles/starter/bundle.toml"
    path.write_text(path.read_text().replace('version = "1.2.0"', f'version = "1.2.0"\nrequires_lms = ">={lms_version()}"'))
    app = app_with(PluginSet.from_paths(content / "bundles", [content / "modules"]))
    assert "starter" in app.extensions["lms.catalog"].bundles


class Recorder:
    @hookimpl
    def lms_blueprints(self) -> list:
        return []


@pytest.fixture
def app_with(test_config):
    """Apps over a plugin set, with settings of the test's; their engines are closed afterwards."""
    made = []

    def _make(plugins, **settings):  # noqa: ANN001, ANN003
        made.append(create_app({**test_config, **settings}, plugins=plugins))
        return made[-1]

    yield _make
    for app in made:
        app.extensions["lms.engine"].dispose()


def test_every_installed_bundle_and_plugin_runs_by_default(app_with):
    app = app_with(fixture_plugins("basic", hook_objects=[Recorder()]))
    assert set(app.extensions["lms.catalog"].bundles) == {"starter", "electives"}
    assert app.extensions["lms.plugins"].has_plugin("tests.plugins.test_contract.Recorder")


def test_the_enable_lists_choose_bundles_and_plugins(app_with):
    app = app_with(fixture_plugins("basic", hook_objects=[Recorder()]), ENABLED_BUNDLES=["electives"],
                   ENABLED_PLUGINS=[])
    assert set(app.extensions["lms.catalog"].bundles) == {"electives"}
    assert not app.extensions["lms.plugins"].has_plugin("tests.plugins.test_contract.Recorder")


def test_an_enable_list_naming_something_not_installed_is_refused(app_with):
    with pytest.raises(PluginError) as caught:
        app_with(fixture_plugins("basic"), ENABLED_BUNDLES=["starter", "startr"], ENABLED_PLUGINS=["certificates"])
    assert [str(p) for p in caught.value.problems] == [
        "ENABLED_BUNDLES: startr: is not installed (installed: electives, starter)",
        "ENABLED_PLUGINS: certificates: is not installed (installed: none)",
    ]


def test_the_enable_lists_come_from_the_environment_comma_separated(monkeypatch, tmp_path):
    from lms.config import load_config

    monkeypatch.setenv("LMS_ENABLED_BUNDLES", "induction, management-core")
    config = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert config["ENABLED_BUNDLES"] == ["induction", "management-core"]
    assert config["ENABLED_PLUGINS"] == ["*"]


def test_a_bundle_folders_hooks_go_with_its_bundle(tmp_path, content, app_with):
    (content / "bundles/starter/hooks.py").write_text(
        "from lms.plugins.hookspecs import hookimpl\n\n\n"
        "@hookimpl\ndef lms_template_slot(slot, context):\n    return 'starter was here'\n")
    plugins = PluginSet.from_paths(content / "bundles", [content / "modules"])
    on = app_with(plugins)
    assert on.extensions["lms.plugins"].hook.lms_template_slot(slot="x", context={}) == ["starter was here"]
    off = app_with(plugins, ENABLED_BUNDLES=["electives"])
    assert off.extensions["lms.plugins"].hook.lms_template_slot(slot="x", context={}) == []


def test_content_check_uses_the_enable_lists(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from lms.cli import content_check

    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    # Not mid-career: the default advancement rules name the other three.
    monkeypatch.setenv("LMS_ENABLED_BUNDLES", "induction,management-core,senior-management")
    checked = CliRunner().invoke(content_check)
    assert checked.exit_code == 0 and "Content is valid: 3 bundles" in checked.output
    monkeypatch.setenv("LMS_ENABLED_BUNDLES", "inducton")
    refused = CliRunner().invoke(content_check)
    assert refused.exit_code == 1 and "ENABLED_BUNDLES: inducton: is not installed" in refused.output


def test_two_plugins_of_one_class_both_run(app_with):
    app = app_with(fixture_plugins("basic", hook_objects=[Recorder(), Recorder()]))
    assert len(app.extensions["lms.plugins"].hook.lms_blueprints.get_hookimpls()) == 2
