"""Sessions, sign-in loading, CSRF, rate limits and security headers for every response."""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import wraps
from typing import Callable

from flask import Flask, abort, current_app, g, jsonify, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_login.utils import login_url
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import db
from lms.auth import throttle
from lms.auth.cookies import SlidingCookieSessionInterface
from lms.auth.principal import AnonymousPrincipal, Principal, load_principal, read_principal  # noqa: F401  (tests import it here)
from lms.speedups import flask_login as flask_login_device
from lms.speedups import flask_wtf as flask_wtf_device
from lms.web import wants_json

csrf = CSRFProtect()
login_manager = LoginManager()
# Paths that are never cached and that a browser caches for a day.
STATIC_PREFIXES = ("/assets/", "/static/")
HSTS = "max-age=31536000; includeSubDomains"
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# Sent with every response (with CSP, and HSTS in production) unless the view set its own.
HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
           ("Cross-Origin-Opener-Policy", "same-origin"),
           ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"))


@login_manager.user_loader
def _load_user(token: str) -> Principal | None:
    user_id, _, version = token.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    # In a transaction under way, as it sees the person (roles it just added included); otherwise with no
    # ORM session at all: a page kept for the person (lms.pages), or one only read (the dashboard), is
    # then served without one, which cost more than the page.
    principal = read_principal(db.reader(), int(user_id))
    # A password change or reset bumps the version, ending every session made with the old one.
    if principal is None or not principal.is_active or principal.session_version != int(version):
        return None
    return principal


@login_manager.unauthorized_handler
def _unauthorized():
    """JSON paths get 401; the home page sends visitors to the start page; other pages to sign in."""
    if wants_json():
        return jsonify({"error": "Sign in to continue"}), 401
    if request.path == "/" and "auth.start" in current_app.view_functions:
        return redirect(url_for("auth.start"))
    return redirect(login_url("auth.sign_in", next_url=request.full_path.rstrip("?")))


def start_session(principal: Principal) -> None:
    """Sign in afresh: drop everything the old session held (no fixation), then keep it permanent."""
    logout_user()
    session.clear()
    login_user(principal)
    session.permanent = True


def configure_security(app: Flask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["SESSION_LIFETIME_MINUTES"])
    if app.config["ENV"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = SlidingCookieSessionInterface()
    trust_proxies(app)
    csrf.init_app(app)
    flask_wtf_device.init_app(app)
    throttle.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    # Flask-Login's "basic" protection hashes the address and browser on every request only to mark the session
    # not fresh; no page asks for a fresh sign-in, so it protected nothing. Sessions end for real through
    # users.session_version (sign-out everywhere, password change).
    login_manager.session_protection = None
    login_manager.anonymous_user = AnonymousPrincipal

    @app.before_request
    def _fresh_request() -> None:
        namespace = g._get_current_object()  # each read through the proxy costs about a microsecond
        namespace.csp_nonce = secrets.token_urlsafe(16)
        # Load the person afresh for every request, even when requests share an app context
        # (as they do in tests), so a session ended elsewhere is noticed at once.
        flask_login_device.forget_loaded_person(namespace)

    hsts = [("Strict-Transport-Security", HSTS)] if app.config["ENV"] == "production" else []

    @app.after_request
    def _headers(response):  # noqa: ANN001
        # Pages carry personal records and single-use links: keep them out of every cache.
        no_store = [] if request.path.startswith(STATIC_PREFIXES) else [("Cache-Control", "no-store")]
        wanted = [("Content-Security-Policy", CSP.format(nonce=g.get("csp_nonce", ""))), *HEADERS, *hsts, *no_store]
        # Each only where the view set none. (Not with Headers.setdefault, which raised and caught an
        # exception for every header missing: a tenth of a bare response's time.)
        present = {name.lower() for name, _ in response.headers}
        response.headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
        return response


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES, see the client address and scheme the proxies saw: rate limits key on the real client."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def roles_required(*roles: str) -> Callable:
    """View decorator: signed in and holding at least one of the roles (in any organisation)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
