"""The LRS served by a lean Flask app of its own, mounted in front of the main app at /xapi/.

Every request to the main app pays for its page machinery: sessions and sign-in, CSRF, rate
limits, security headers, the ORM session. An LRS takes hundreds of statements a second from
tools that use none of that, so /xapi/ requests go to a second Flask app that shares the main
app's config, engine and extensions but registers only the LRS blueprints, one Core connection
per request and the same rule for committing: commit below 400, roll back otherwise.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask.sessions import SessionInterface
from sqlalchemy import Connection
from sqlmodel import Session
from werkzeug.exceptions import HTTPException

from lms import db
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


class _NoSessions(SessionInterface):
    """The LRS keeps no cookie session: skip opening and signing one on every request."""

    def open_session(self, app: Flask, request):  # noqa: ANN001, ANN201
        return None  # Flask then uses a NullSession

    def save_session(self, app: Flask, session, response) -> None:  # noqa: ANN001
        return None


class _Dispatch:
    """WSGI: /xapi/... to the LRS app, everything else to the main app."""

    def __init__(self, main, lrs):  # noqa: ANN001
        self.main, self.lrs = main, lrs

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.lrs(environ, start_response)
        return self.main(environ, start_response)


def mount(app: Flask, blueprints: list) -> Flask:
    """Build the LRS app beside ``app`` and route /xapi/ to it; returns the LRS app."""
    from lms.xapi.http import configure, json_error

    lrs = Flask("lms.xapi", instance_path=app.instance_path)
    lrs.config = app.config
    lrs.session_interface = _NoSessions()
    lrs.extensions = app.extensions  # the engine, plugin hooks, catalog and LRS caches
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

    app.wsgi_app = _Dispatch(app.wsgi_app, lrs.wsgi_app)
    return lrs
