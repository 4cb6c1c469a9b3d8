"""The LRS's answers: JSON bodies, JSON errors naming the field and rule, and the headers every answer carries."""

from __future__ import annotations

import json

from flask import Response, g

from lms import lean
from lms.xapi import store
from lms.xapi.validation import Invalid

VERSION_HEADER = "X-Experience-API-Version"
SUPPORTED = ("1.0.3", "2.0.0")


class XapiError(Exception):
    """An LRS error answer: status, message, and the field and rule when a value is at fault."""

    def __init__(self, status: int, message: str, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field, self.rule = status, message, field, rule


def respond(body: bytes | str | dict | list | None, status: int = 200, content_type: str = "application/json",
            headers: dict | None = None) -> Response:
    if isinstance(body, (dict, list)):
        body = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    response = Response(body if body is not None else b"", status=status, content_type=content_type)
    if body is None:
        response.headers.remove("Content-Type")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def json_error(status: int, message: str, field: str | None = None, rule: str | None = None) -> Response:
    body = {"error": message, "status": status}
    if field:
        body["field"] = field
    if rule:
        body["rule"] = rule
    return respond(body, status)


def configure(lrs) -> None:  # noqa: ANN001
    """JSON errors naming the field and rule, the version header, and the headers no answer may lack."""

    @lrs.errorhandler(XapiError)
    def _xapi_error(error: XapiError):
        return json_error(error.status, error.message, error.field, error.rule)

    @lrs.errorhandler(Invalid)
    def _invalid(error: Invalid):
        return json_error(400, f"{error.field} {error.rule}", error.field, error.rule)

    @lrs.errorhandler(store.Conflict)
    def _conflict(error: store.Conflict):
        return json_error(409, str(error), "id", "a statement id cannot be reused for different content")

    @lrs.after_request
    def _version(response: Response) -> Response:
        response.headers[VERSION_HEADER] = g.get("xapi_version", SUPPORTED[-1])
        return response

    # No answer is a page: a stored document or statement must never run script or be framed in this origin.
    lrs.wsgi_app = _answering_with(lrs.wsgi_app, list(lean.api_headers(lrs).items()))


def _answering_with(wsgi_app, headers: list[tuple[str, str]]):  # noqa: ANN001, ANN202
    """wsgi_app with headers added to every answer as it starts (WSGI middleware).

    Added to the response object instead, through Werkzeug's Headers, which checks each value it is
    given, these four cost 29,000 instructions per answer (1.6 % of a single-statement POST); here 1,600.
    """

    def app(environ, start_response):  # noqa: ANN001, ANN202
        def start(status, response_headers, exc_info=None):  # noqa: ANN001, ANN202
            return start_response(status, response_headers + headers, exc_info)

        return wsgi_app(environ, start)

    return app
