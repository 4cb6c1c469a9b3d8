"""Lean Flask apps for machine-facing paths (the LRS, the verification API), mounted in front of the main app.

Every request to the main app pays for its page machinery: the cookie session and sign-in, CSRF,
the ORM session, the security headers of pages. Machine clients use none of it, and these paths
take hundreds of requests a second, so each gets a Flask app of its own that shares the main app's
config, engine and extensions but registers only its own blueprints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response
from flask.sessions import SessionInterface
from werkzeug.exceptions import HTTPException, InternalServerError

from lms import db

_DISPATCH = "lms.lean.dispatch"
# A machine answer is never a page: it runs no scripts (even opened as a page: sandbox), is never framed, and
# holds live status, so no cache keeps it.
_API_HEADERS = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


class _NoSessions(SessionInterface):
    """A lean app keeps no cookie session: skip opening and signing one on every request."""

    def open_session(self, app: Flask, request):  # noqa: ANN001, ANN201
        return None  # Flask then uses a NullSession

    def save_session(self, app: Flask, session, response) -> None:  # noqa: ANN001
        return None


class PrefixDispatch:
    """WSGI: a path under a mounted prefix to its lean app, everything else to the main app."""

    def __init__(self, main: Callable[..., Any]):
        self.main = main
        self.mounts: list[tuple[str, Callable[..., Any]]] = []
        self.apps: list[Flask] = []  # the lean apps behind the mounts

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204
        path = environ.get("PATH_INFO", "")
        for prefix, lean in self.mounts:
            if path == prefix or path.startswith(prefix + "/"):
                return lean(environ, start_response)
        return self.main(environ, start_response)


def lean_app(app: Flask, name: str) -> Flask:
    """A Flask app sharing app's config and extensions (engine, plugin hooks, caches), with no sessions.

    It is the main app's class, so the same speed devices are on in both.
    """
    lean = type(app)(name, instance_path=app.instance_path)
    lean.config = app.config
    lean.session_interface = _NoSessions()
    lean.extensions = app.extensions
    lean.teardown_appcontext(db.release)  # a view may still read through db.reader()
    return lean


def mount(app: Flask, prefix: str, lean: Flask) -> None:
    """Route requests under prefix to lean, ahead of the main app (behind the same trusted proxies)."""
    from lms.auth.security import trust_proxies

    dispatch = app.extensions.get(_DISPATCH)
    if dispatch is None:
        dispatch = app.extensions[_DISPATCH] = PrefixDispatch(app.wsgi_app)
        app.wsgi_app = dispatch
    trust_proxies(lean)
    dispatch.mounts.append((prefix, lean.wsgi_app))
    dispatch.apps.append(lean)


def mounted_apps(app: Flask) -> list[Flask]:
    """The lean apps mounted in front of app (whatever walks every route of the app walks theirs too)."""
    dispatch = app.extensions.get(_DISPATCH)
    return list(dispatch.apps) if dispatch is not None else []


def api_headers(app: Flask) -> dict[str, str]:
    """The headers every answer of a lean app carries (HSTS too in production)."""
    from lms.auth.security import HSTS

    return {**_API_HEADERS, **({"Strict-Transport-Security": HSTS} if app.config["ENV"] == "production" else {})}


def json_api(app: Flask, name: str, prefix: str, blueprints: list[Blueprint]) -> Flask:
    """A lean JSON API under prefix: the blueprints' views, JSON errors, and the headers every answer carries."""
    from lms.web import json_error

    api = lean_app(app, name)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    headers = api_headers(app)

    @api.after_request
    def _headers(response: Response) -> Response:
        response.headers.update(headers)
        return response

    api.register_error_handler(HTTPException, json_error)
    if not app.testing:  # tests want the traceback

        @api.errorhandler(Exception)
        def _unexpected(error: Exception) -> Response:
            api.logger.error("%s request failed", name, exc_info=error)
            return json_error(InternalServerError())

    mount(app, prefix, api)
    return api
