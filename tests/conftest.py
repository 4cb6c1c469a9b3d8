"""Shared fixtures: an app per test on a fresh database (SQLite, or PostgreSQL when asked), clients, factories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text

from lms import db
from lms.app import create_app
from lms.models import metadata
from lms.plugins.loader import PluginSet
from lms.schema import upgrade
from lms.speedups import DEVICES, devices_on

FIXTURES = Path(__file__).parent / "plugin_fixtures"
# Set (as .ci/run does) to run the whole suite on PostgreSQL, e.g.
# LMS_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres
POSTGRES_URL = os.environ.get("LMS_TEST_POSTGRES_URL", "")


# What a production configuration needs beyond a test's (lms.config.security_problems): the rate-limit store
# is only connected to when a limit is counted, which tests with RATELIMIT_ENABLED off never do.
PRODUCTION_SETTINGS = {"ENV": "production", "SECRET_KEY": "p" * 40, "PUBLIC_BASE_URL": "https://lms.test",
                       "TRUSTED_HOSTS": ["lms.test"], "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}


def fixture_plugins(name: str = "basic", hook_objects: list | None = None) -> PluginSet:
    """A PluginSet over tests/plugin_fixtures/<name>/{bundles,modules}."""
    root = FIXTURES / name
    return PluginSet.from_paths(root / "bundles", [root / "modules"], hook_objects or [])


def _postgres_admin(*statements: str) -> None:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


@contextmanager
def _worker_database(tmp_root: Path, worker: str) -> Iterator[str]:
    """A database of the run's own: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_root / 'test.sqlite3'}"
        return
    # The process id keeps concurrent runs on one server (several checkouts, CI) apart.
    name = f"lms_test_{worker}_{os.getpid()}"
    _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:  # noqa: ANN001
    """One migrated database per test worker; tests empty it after use rather than recreate it."""
    with _worker_database(tmp_path_factory.mktemp("db"), worker_id) as url:
        engine = db.make_engine(url)
        upgrade(engine, _plugin_migration_locations())
        # Tables whose migration is not written yet still exist for tests; a separate test checks,
        # on a database built by migrations alone, that migrations and models agree.
        metadata.create_all(engine)
        engine.dispose()
        yield url


@pytest.fixture
def migrated_only_url(tmp_path, worker_id) -> str:  # noqa: ANN001
    """A database built by migrations alone (no create_all), for comparing with the models."""
    with _worker_database(tmp_path, f"{worker_id}_migrations") as url:
        engine = db.make_engine(url)
        upgrade(engine, _plugin_migration_locations())
        engine.dispose()
        yield url


def _plugin_migration_locations() -> list[str]:
    from lms.plugins.loader import make_plugin_manager

    from lms.schema import migration_locations

    return migration_locations(make_plugin_manager(PluginSet.discover()))


def _empty(engine) -> None:  # noqa: ANN001
    tables = [t for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def speedups_setting(request: pytest.FixtureRequest) -> str:
    """SPEEDUPS for a test's app: what LMS_SPEEDUPS says (CI runs some tests with them off), with the devices its
    speedups_off marker names off, and those its speedups_on marker names (a test of that device) on."""
    named = {name: set(marker.args) if (marker := request.node.get_closest_marker(name)) else set()
             for name in ("speedups_off", "speedups_on")}
    off = (set(DEVICES) - devices_on(os.environ.get("LMS_SPEEDUPS", "on")) | named["speedups_off"]) - named["speedups_on"]
    return ",".join(sorted(off)) or "on"


@pytest.fixture
def test_config(request, tmp_path, database_url) -> dict:  # noqa: ANN001
    return {
        "SPEEDUPS": speedups_setting(request),
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-000",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "lms.test",
        # Links handed out (join, reset, certificates) are built from this, never from the request's host.
        "PUBLIC_BASE_URL": "http://lms.test",
        # The default rules name the shipped bundles, which test content lacks (gate tests set their own).
        "ADVANCEMENT_RULES": {},
    }


@pytest.fixture
def plugins() -> PluginSet:
    """The content a test's app loads; override in a test module to use other fixtures."""
    return fixture_plugins("basic")


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept for the whole run: each test's new app would otherwise recompile them all."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:  # noqa: ANN001
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket) -> None:  # noqa: ANN001
        self.store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _MemoryBytecodeCache()


@pytest.fixture
def app(test_config, plugins):  # noqa: ANN001
    application = create_app(test_config, plugins=plugins)
    application.jinja_env.bytecode_cache = _TEMPLATES
    with application.app_context():
        yield application
        db.rollback()
    engine = application.extensions["lms.engine"]
    _empty(engine)
    engine.dispose()


@pytest.fixture
def session(app):  # noqa: ANN001
    """The app context's database session (what services receive)."""
    return db.session()


@pytest.fixture
def client(app):  # noqa: ANN001
    return app.test_client()


@pytest.fixture
def login_as(client):  # noqa: ANN001
    """Sign a test client in as a user without going through the sign-in form."""
    from lms.auth.security import load_principal

    def _login(user):  # noqa: ANN001
        db.commit()
        principal = load_principal(db.session(), user.id)
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = principal.get_id()
            flask_session["_fresh"] = True
        return client

    return _login


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


from tests.factories import *  # noqa: E402,F401,F403  (factory fixtures)

# live_server, browser and page for browser tests in any folder (see tests/browser/fixtures.py).
pytest_plugins = ["tests.browser.fixtures"]
