"""Bearer-token authentication for JSON endpoints called by other systems (never a browser session)."""

from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import g, jsonify, request

from lms import db
from lms.api_tokens import services
from lms.api_tokens.models import ApiToken

REALM = "lms-api"


def _refuse(message: str, error: str | None):  # noqa: ANN202
    # RFC 6750: a Bearer challenge, never Basic, so a browser shows no password prompt.
    challenge = f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")
    return jsonify({"error": message}), 401, {"WWW-Authenticate": challenge}


def token_required(view: Callable) -> Callable:
    """Allow the view only with ``Authorization: Bearer <token>`` of an active token (401 otherwise).

    The token is in ``current_token()``; its use is recorded once the request has committed.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003
        header = request.headers.get("Authorization", "")
        if not header:
            return _refuse("Send an API token: Authorization: Bearer <token>", None)
        token = services.authenticate(db.session(), services.bearer_secret(header))
        if token is None:
            return _refuse("The API token is not valid: it is wrong, malformed or revoked", "invalid_token")
        g.api_token = token
        engine, token_id, now = db.engine(), token.id, db.utcnow()
        db.after_commit(lambda: services.mark_used(engine, token_id, now))
        return view(*args, **kwargs)

    return wrapped


def current_token() -> ApiToken:
    return g.api_token
