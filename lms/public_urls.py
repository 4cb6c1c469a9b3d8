"""Absolute addresses for people outside a request (certificate links, join and reset links): PUBLIC_BASE_URL only.

An address handed to someone else, printed on a certificate or signed into one must not come from the
request that happened to make it: its Host header (or X-Forwarded-Host, or the script root) is whatever
the client sent. So the path comes from the app's routes bound to no request, and the scheme, host and
any prefix from the configured PUBLIC_BASE_URL.
"""

from __future__ import annotations

from typing import Any

from flask import current_app


def public_base_url() -> str:
    """The configured public address, without a trailing slash."""
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def external_url(endpoint: str, **values: Any) -> str:
    """The public address of a page: PUBLIC_BASE_URL followed by the route's path (extra values become the query)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)  # a path: the host given here is not used
    return public_base_url() + path
