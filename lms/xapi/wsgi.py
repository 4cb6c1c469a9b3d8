"""The LRS served by a lean Flask app of its own (see ``lms.lean``), mounted in front of the main app at /xapi/,
with one Core connection per request and the main app's rule for committing: commit below 400, roll back otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g, request
from sqlalchemy import Connection, event
from sqlmodel import Session
from werkzeug.exceptions import HTTPException

from lms import db, lean
from lms.xapi.answers import configure, json_error
from lms.xapi.sqlite_writes import SqliteWriters

PREFIX = "/xapi"
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sqlite_writers() -> SqliteWriters | None:
    main = db.engine()
    if not main.url.database or main.url.database == ":memory:":
        return None
    writers = current_app.extensions.get("lms.xapi.sqlite_writers")
    if writers is None:
        writers = current_app.extensions["lms.xapi.sqlite_writers"] = SqliteWriters(main)
    return writers


def connection() -> Connection:
    """This request's connection, in a transaction (SQLite writers take the write lock up front).

    It is kept for a later request rather than returned to the pool: checking out and in cost 6 % of a
    single-statement POST, on SQLite and on PostgreSQL.
    """
    context = g._get_current_object()  # each read through the proxy costs a microsecond
    conn = context.get("xapi_conn")
    if conn is None:
        bind, kept = db.engine(), current_app.extensions["lms.xapi.kept"]
        if bind.dialect.name == "sqlite" and request.method not in _READS:
            writers = _sqlite_writers()
            if writers is None:  # an in-memory database: one engine, a connection per request
                bind, kept = bind.execution_options(sqlite_immediate=True), None
            else:
                writers.acquire()
                context.xapi_writers = writers
                bind, kept = writers.engine, writers.kept
        conn = (kept.take() if kept is not None else None) or bind.connect()
        context.xapi_conn, context.xapi_kept = conn, kept
        conn.begin()
    return conn


@contextmanager
def apart() -> Iterator[Session]:
    """An ORM session in a short transaction of its own, committed on leaving whatever becomes of the request's
    (which a refusal rolls back). An SQLite writer queues with the LRS's writers, so it never makes them poll.

    Never while this request holds the write lock (``connection`` in a write): the writers' turn is not re-entrant.
    """
    bind = db.engine()
    writers = _sqlite_writers() if bind.dialect.name == "sqlite" else None
    if writers is not None:
        writers.acquire()
        bind = writers.engine
    elif bind.dialect.name == "sqlite":
        bind = bind.execution_options(sqlite_immediate=True)
    try:
        with bind.connect() as conn, conn.begin(), Session(bind=conn) as session:
            yield session
            session.flush()
    finally:
        if writers is not None:
            writers.release()


def orm_session() -> Session:
    """An ORM session in this request's transaction (for plugin hooks, which expect one)."""
    session = g.get("xapi_orm")
    if session is None:
        session = g.xapi_orm = Session(bind=connection(), join_transaction_mode="conditional_savepoint")
    return session


def after_commit(callback) -> None:  # noqa: ANN001
    """Run callback once this request's transaction has committed (dropped on rollback)."""
    g.setdefault("xapi_after_commit", []).append(callback)


def restart() -> Connection:
    """Roll back and start again (a concurrent writer won a unique-key race; the caller retries)."""
    _end(commit=False)
    return connection()


def _end(commit: bool) -> None:
    context = g._get_current_object()  # each read through the proxy costs a microsecond
    conn = context.pop("xapi_conn", None)
    kept = context.pop("xapi_kept", None)
    writers = context.pop("xapi_writers", None)
    callbacks = context.pop("xapi_after_commit", [])
    session = context.pop("xapi_orm", None)
    try:
        if session is not None:  # a plugin's changes go into the transaction before it commits
            if commit:
                session.flush()
            session.close()
        if conn is not None:
            conn.commit() if commit else conn.rollback()
        if commit:
            for callback in callbacks:
                callback()
    finally:
        try:
            if writers is not None:
                writers.release()
        finally:
            if conn is not None:
                try:
                    if writers is not None:
                        writers.after_release(conn)
                finally:
                    if kept is not None:
                        kept.keep(conn)
                    else:
                        conn.close()


def _finish(response: Response) -> Response:
    _end(commit=response.status_code < 400)
    return response


def _close(_exc: BaseException | None) -> None:
    _end(commit=False)  # only reached with work left when the request failed before _finish


def mount(app: Flask, blueprints: list) -> Flask:
    """Build the LRS app beside ``app`` and route /xapi/ to it; returns the LRS app."""
    lrs = lean.lean_app(app, "lms.xapi")
    app.extensions["lms.xapi.app"] = lrs
    # The main engine's connections kept between requests (see ``connection``), closed with it.
    kept = app.extensions["lms.xapi.kept"] = db.KeptConnections()
    event.listen(app.extensions["lms.engine"], "engine_disposed", kept.drop)
    for blueprint in blueprints:
        lrs.register_blueprint(blueprint)
    lrs.after_request(_finish)
    lrs.teardown_appcontext(_close)
    configure(lrs)

    @lrs.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        response = json_error(error.code or 500, error.description or error.name)
        for name, value in error.get_headers():  # Retry-After of a 429, Allow of a 405
            if name != "Content-Type":
                response.headers[name] = value
        return response

    if not app.testing:  # tests want the traceback

        @lrs.errorhandler(Exception)
        def _unexpected(error: Exception):
            lrs.logger.error("LRS request failed", exc_info=error)
            return json_error(500, "the LRS could not complete the request")

    lean.mount(app, PREFIX, lrs)
    return lrs
