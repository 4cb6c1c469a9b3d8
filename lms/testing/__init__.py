"""Pytest fixtures for the lms and its plugins: an app on a fresh database, a session, clients, factories.

Registered as a pytest plugin (the ``pytest11`` entry point ``lms``), so any project with lms installed
gets them. Override ``plugins`` to choose the content and plugins a test's app loads (by default every
installed one, as production would run), and ``test_config`` to change settings. Set
``LMS_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) to run on
PostgreSQL: each test worker gets a database of its own, dropped afterwards. See docs/plugins.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session

from lms import db
from lms.app import create_app
from lms.auth.models import User
from lms.auth.security import load_principal
from lms.models import metadata
from lms.plugins.discovery import PluginSet, make_plugin_manager, plugin_name
from lms.schema import migration_locations, upgrade
from lms.speedups import DEVICES, devices_on
from lms.testing.factories import PASSWORD, make_org, make_region, make_user  # noqa: F401  (fixtures of the plugin)
from lms.testing.learning import finish_module, principal_of, submit, take_quiz  # noqa: F401

POSTGRES_URL = os.environ.get("LMS_TEST_POSTGRES_URL", "")


def installed_plugins(*code_plugins: Any) -> PluginSet:
    """Every installed bundle, module package and plugin, with ``code_plugins`` (objects with hooks) added."""
    found = PluginSet.discover()
    for plugin in code_plugins:
        found.plugins[plugin_name(plugin)] = plugin
    return found


def installed_migration_locations() -> list[str]:
    """The Alembic folders of every installed plugin (their own tables)."""
    return migration_locations(make_plugin_manager(PluginSet.discover()))


def _postgres_admin(*statements: str) -> None:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


@contextmanager
def worker_database(tmp_root: Path, worker: str) -> Iterator[str]:
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


def worker_name(config: pytest.Config) -> str:
    """pytest-xdist's worker id ("gw0"...), or "main" when the run is not split over workers."""
    return getattr(config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[str]:
    """One migrated database per test worker; tests empty it after use rather than recreate it."""
    with worker_database(tmp_path_factory.mktemp("db"), worker_name(request.config)) as url:
        engine = db.make_engine(url)
        upgrade(engine, installed_migration_locations())
        # Tables whose migration is not written yet still exist for tests (a plugin's, imported by then).
        metadata.create_all(engine)
        engine.dispose()
        yield url


def empty_tables(engine: Engine) -> None:
    """Delete every row of every table (faster than a new database per test)."""
    tables = list(reversed(metadata.sorted_tables))
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
def test_config(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> dict[str, Any]:
    """The settings of a test's app: testing on, CSRF and rate limits off, addresses under lms.test, and the
    speed devices as LMS_SPEEDUPS and the test's speedups_off and speedups_on markers say."""
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
        # The default rules name the shipped bundles, which test content may lack (gate tests set their own).
        "ADVANCEMENT_RULES": {},
    }


@pytest.fixture
def plugins() -> PluginSet:
    """The content and plugins a test's app loads: every installed one. Override it with your own set."""
    return PluginSet.discover()


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
def app(test_config: dict[str, Any], plugins: PluginSet) -> Iterator[Flask]:
    """The app over ``plugins`` with ``test_config``, inside its app context; its tables emptied afterwards."""
    application = create_app(test_config, plugins=plugins)
    application.jinja_env.bytecode_cache = _TEMPLATES
    with application.app_context():
        yield application
        db.rollback()
    engine = application.extensions["lms.engine"]
    empty_tables(engine)
    engine.dispose()


@pytest.fixture
def session(app: Flask) -> Session:
    """The app context's database session (what services receive)."""
    return db.session()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[User], FlaskClient]:
    """Sign the test client in as a user (committing what the test made) without the sign-in form."""

    def _login(user: User) -> FlaskClient:
        db.commit()
        principal = load_principal(db.session(), user.id)
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = principal.get_id()
            flask_session["_fresh"] = True
        return client

    return _login
