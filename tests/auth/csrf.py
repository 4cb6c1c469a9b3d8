"""A reusable check that every POST route refuses a request without a CSRF token."""

from __future__ import annotations

import uuid

from flask import Flask

from lms.web import CSRF_MESSAGE
from tests.routes import variables

# Placeholder values for URL variables by converter; the token check runs before any view code,
# so the values need only build a URL, not name a real record.
PLACEHOLDERS = {"int": 1, "id": 1, "uuid": uuid.UUID(int=1), "float": 1.0}
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The one part of the app left without CSRF checks: the LRS authenticates its clients with HTTP Basic on
# every request and never reads a browser session, so there is nothing to forge.
EXEMPT_PREFIX = "/xapi"


def post_urls(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) for every rule that accepts POST (or else PUT, PATCH or DELETE)."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            method = next((m for m in UNSAFE_METHODS if m in rule.methods), None)
            if method is None:
                continue
            values = {v.name: v.first_option if v.converter == "any" else PLACEHOLDERS.get(v.converter, "x")
                      for v in variables(rule)}
            urls.append((rule.endpoint, method, rule.build(values, append_unknown=False)[1]))
    return urls


def routes_accepting_missing_csrf(app: Flask, *, skip: set[str] = frozenset()) -> dict[str, int]:
    """POST to every unsafe route without a token; returns those not refused by the CSRF check (should be empty).

    Turns CSRF checking on for the app for the duration of the call.
    """
    previous = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        failures = {}
        for endpoint, method, url in post_urls(app):
            if endpoint in skip or url.startswith(EXEMPT_PREFIX):
                continue
            response = client.open(url, method=method, data={"anything": "x"})
            # A 400 from the view itself (a form error) would hide a missing check: look for CSRF's own.
            if response.status_code != 400 or CSRF_MESSAGE not in response.get_data(as_text=True):
                failures[f"{endpoint} {method} {url}"] = response.status_code
        return failures
    finally:
        app.config["WTF_CSRF_ENABLED"] = previous
