"""The production guard: `lms security check` and create_app both refuse a configuration without a public https
address, trusted hosts, a strong secret key and a shared rate-limit store, naming each missing setting."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lms.app import create_app
from lms.cli import cli
from lms.config import INSECURE_SECRET_KEY, check_production, load_config, security_problems
from tests.conftest import PRODUCTION_SETTINGS, fixture_plugins

GOOD = {key: value for key, value in PRODUCTION_SETTINGS.items() if key != "ENV"}
# Each unsafe value, and the words naming it in the refusal.
UNSAFE = [
    ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL is '', not an absolute https address"),
    ({"PUBLIC_BASE_URL": "/lms"}, "PUBLIC_BASE_URL is '/lms', not an absolute https address"),
    ({"PUBLIC_BASE_URL": "lms.test"}, "PUBLIC_BASE_URL is 'lms.test', not an absolute https address"),
    ({"PUBLIC_BASE_URL": "http://lms.test"}, "PUBLIC_BASE_URL is 'http://lms.test', not an absolute https address"),
    ({"PUBLIC_BASE_URL": "https://lms.test?x=1"}, "not an absolute https address"),
    ({"TRUSTED_HOSTS": []}, "TRUSTED_HOSTS is empty"),
    ({"TRUSTED_HOSTS": ["other.example"]},
     "TRUSTED_HOSTS (other.example) does not include the host of PUBLIC_BASE_URL"),
    ({"SECRET_KEY": INSECURE_SECRET_KEY}, "SECRET_KEY is the default or shorter than 32 characters"),
    ({"SECRET_KEY": "x" * 31}, "SECRET_KEY is the default or shorter than 32 characters"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI is memory://"),
    ({"DEMO": True}, "DEMO is on"),
]


def config(tmp_path, **overrides) -> dict:  # noqa: ANN001
    return load_config({"INSTANCE_PATH": str(tmp_path), **GOOD, **overrides}, environ={})


def test_a_complete_production_configuration_has_no_problems(tmp_path):
    assert security_problems(config(tmp_path)) == []
    assert check_production(config(tmp_path, ENV="production")) == []


@pytest.mark.parametrize(("overrides", "named"), UNSAFE)
def test_each_unsafe_setting_is_named(tmp_path, overrides, named):
    (problem,) = security_problems(config(tmp_path, **overrides))
    assert named in problem


def test_the_defaults_fail_every_check_at_once(tmp_path):
    problems = security_problems(load_config({"INSTANCE_PATH": str(tmp_path)}, environ={}))
    assert [p.split(" ")[0] for p in problems] == ["SECRET_KEY", "PUBLIC_BASE_URL", "TRUSTED_HOSTS",
                                                   "RATELIMIT_STORAGE_URI"]


@pytest.mark.parametrize(("overrides", "named"), UNSAFE)
def test_production_refuses_to_start_for_each(test_config, overrides, named):
    with pytest.raises(RuntimeError, match="refusing to start") as refused:
        create_app({**test_config, **PRODUCTION_SETTINGS, **overrides}, plugins=fixture_plugins())
    assert named in str(refused.value)


def test_development_starts_with_the_defaults_but_not_with_a_relative_public_address(tmp_path):
    assert check_production(load_config({"INSTANCE_PATH": str(tmp_path)}, environ={})) == []
    assert "not an absolute http or https address" in check_production(config(tmp_path, PUBLIC_BASE_URL="/lms"))[0]


def test_list_settings_come_from_the_environment_and_the_instance_file_comma_separated(tmp_path):
    (tmp_path / "lms.toml").write_text('trusted_hosts = "a.example, .b.example"\n')
    assert load_config({"INSTANCE_PATH": str(tmp_path)}, environ={})["TRUSTED_HOSTS"] == ["a.example", ".b.example"]
    environ = {"LMS_TRUSTED_HOSTS": "lms.test,", "LMS_CERTIFICATE_STATUS_SERVERS": "https://x.example"}
    loaded = load_config({"INSTANCE_PATH": str(tmp_path)}, environ=environ)
    assert (loaded["TRUSTED_HOSTS"], loaded["CERTIFICATE_STATUS_SERVERS"]) == (["lms.test"], ["https://x.example"])


def run_check(tmp_path, **settings: str):  # noqa: ANN001, ANN201
    environ = {"LMS_INSTANCE_PATH": str(tmp_path), **{f"LMS_{key}": value for key, value in settings.items()}}
    return CliRunner().invoke(cli, ["security", "check"], env=environ)


PRODUCTION_ENVIRONMENT = {"ENV": "production", "SECRET_KEY": "k" * 40, "PUBLIC_BASE_URL": "https://lms.test",
                          "TRUSTED_HOSTS": "lms.test", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}


def test_the_security_check_command_passes_a_production_configuration(tmp_path):
    result = run_check(tmp_path, **PRODUCTION_ENVIRONMENT)
    assert result.exit_code == 0, result.output
    assert "Fit for production: served at https://lms.test for lms.test" in result.output


@pytest.mark.parametrize(("setting", "value", "named"), [
    ("PUBLIC_BASE_URL", "http://lms.test", "PUBLIC_BASE_URL is 'http://lms.test', not an absolute https address"),
    ("TRUSTED_HOSTS", "", "TRUSTED_HOSTS is empty"),
    ("SECRET_KEY", "short", "SECRET_KEY is the default or shorter than 32 characters"),
    ("RATELIMIT_STORAGE_URI", "memory://", "RATELIMIT_STORAGE_URI is memory://"),
    ("ENV", "development", "ENV is 'development': set LMS_ENV=production"),
])
def test_the_security_check_command_names_each_failure(tmp_path, setting, value, named):
    result = run_check(tmp_path, **{**PRODUCTION_ENVIRONMENT, setting: value})
    assert result.exit_code == 1
    assert f"Problem: {named}" in result.output and "1 problem(s)" in result.output


def test_the_security_check_command_lists_every_problem_of_the_defaults(tmp_path):
    result = run_check(tmp_path)
    assert result.exit_code == 1 and "5 problem(s)" in result.output
    for setting in ("ENV", "SECRET_KEY", "PUBLIC_BASE_URL", "TRUSTED_HOSTS", "RATELIMIT_STORAGE_URI"):
        assert f"Problem: {setting} is" in result.output
