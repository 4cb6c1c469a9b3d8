"""Flask-WTF: a session's signed CSRF token, reused for a minute instead of signed afresh on every page.

What it buys (bench/pages.py, a rendered dashboard): Flask-WTF signs the session's CSRF secret with a timestamp
whenever a request first needs a token (every page with a form or the sign-out button), about 4 % of a rendered
dashboard's time. A token stays valid for WTF_CSRF_TIME_LIMIT (an hour), so one signed up to a minute ago serves
as well. The token is only ever reused for the session secret and signing key it was made from.

Private names touched: ``g.csrf_token``, where ``generate_csrf`` keeps the request's signed token (it returns
that one instead of signing again), set before Flask-WTF looks and read after.
Checked on: Flask-WTF 1.3.0.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, Response, current_app, g, session
from flask_wtf.csrf import generate_csrf

from lms.speedups import EXTENSION

DEVICE = "flask_wtf"
REUSE_SECONDS = 60
LIMIT = 4096  # sessions remembered per process
FIELD = "csrf_token"  # Flask-WTF's default WTF_CSRF_FIELD_NAME: the session key and the attribute of g


class RecentTokens:
    """Signed tokens by (signing key, session secret), with the time each was made."""

    def __init__(self, seconds: float = REUSE_SECONDS, timer: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.timer = timer
        self._tokens: dict[tuple, tuple[str, float]] = {}

    def get(self, key: tuple) -> str | None:
        known = self._tokens.get(key)
        return known[0] if known is not None and self.timer() - known[1] < self.seconds else None

    def keep(self, key: tuple, token: str) -> None:
        if self.get(key) == token:
            return  # reused, not new: keeping its time makes sure it is not handed out once a minute old
        if len(self._tokens) >= LIMIT:
            self._tokens.clear()
        self._tokens[key] = (token, self.timer())


def current_token() -> str:
    """This request's signed token: Flask-WTF's ``generate_csrf``, taken straight from ``g`` once made there.

    ``generate_csrf`` reads the app, its configuration and ``g`` through six proxies before it looks there.
    """
    if DEVICE not in current_app.extensions[EXTENSION]:
        return generate_csrf()
    token = g._get_current_object().get(FIELD)
    return token if token is not None else generate_csrf()


def init_app(app: Flask) -> None:
    """Reuse recent tokens in this app (only while the device is on)."""
    if DEVICE not in app.extensions[EXTENSION]:
        return
    tokens = app.extensions["lms.csrf_tokens"] = RecentTokens()

    # This app's, not current_app's: each read through a proxy costs about a microsecond.
    def key() -> tuple | None:
        secret = session.get(FIELD)
        if not isinstance(secret, str):
            return None
        return app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, secret

    @app.before_request
    def _reuse() -> None:
        namespace = g._get_current_object()
        found = namespace.lms_csrf_key = key()
        token = tokens.get(found) if found else None
        # A token left from an earlier request in the same app context (tests) is not this one's.
        namespace.pop(FIELD, None)
        if token is not None:
            setattr(namespace, FIELD, token)  # Flask-WTF's generate_csrf returns this instead of signing again

    @app.after_request
    def _remember(response: Response) -> Response:
        namespace = g._get_current_object()
        token = namespace.get(FIELD)
        found = key() if token else None
        # Not when the session's secret was made or replaced during the request (signing in starts a new
        # session): the token in g may then belong to the secret before.
        if found and found == namespace.get("lms_csrf_key"):
            tokens.keep(found, token)
        return response
