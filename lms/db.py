"""Engine, one session (and one reading connection) per app context, the single commit point and the after-commit queue."""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from datetime import UTC, datetime
from contextlib import contextmanager
from typing import Callable, Iterator

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlmodel import Session

from lms import speedups
from lms.speedups import sqlalchemy as sqlalchemy_device

log = logging.getLogger(__name__)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A pooled connection unused for this long is checked with a round trip before it is handed out.
IDLE_PING_SECONDS = 5.0


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and explicit BEGIN handling."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, echo=echo, pool_size=10, max_overflow=20)
    ping_when_idle(engine, IDLE_PING_SECONDS)
    return engine


def ping_when_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled connection that sat unused for ``seconds`` before handing it out; replace it if dead.

    A connection idle that long is the one a database restart or a firewall's idle timeout may have cut.
    Pinging on every checkout (SQLAlchemy's pool_pre_ping) added a round trip to every request, a sixth
    of a certificate verification's time on PostgreSQL. A connection in constant use that the server
    drops fails its one request; SQLAlchemy then discards every connection of the pool made before.
    """
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record) -> None:  # noqa: ANN001
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy) -> None:  # noqa: ANN001
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < seconds:
            return
        if not _answers(dbapi_conn):
            raise DisconnectionError("pooled connection failed its ping")  # the pool connects afresh


def _answers(dbapi_conn) -> bool:  # noqa: ANN001
    """Whether a DBAPI connection still answers a query (a restart or an idle timeout may have cut it)."""
    try:
        cursor = dbapi_conn.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_conn.rollback()  # the ping's own transaction, so the request starts afresh
    except Exception:  # noqa: BLE001  (any failure means it is gone)
        return False
    return True


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins (see _on_begin).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        # A writer takes the write lock up front: a deferred transaction that reads and then
        # writes fails at once (SQLITE_BUSY_SNAPSHOT) if another writer committed in between.
        options = conn.get_execution_options()
        if options.get("lms_autocommit"):
            return  # read_connection: each statement is its own transaction
        begin = "BEGIN IMMEDIATE" if options.get("sqlite_immediate") else "BEGIN"
        # Sent on the driver's connection: through exec_driver_sql, SQLAlchemy's execution machinery
        # cost three times SQLite's own work here, 6 % of storing a statement.
        try:
            conn.connection.driver_connection.execute(begin)
        except engine.dialect.dbapi.Error as exc:
            raise DBAPIError.instance(begin, (), exc, engine.dialect.dbapi.Error) from exc


def init_app(app: Flask) -> None:
    """Create the engine and its kept reading connections; close each context's session at its end."""
    engine = app.extensions["lms.engine"] = make_engine(app.config["DATABASE_URL"], app.config["SQL_ECHO"])
    if not speedups.is_on(app, sqlalchemy_device.DEVICE):  # hot reads through SQLAlchemy (lms.plain_query)
        engine.update_execution_options(**{sqlalchemy_device.STOCK_OPTION: True})
    kept = app.extensions["lms.readers"] = KeptConnections()
    event.listen(engine, "engine_disposed", kept.drop)
    app.teardown_appcontext(release)


def engine() -> Engine:
    return current_app.extensions["lms.engine"]


def read_connection() -> Connection:
    """A connection for a one-query lookup outside any transaction, in autocommit: no BEGIN and ROLLBACK
    around the query (on PostgreSQL two round trips; on SQLite a sixth of a kept page's time)."""
    reader = current_app.extensions.get("lms.engine.autocommit")
    if reader is None:
        main = engine()
        # pysqlite already runs without a transaction until _on_begin issues BEGIN; the option skips it.
        autocommit = {"lms_autocommit": True} if main.dialect.name == "sqlite" else {"isolation_level": "AUTOCOMMIT"}
        reader = current_app.extensions["lms.engine.autocommit"] = main.execution_options(**autocommit)
    return reader.connect()


def reader() -> Connection:
    """The connection for reads: the session's, flushed, while its transaction is under way (so the
    reads see what it wrote); otherwise the app context's connection outside any transaction
    (``read_connection``), taken on first use and kept until the context ends, then kept for a later
    context (``KeptConnections``). Who is signed in and a read-only page's queries then share it, with no
    ORM session.

    Outside a transaction each query sees what is committed when it runs (as PostgreSQL's default
    isolation gives inside one too). Its SQLite cursors are closed after each query, so it holds no
    snapshot between them.
    """
    namespace = g._get_current_object()  # each read through the proxy costs about a microsecond
    current = namespace.get("lms_session")
    if current is not None and current.in_transaction():
        current.flush()  # a Core query does not autoflush
        return current.connection()
    kept = namespace.get("lms_reader")
    if kept is None:
        kept = namespace.lms_reader = current_app.extensions["lms.readers"].take() or read_connection()
    return kept


class KeptConnections:
    """Connections kept from one app context to the next, most recently used first: the reading ones
    (``reader``), and the LRS's (``lms.xapi.wsgi``).

    Checking a connection out of SQLAlchemy's pool and back in cost 7 % of a rendered dashboard's
    instructions. One kept idle past IDLE_PING_SECONDS is checked first, as the pool checks its own.
    A forked process never uses its parent's.
    """

    def __init__(self, limit: int = 8) -> None:
        self.limit = limit
        self._owner = os.getpid()
        self._idle: deque[tuple[Connection, float]] = deque()  # appends and pops are atomic across threads

    def take(self) -> Connection | None:
        if os.getpid() != self._owner:
            self._owner, self._idle = os.getpid(), deque()  # the parent's: left to it, never closed here
        while True:
            try:
                connection, since = self._idle.pop()
            except IndexError:
                return None
            if time.monotonic() - since < IDLE_PING_SECONDS or _answers(connection.connection.driver_connection):
                return connection
            connection.invalidate()  # the pool connects afresh in its place
            connection.close()

    def keep(self, connection: Connection) -> None:
        if connection.closed or connection.invalidated or len(self._idle) >= self.limit \
                or os.getpid() != self._owner:
            connection.close()
            return
        if connection.in_transaction():  # SQLAlchemy's own bookkeeping; the database has none open (autocommit)
            connection.rollback()
        self._idle.append((connection, time.monotonic()))

    def drop(self, _engine: Engine | None = None) -> None:
        """Close every kept connection (the engine was disposed: tests drop databases after)."""
        while self._idle:
            connection = self._idle.pop()[0]
            connection.invalidate()
            connection.close()


def _wants_write() -> bool:
    return not has_request_context() or request.method not in READ_ONLY_METHODS


def session() -> Session:
    """The app context's session, created on first use."""
    if "lms_session" not in g:
        bind = engine()
        if bind.dialect.name == "sqlite" and _wants_write():
            bind = bind.execution_options(sqlite_immediate=True)
        g.lms_session = Session(bind, expire_on_commit=False)
        g.lms_session.info["after_commit"] = []
    return g.lms_session


def after_commit(callback: Callable[[], None]) -> None:
    """Run callback once the current transaction has committed; dropped if it rolls back."""
    session().info["after_commit"].append(callback)


def commit() -> None:
    """The one place a transaction is committed, followed by its queued side effects."""
    if has_request_context() and "lms_session" not in g:
        return  # the request never used the database: nothing to commit
    current = session()
    if current.in_transaction():  # a page that only read has none: committing nothing cost 5 % of a lesson page
        current.commit()
    callbacks, current.info["after_commit"] = current.info["after_commit"], []
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a side effect must never undo or hide a committed change
            log.exception("after-commit callback failed")


def rollback() -> None:
    if "lms_session" in g:
        g.lms_session.rollback()
        g.lms_session.info["after_commit"] = []


@contextmanager
def transaction() -> Iterator[Session]:
    """One transaction for a CLI command or job: commit on success, roll back on error."""
    current = session()
    try:
        yield current
        commit()
    except BaseException:
        rollback()
        raise


def release(_exc: BaseException | None = None) -> None:
    """Close the app context's session and keep its reading connection for the next (every app's context teardown)."""
    namespace = g._get_current_object()
    current = namespace.pop("lms_session", None)
    # One that never began a transaction and holds no rows has nothing to release (a page that only read
    # through db.reader()): closing it anyway was 2 % of a lesson page.
    if current is not None and (current.in_transaction() or current.identity_map or current.new):
        current.close()
    reads = namespace.pop("lms_reader", None)
    if reads is not None:
        current_app.extensions["lms.readers"].keep(reads)


def utcnow() -> datetime:
    """Aware UTC now: SQLModel's datetime columns store and return aware UTC values."""
    return datetime.now(UTC)
