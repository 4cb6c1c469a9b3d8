"""The app factory, configuration layers, the single commit point and the migrated schema."""

from __future__ import annotations

import gc

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import select

from lms import db, schema
from lms.app import create_app
from lms.config import INSECURE_SECRET_KEY, load_config
from lms.orgs.models import Region
from tests.conftest import fixture_plugins


def test_configuration_layers_in_order(tmp_path):
    (tmp_path / "lms.toml").write_text('due_soon_days = 3\ninduction_due_days = 50\nsql_echo = true\n')
    environ = {"LMS_INDUCTION_DUE_DAYS": "60", "LMS_SQL_ECHO": "false"}
    config = load_config({"INSTANCE_PATH": str(tmp_path), "SQL_ECHO": True}, environ)
    assert config["DUE_SOON_DAYS"] == 3  # instance file over default
    assert config["INDUCTION_DUE_DAYS"] == 60  # environment over instance file
    assert config["SQL_ECHO"] is True  # explicit mapping over environment
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'lms.sqlite3'}"


def test_environment_value_of_the_wrong_type_is_named(tmp_path):
    with pytest.raises(ValueError, match="LMS_DUE_SOON_DAYS: expected a whole number"):
        load_config({"INSTANCE_PATH": str(tmp_path)}, {"LMS_DUE_SOON_DAYS": "soon"})


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"SECRET_KEY": INSECURE_SECRET_KEY}, "SECRET_KEY is the default"),
        ({"SECRET_KEY": "x" * 40, "DEMO": True}, "DEMO is on"),
    ],
)
def test_production_refuses_unsafe_settings(tmp_path, overrides, reason):
    config = {"INSTANCE_PATH": str(tmp_path), "ENV": "production", **overrides}
    with pytest.raises(RuntimeError, match=reason):
        create_app(config, plugins=fixture_plugins())


