"""The LRS served by a lean Flask app of its own (see ``lms.lean``), mounted in front of the main app at /xapi/,
with one Core connection per request and the main app's rule for committing: commit below 400, roll back otherwise.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from sqlalchemy import Connection
from sqlmodel import Session
from werkzeug.exceptions import HTTPException

from lms import db, lean
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
    """This request's connection, in a transaction (SQLite writers take the write lock up front)."""
    conn = g.get("xapi_conn")
    if conn is None:
        bind = db.engine()
        if bind.dialect.name == "sqlite" and request.method not in _READS:
            writers = _sqlite_writers()
            if writers is None:
                bind = bind.execution_options(sqlite_immediate=True)
            else:
                writers.acquire()
                g.xapi_writers = writers
                bind = writers.engine
        conn = bind.connect()
        g.xapi_conn = conn
        conn.begin()
    return conn


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
    conn = g.pop("xapi_conn", None)
    writers = g.pop("xapi_writers", None)
    callbacks = g.pop("xapi_after_commit", [])
    session = g.pop("xapi_orm", None)
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
                    conn.close()


def _finish(response: Response) -> Response:
    _end(commit=response.status_code < 400)
    return response


def _close(_exc: BaseException | None) -> None:
    _end(commit=False)  # only reached with work left when the request failed before _finish


def mount(app: Flask, blueprints: list) -> Flask:
    """Build the LRS app beside ``app`` and route /xapi/ to it; returns the LRS app."""
    from lms.xapi.http import configure, json_error

    lrs = lean.lean_app(app, "lms.xapi")
    app.extensions["lms.xapi.app"] = lrs
    for blueprint in blueprints:
        lrs.register_blueprint(blueprint)
    lrs.after_request(_finish)
    lrs.teardown_appcontext(_close)
    configure(lrs)

    @lrs.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return json_error(error.code or 500, error.description or error.name)

    if not app.testing:  # tests want the traceback

        @lrs.errorhandler(Exception)
        def _unexpected(error: Exception):
            lrs.logger.error("LRS request failed", exc_info=error)
            return json_error(500, "the LRS could not complete the request")

    lean.mount(app, PREFIX, lrs)
    return lrs
