"""The signed cookie session: a sliding lifetime that re-signs the cookie once a minute, not on every request,
and a cookie checked once per process until it is re-signed."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

# A permanent session lasts PERMANENT_SESSION_LIFETIME after the last visit, give or take this much.
REFRESH_SECONDS = 60
# Cookies remembered as verified per process; a browser's cookie changes once a minute, so this is ample.
VERIFIED_LIMIT = 4096
_SCALARS = (str, int, float, bool, type(None))


class SlidingCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, re-signed only when it changed or its signature is a minute old.

    Flask re-signs and re-sends a permanent session's cookie on every request to slide its expiry;
    that, and building a new serializer twice per request, cost about a fifth of a bare request.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}
        # (serializer, cookie) -> (data, signed_at): a cookie is the same text on every request until it is
        # re-signed, and checking its signature and decoding it again was about 4 % of a rendered dashboard.
        self._verified: dict[tuple[URLSafeTimedSerializer, str], tuple[dict, datetime]] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:  # a new key (tests change it) gets a serializer of its own
            serializer = self._serializers[key] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._verified.get((serializer, value))
        if known is not None and (datetime.now(UTC) - known[1]).total_seconds() <= max_age:
            data, signed_at = known
        else:
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            if len(self._verified) >= VERIFIED_LIMIT:
                self._verified.clear()
            self._verified[serializer, value] = (data, signed_at)
        # A request may change its session (flashed messages are a list): never the remembered copy.
        fresh = dict(data) if all(type(v) in _SCALARS for v in data.values()) else copy.deepcopy(data)
        session = self.session_class(fresh)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SecureCookieSession) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or (datetime.now(UTC) - signed_at).total_seconds() >= REFRESH_SECONDS

    def save_session(self, app: Flask, session: SecureCookieSession, response: Response) -> None:
        """Flask's, going straight to ``Vary: Cookie`` when a session in use keeps its cookie (most requests).

        Flask works out all seven cookie settings first, and parses and rewrites the Vary header.
        """
        if not session or self.should_set_cookie(app, session):
            super().save_session(app, session, response)
        elif session.accessed:
            if "Vary" in response.headers:
                response.vary.add("Cookie")
            else:
                response.headers["Vary"] = "Cookie"
