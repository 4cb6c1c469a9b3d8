"""Database schema management: every model imported, Alembic configured, upgrade and compare."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy import Engine

from lms import db
# Importing every core model registers its table on the shared metadata (plugins import their own).
from lms.api_tokens import models as _api_tokens  # noqa: F401
from lms.audit import models as _audit  # noqa: F401
from lms.auth import models as _auth  # noqa: F401
from lms.cohorts import models as _cohorts  # noqa: F401
from lms.evidence import models as _evidence  # noqa: F401
from lms.learning import models as _learning  # noqa: F401
from lms.models import metadata
from lms.notices import models as _notices  # noqa: F401
from lms.orgs import models as _orgs  # noqa: F401
from lms.xapi import models as _xapi  # noqa: F401

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine, plugin_locations: list[str] = ()) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join([str(MIGRATIONS / "versions"), *plugin_locations]))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, plugin_locations: list[str] = (), revision: str = "heads") -> None:
    command.upgrade(alembic_config(engine, plugin_locations), revision)


def differences(engine: Engine) -> list:
    """What the migrated database lacks or has beyond the models (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def migration_locations(manager) -> list[str]:  # noqa: ANN001
    """The plugins' own revision folders (Alembic branches), from the lms_migration_locations hook."""
    return [location for batch in manager.hook.lms_migration_locations() for location in batch]


def upgrade_app(revision: str = "heads") -> None:
    """Migrate the current app's database, plugin branches included."""
    upgrade(db.engine(), migration_locations(current_app.extensions["lms.plugins"]), revision)
