"""Migrations of the LRS's storage that move existing statements' data: nothing is lost either way."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from lms import db, schema
from lms.testing import installed_migration_locations as _plugin_migration_locations, worker_database as _worker_database

ROWS = [(1, 10), (-7, 8_191), (42, 8_192), (42, 200_000)]  # (key, seq), across eras 0, 1 and 24


def test_filter_keys_move_to_their_eras_and_back(tmp_path, worker_id):  # noqa: ANN001
    with _worker_database(tmp_path, f"{worker_id}_era") as url:
        engine = db.make_engine(url)
        try:
            schema.upgrade(engine, _plugin_migration_locations(), "0003")
            with engine.begin() as conn:
                conn.execute(text('INSERT INTO xapi_statement_keys ("key", seq) VALUES (:key, :seq)'),
                             [{"key": key, "seq": seq} for key, seq in ROWS])
            schema.upgrade(engine, _plugin_migration_locations(), "0004")
            with engine.connect() as conn:
                stored = conn.execute(text('SELECT era, "key", seq FROM xapi_statement_keys ORDER BY seq')).all()
            assert [tuple(row) for row in stored] == [(0, 1, 10), (0, -7, 8_191), (1, 42, 8_192), (24, 42, 200_000)]
            command.downgrade(schema.alembic_config(engine, _plugin_migration_locations()), "0003")
            with engine.connect() as conn:
                stored = conn.execute(text('SELECT "key", seq FROM xapi_statement_keys ORDER BY seq')).all()
            assert [tuple(row) for row in stored] == ROWS
        finally:
            engine.dispose()
