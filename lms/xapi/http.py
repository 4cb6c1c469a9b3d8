"""The LRS's HTTP rules shared by every resource: version negotiation, the alternate request
syntax (1.0.x only, never from another site's page), and HTTP Basic with LRS clients (checked before
any lock is taken, failures rate-limited and audited). Answers are made in ``answers``.

Resource views read the request only through ``XapiRequest`` (``g.xapi``), so the alternate
syntax (a POST carrying method, headers and content as form fields) needs no special case there.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import parse_qs

from flask import Blueprint, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import Headers, MultiDict

from lms import db
from lms.auth.security import csrf
from lms.auth.throttle import spend
from lms.xapi import clients, wsgi
from lms.xapi.answers import SUPPORTED, VERSION_HEADER, XapiError  # noqa: F401  (the resources import them here)
from lms.xapi.clients import Client, ClientCache, Refused
from lms.xapi.values import has_control

# Form fields the alternate request syntax treats as headers (1.0.3 section 7.8).
_FORM_HEADERS = {"authorization", "x-experience-api-version", "content-type", "content-length", "if-match",
                 "if-none-match"}


@dataclass
class XapiRequest:
    method: str
    args: MultiDict
    headers: Headers
    body: bytes
    version: str  # negotiated: 1.0.3 or 2.0.0
    client: Client | None = None

    @property
    def v2(self) -> bool:
        return self.version.startswith("2.")

    @property
    def mimetype(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def content_type_param(self, name: str) -> str | None:
        for piece in self.headers.get("Content-Type", "").split(";")[1:]:
            key, _, value = piece.strip().partition("=")
            if key.strip().lower() == name:
                return value.strip().strip('"')
        return None


def negotiate(value: str | None) -> str | None:
    """The version to answer with for a request header value; None when unsupported."""
    if value is None:
        return None
    value = value.strip()
    if value in ("1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3"):
        return "1.0.3"
    if value in ("2.0", "2.0.0"):
        return "2.0.0"
    return None


def _from_another_site(here) -> bool:  # noqa: ANN001
    """Whether a browser says another site's page sent this request (a non-browser client sends neither header).

    Same-site is another origin too: a page on a sibling host under the same domain.
    """
    if here.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = here.headers.get("Origin")
    return origin is not None and origin != here.host_url.rstrip("/")


def _alternate(version_header: str | None) -> tuple[str, MultiDict, Headers, bytes]:
    """Unpack the alternate request syntax: POST ?method=X with headers and content as form fields.

    A form on any site can send those fields, credentials included, and the browser shows the answer
    in this origin: so a request a browser marks as coming from another site's page is refused.
    """
    if _from_another_site(request):
        raise XapiError(403, "the alternate request syntax is refused from another site's page: send the "
                        "request with an Authorization header from your own client", "method")
    if request.method != "POST":
        raise XapiError(400, "the alternate request syntax must be sent as a POST", "method")
    if set(request.args) != {"method"}:
        raise XapiError(400, "the alternate request syntax allows only 'method' in the query string", "method")
    method = request.args["method"].upper()
    if method not in ("GET", "PUT", "POST", "DELETE", "HEAD"):
        raise XapiError(400, "method must be GET, PUT, POST, DELETE or HEAD", "method")
    if request.mimetype != "application/x-www-form-urlencoded":
        raise XapiError(400, "the alternate request syntax needs an application/x-www-form-urlencoded body",
                        "Content-Type")
    try:
        form = parse_qs(request.get_data().decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                        errors="strict")
    except UnicodeDecodeError:
        raise XapiError(400, "the form is not UTF-8 (nor are all its percent-encoded values)", "content") from None
    headers = Headers()
    args = MultiDict()
    body = b""
    for name, values in form.items():
        if name.lower() in _FORM_HEADERS:
            if has_control(values[-1]):
                raise XapiError(400, f"the form field {name} stands for a header, and a header cannot hold a line "
                                "break or other control character", name)
            headers[name] = values[-1]
        elif name == "content":
            body = values[-1].encode("utf-8")
        else:
            for value in values:
                args.add(name, value)
    if "Authorization" not in headers and "Authorization" in request.headers:
        headers["Authorization"] = request.headers["Authorization"]
    if VERSION_HEADER not in headers and version_header is not None:
        headers[VERSION_HEADER] = version_header
    if "Content-Type" not in headers and body:
        headers["Content-Type"] = "application/json"
    if method in ("PUT", "POST") and not body:
        raise XapiError(400, "the alternate request syntax needs the body in a form field named content", "content")
    return method, args, headers, body


def _authenticate(headers: Headers) -> Client:
    raw = headers.get("Authorization", "")
    scheme, _, credentials = raw.partition(" ")
    if scheme.lower() != "basic" or not credentials:
        raise XapiError(401, "authentication required: HTTP Basic with an LRS client's key and secret",
                        "Authorization")
    try:
        key, colon, secret = base64.b64decode(credentials.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise XapiError(401, "the Authorization header is not valid HTTP Basic", "Authorization") from None
    if not colon or "\0" in key:
        raise XapiError(401, "the Authorization header is not valid HTTP Basic", "Authorization")
    cache: ClientCache = current_app.extensions["lms.xapi.clients"]
    # Read through the context's reading connection, not this request's (a writer's takes SQLite's write lock):
    # the slow hash of a wrong secret must hold no lock that writers wait for.
    client = cache.authenticate(db.reader, key, secret, before_check=lambda: _count_check(key))
    if type(client) is Refused:
        try:
            with wsgi.apart() as session:  # this request is rolled back; its audit row must stay
                clients.record_refusal(session, key, client, request.remote_addr)
        except SQLAlchemyError:  # the refusal stands; an audit row that could not be written is logged instead
            current_app.logger.exception("could not audit refused LRS credentials for key %r", key[:80])
        raise XapiError(401, "unknown or revoked LRS client credentials", "Authorization")
    return client


def _count_check(key: str) -> None:
    """Count a full check of credentials (429 past the limits, before any hash): per address, and per key."""
    spend("XAPI_AUTH_RATE_LIMIT")
    spend("XAPI_AUTH_KEY_RATE_LIMIT", who=key[:200], named="with this client key")


# The version each client key last negotiated in this process: an answer to a request without a
# usable version header (a 400) is labelled with the version that client speaks.
_last_version: dict[str, str] = {}


def _client_key(headers: Headers) -> str:
    scheme, _, credentials = headers.get("Authorization", "").partition(" ")
    try:
        return base64.b64decode(credentials.strip()).decode("utf-8").partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return ""


def begin(*, needs_auth: bool = True, needs_version: bool = True) -> XapiRequest:
    """Build g.xapi for this request, enforcing the version header and authentication."""
    here, context = request._get_current_object(), g._get_current_object()  # each proxy read once
    version_header = here.headers.get(VERSION_HEADER)
    context.xapi_version = negotiate(version_header) or _last_version.get(_client_key(here.headers), SUPPORTED[-1])
    alternate = "method" in here.args
    if alternate:
        method, args, headers, body = _alternate(version_header)
    else:
        method, args, headers, body = here.method, here.args, here.headers, here.get_data()
    chosen = negotiate(headers.get(VERSION_HEADER))
    if chosen is not None:
        context.xapi_version = chosen
    if chosen == "2.0.0" and alternate:
        raise XapiError(400, "xAPI 2.0 has no alternate request syntax", "method")
    if chosen is None and needs_version:
        given = headers.get(VERSION_HEADER)
        raise XapiError(400, f"{VERSION_HEADER} header is required and must be one of {', '.join(SUPPORTED)}"
                        + (f" (got {given!r})" if given else ""), VERSION_HEADER)
    for name, value in args.items(multi=True):  # no column of PostgreSQL's text can hold one
        if "\0" in name or "\0" in value:
            raise XapiError(400, f"the parameter {name!r} holds a NUL character", name.replace("\0", ""))
    xreq = XapiRequest(method, args, headers, body, chosen or SUPPORTED[0])
    if needs_auth:
        xreq.client = _authenticate(headers)
        if chosen is not None and _last_version.get(xreq.client.key) != chosen and len(_last_version) < 10_000:
            _last_version[xreq.client.key] = chosen
    context.xapi = xreq
    return xreq


def current() -> XapiRequest:
    return g.xapi


def install(bp: Blueprint) -> None:
    """An LRS blueprint takes no forms or cookies: exempt it from CSRF."""
    csrf.exempt(bp)

    @bp.record_once
    def _setup(state) -> None:  # noqa: ANN001
        init_app(state.app)


def init_app(app) -> None:  # noqa: ANN001
    """Per-app caches: verified client credentials, and activity definitions already stored."""
    if "lms.xapi.clients" not in app.extensions:
        app.extensions["lms.xapi.clients"] = ClientCache(app.config["XAPI_CLIENT_CACHE_SECONDS"])
        app.extensions["lms.xapi.activities"] = {}
