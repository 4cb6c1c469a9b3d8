"""The suite's own content and settings; the app, database, clients and factories come from lms.testing.

lms.testing is the pytest plugin lms publishes (its ``pytest11`` entry point): every fixture a plugin's
tests use, this suite uses too. Here the default content is tests/plugin_fixtures/basic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.plugins.discovery import PluginSet
from lms.testing import PASSWORD, worker_database  # noqa: F401  (tests import them from here too)

FIXTURES = Path(__file__).parent / "plugin_fixtures"


# What a production configuration needs beyond a test's (lms.config.security_problems): the rate-limit store
# is only connected to when a limit is counted, which tests with RATELIMIT_ENABLED off never do.
PRODUCTION_SETTINGS = {"ENV": "production", "SECRET_KEY": "p" * 40, "PUBLIC_BASE_URL": "https://lms.test",
                       "TRUSTED_HOSTS": ["lms.test"], "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}


def fixture_plugins(name: str = "basic", hook_objects: list | None = None) -> PluginSet:
    """A PluginSet over tests/plugin_fixtures/<name>/{bundles,modules}."""
    root = FIXTURES / name
    return PluginSet.from_paths(root / "bundles", [root / "modules"], hook_objects or [])


@pytest.fixture
def migrated_only_url(tmp_path, worker_id) -> str:  # noqa: ANN001
    """A database built by migrations alone (no create_all), for comparing with the models."""
    from lms import db
    from lms.schema import upgrade
    from lms.testing import installed_migration_locations

    with worker_database(tmp_path, f"{worker_id}_migrations") as url:
        engine = db.make_engine(url)
        upgrade(engine, installed_migration_locations())
        engine.dispose()
        yield url


@pytest.fixture
def plugins() -> PluginSet:
    """The content a test's app loads; override in a test module to use other fixtures."""
    return fixture_plugins("basic")


# A Host header as any client may send it (environ_overrides: the test client's cookies stay keyed by SERVER_NAME).
FORGED_HOST = {"HTTP_HOST": "attacker.example"}


@pytest.fixture
def login_via_forged_host(app, client, login_as):  # noqa: ANN001
    """Sign a test client in, with its session cookie sent to FORGED_HOST too (the client keeps cookies per host)."""

    def _login(user):  # noqa: ANN001
        login_as(user)
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=app.config["SERVER_NAME"])
        client.set_cookie(cookie.key, cookie.value, domain=FORGED_HOST["HTTP_HOST"])
        return client

    return _login


# live_server, browser and page for browser tests in any folder (see tests/browser/fixtures.py).
pytest_plugins = ["tests.browser.fixtures"]