@pytest.mark.parametrize(("testing", "frozen"), [(False, True), (True, False)])
def test_a_serving_app_moves_start_up_objects_out_of_the_collectors_sight(test_config, testing, frozen):
    before = gc.get_freeze_count()
    try:
        app = create_app({**test_config, "TESTING": testing}, plugins=fixture_plugins())
        app.extensions["lms.engine"].dispose()
        assert (gc.get_freeze_count() > before) is frozen
    finally:
        gc.unfreeze()  # this process goes on building and dropping apps


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_sqlite_writer_takes_the_write_lock_at_begin_and_a_failed_begin_is_a_sqlalchemy_error(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    writer = engine.execution_options(sqlite_immediate=True)
    with writer.connect() as first, first.begin():
        assert first.connection.driver_connection.in_transaction  # BEGIN IMMEDIATE holds the lock before any write
        with writer.connect() as second:
            second.connection.driver_connection.execute("PRAGMA busy_timeout=0")
            with pytest.raises(OperationalError, match="database is locked") as failed:
                second.begin()
            assert failed.value.statement == "BEGIN IMMEDIATE"
        with engine.connect() as reader, reader.begin():  # a deferred BEGIN does not wait for the writer
            assert reader.connection.driver_connection.in_transaction
    engine.dispose()


def test_after_commit_callbacks_run_only_after_commit(app, session):
    ran = []
    session.add(Region(code="R1", name="Region one"))
    db.after_commit(lambda: ran.append("committed"))
    db.rollback()
    assert ran == []
    session.add(Region(code="R2", name="Region two"))
    db.after_commit(lambda: ran.append("committed"))
    db.commit()
    assert ran == ["committed"]
    assert [r.code for r in session.exec(select(Region))] == ["R2"]


def test_a_failed_request_changes_nothing(app, client):
    @app.post("/boom")
    def boom():
        db.session().add(Region(code="R9", name="Never stored"))
        return "refused", 400

    assert client.post("/boom").status_code == 400
    assert db.session().exec(select(Region)).all() == []


def test_migrated_schema_matches_the_models(app, migrated_only_url):
    schema.import_core_models()
    engine = db.make_engine(migrated_only_url)
    try:
        assert schema.differences(engine) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("idle_seconds, replaced", [(0.0, True), (3600.0, False)])
def test_a_pooled_connection_idle_past_the_interval_is_pinged_and_replaced_when_dead(tmp_path, idle_seconds, replaced):
    """The pool checks a connection that sat unused (a restart may have cut it) and connects afresh if it is
    dead; one in recent use is handed out unchecked, so a dead one then fails its request."""
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.sqlite3'}")
    db.ping_when_idle(engine, idle_seconds)
    with engine.connect() as conn:
        dead = conn.connection.dbapi_connection
    dead.close()  # cut underneath the pool, as a server restart would
    with engine.connect() as conn:
        if replaced:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
            assert conn.connection.dbapi_connection is not dead
        else:
            with pytest.raises(DBAPIError):
                conn.exec_driver_sql("SELECT 1")
    engine.dispose()


def test_the_reader_is_kept_for_the_context_and_reads_the_transaction_under_way(app, test_config):
    with app.app_context():
        first = db.reader()
        assert db.reader() is first and not first.in_transaction()
        db.session().add(Region(code="RDR", name="Reader region"))
        # The session's transaction is under way: reads go through it and see its unflushed row.
        during = db.reader()
        assert during is not first
        assert during.exec_driver_sql("SELECT name FROM regions WHERE code = 'RDR'").scalar() == "Reader region"
        assert first.exec_driver_sql("SELECT count(*) FROM regions WHERE code = 'RDR'").scalar() == 0
        db.rollback()
        assert db.reader() is first
    assert not first.closed and not first.in_transaction()  # kept for a later context...
    with app.app_context():
        assert db.reader() is first  # ...which reads on it
    raw = first.connection.driver_connection
    db.engine().dispose()
    assert first.closed and _is_closed(raw)  # not left open when the engine goes (tests drop databases)


def _is_closed(driver_connection) -> bool:  # noqa: ANN001
    if isinstance(getattr(driver_connection, "closed", None), bool):  # psycopg says so
        return driver_connection.closed
    try:
        driver_connection.execute("SELECT 1")  # sqlite3 refuses on a closed connection
    except Exception:  # noqa: BLE001
        return True
    return False


def test_kept_readers_are_taken_newest_first_and_checked_after_idling(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite:///{tmp_path / 'kept.sqlite3'}")
    kept = db.KeptConnections(limit=2)
    older, newer, extra = engine.connect(), engine.connect(), engine.connect()
    for connection in (older, newer, extra):
        kept.keep(connection)
    assert extra.closed and not newer.closed  # beyond the limit: back to the pool
    assert kept.take() is newer
    kept.keep(newer)
    newer.connection.driver_connection.close()  # cut underneath, as a server restart would
    assert kept.take() is newer  # in recent use: handed out unchecked
    kept.keep(newer)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", -1.0)  # every kept one has now idled past the interval
    assert kept.take() is older and newer.closed  # the dead one was checked and dropped
    assert kept.take() is None
    kept.keep(older)
    monkeypatch.setattr(kept, "_owner", -1)  # as if this process were a fork of the one that kept it
    assert kept.take() is None and not older.closed  # the parent's: never used or closed here
    older.close()
    engine.dispose()


def test_a_read_connection_leaves_no_transaction_open(app, session):
    """A lookup's connection sees committed rows; on PostgreSQL it runs in autocommit (no BEGIN or ROLLBACK
    round trips), and on SQLite it ends its own transaction when closed."""
    session.add(Region(code="READ", name="Read region"))
    db.commit()
    with app.app_context():
        with db.read_connection() as conn:
            assert conn.exec_driver_sql("SELECT name FROM regions WHERE code = 'READ'").scalar() == "Read region"
            postgres = conn.dialect.name == "postgresql"
            raw = conn.connection.dbapi_connection
            if postgres:  # no transaction was begun for the query
                assert raw.autocommit and raw.info.transaction_status == raw.info.transaction_status.IDLE
        assert not raw.in_transaction if not postgres else not raw.autocommit  # back in the pool as it was


@pytest.mark.speedups_on("flask")  # the device under test
@pytest.mark.parametrize("path", ["/sign-in", "/xapi/about"])  # the main app, and the LRS's lean app
def test_the_app_asks_whether_a_function_is_a_coroutine_once(app, client, monkeypatch, path):  # noqa: ANN001
    """Flask's ensure_sync inspected every handler and view on every request; the app remembers the answer."""
    import flask.app

    asked = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", lambda func: asked.append(func) or real(func))
    assert client.get(path).status_code == 200
    first = len(asked)
    assert client.get(path).status_code == 200
    assert first > 0 and len(asked) == first  # nothing asked again on the second request

    async def view() -> str:
        return "async"

    with pytest.raises(RuntimeError, match="async"):  # as Flask answers, without the async extra
        app.ensure_sync(view)
    assert app.ensure_sync(db.commit) is db.commit


def test_a_session_that_never_began_is_dropped_without_closing_and_one_that_did_is_closed(app, monkeypatch):
    """Closing an unused session cost 2 % of a lesson page; one with a transaction or rows is still closed."""
    from sqlmodel import Session

    closed = []
    real = Session.close
    monkeypatch.setattr(Session, "close", lambda self: closed.append(self) or real(self))
    with app.test_request_context("/"):
        unused = db.session()
        db.release()
    assert closed == []
    with app.test_request_context("/"):
        used = db.session()
        used.exec(select(Region)).all()  # begins a transaction
        connection = used.connection()
        db.release()
    assert closed == [used] and connection.closed  # its connection went back to the pool
    with app.test_request_context("/"):
        holding = db.session()
        holding.add(Region(code="HOLD", name="Held region"))  # a row not flushed: no transaction yet
        db.release()
    assert closed == [used, holding] and not holding.new
    assert not unused.in_transaction()
