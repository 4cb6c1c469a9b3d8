"""The Statements resource: PUT, POST, GET/HEAD (single, voided, filtered pages, attachments)."""

from __future__ import annotations

import json
from email.utils import format_datetime

from flask import Blueprint, current_app, g, request, url_for
from sqlalchemy.exc import DBAPIError

from lms.runtime import hooks
from lms.xapi import (cursor, document_views, formats, http, keys, multipart, params, query, rawsql, resource_views,
                      store, values, wsgi)
from lms.xapi.answers import respond
from lms.xapi.http import XapiError, XapiRequest
from lms.xapi.intake import read
from lms.xapi.models import XapiAttachment
from lms.xapi.validation import Invalid

bp = Blueprint("xapi", __name__, url_prefix="/xapi")
http.install(bp)


@bp.record_once
def _mount(state) -> None:  # noqa: ANN001
    """Registered on the main app: serve /xapi/ from the lean LRS app (see ``wsgi``)."""
    if state.app.name != "lms.xapi":
        wsgi.mount(state.app, [bp, resource_views.bp, document_views.bp])


_LIST_PARAMS = frozenset({"agent", "verb", "activity", "registration", "related_activities", "related_agents",
                          "since", "until", "limit", "format", "attachments", "ascending"})
_SINGLE_PARAMS = frozenset({"statementId", "voidedStatementId", "format", "attachments"})


@bp.before_request
def _begin() -> None:
    http.begin()


@bp.after_request
def _consistent_through(response):  # noqa: ANN001
    """Every answer to a GET carries the header, errors included (spec 2.1.3)."""
    xreq = g.get("xapi")
    if request.method in ("GET", "HEAD") or xreq is not None and xreq.method in ("GET", "HEAD"):
        if "X-Experience-API-Consistent-Through" not in response.headers:
            response.headers["X-Experience-API-Consistent-Through"] = query.consistent_through(wsgi.connection())
    return response


@bp.route("/statements", methods=["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"])
def statements():
    xreq: XapiRequest = http.current()
    if xreq.method in ("GET", "HEAD"):
        return _get(xreq)
    if xreq.method == "PUT":
        return _put(xreq)
    if xreq.method == "POST":
        return _post(xreq)
    raise XapiError(405, f"{xreq.method} is not allowed on statements")


def writer_for(xreq: XapiRequest) -> store.Writer:
    config = current_app.config
    return store.Writer(authority=xreq.client.authority(config["XAPI_HOMEPAGE"]), client_id=xreq.client.id,
                        forward=bool(config["XAPI_FORWARD_URL"]),
                        notify=store.notifier(hooks(), wsgi.orm_session))


def _store(xreq: XapiRequest, put_id: str | None = None) -> list[str]:
    """Read the body and store its statements; a PUT's statement takes put_id."""
    if not xreq.client.may("statements/write"):
        raise XapiError(403, "this client may not write statements", "Authorization", "needs statements/write")
    version = "2.0.0" if xreq.v2 else "1.0.0"
    seen = current_app.extensions["lms.xapi.activities"]
    for attempt in (1, 2):
        statements, attachments, single = read(xreq)
        if put_id is not None:
            _check_put(statements, single, put_id)
        try:
            return store.store(wsgi.connection, statements, writer_for(xreq), version=version,
                               attachments=attachments, path="statement" if single else "statements",
                               seen_activities=seen, on_commit=wsgi.after_commit)
        except (DBAPIError, rawsql.Race) as exc:
            # Another request stored one of these ids between our check and insert (PostgreSQL):
            # once more, from the request as sent, now comparing against what it stored.
            if attempt == 2 or not rawsql.is_race(exc):
                raise
            wsgi.restart()
    raise AssertionError("unreachable")


def _check_put(statements: list[dict], single: bool, statement_id: str) -> None:
    if not single:
        raise Invalid("body", "a PUT carries one statement, not an array")
    statement = statements[0]
    if "id" in statement and statement["id"].lower() != statement_id.lower():
        raise Invalid("statement.id", "must equal the statementId parameter")
    statement["id"] = statement.get("id", statement_id)


def _put(xreq: XapiRequest):
    statement_id = xreq.args.get("statementId")
    if statement_id is None:
        raise Invalid("statementId", "is required in the query string of a PUT")
    if not values.is_uuid(statement_id):
        raise Invalid("statementId", "must be a UUID")
    params.only(xreq, {"statementId"}, "PUT statements")
    _store(xreq, put_id=statement_id)
    return respond(None, 204)


def _post(xreq: XapiRequest):
    params.only(xreq, set(), "POST statements")
    return respond(_store(xreq))


def _get(xreq: XapiRequest):
    if not xreq.client.may("statements/read"):
        raise XapiError(403, "this client may not read statements", "Authorization", "needs statements/read")
    own = xreq.client.id if xreq.client.reads_only_own else None
    fmt = xreq.args.get("format", "exact")
    if fmt not in formats.FORMATS:
        raise Invalid("format", "must be exact, ids or canonical")
    with_attachments = params.flag(xreq, "attachments")
    conn = wsgi.connection()
    headers = {"X-Experience-API-Consistent-Through": query.consistent_through(conn)}
    if "statementId" in xreq.args or "voidedStatementId" in xreq.args:
        extra = set(xreq.args) - _SINGLE_PARAMS
        if extra or ("statementId" in xreq.args and "voidedStatementId" in xreq.args):
            raise Invalid(sorted(extra)[0] if extra else "voidedStatementId",
                          "cannot be combined with statementId or voidedStatementId")
        voided = "voidedStatementId" in xreq.args
        wanted = xreq.args["voidedStatementId" if voided else "statementId"]
        if not values.is_uuid(wanted):
            raise Invalid("voidedStatementId" if voided else "statementId", "must be a UUID")
        body = query.single(conn, wanted, voided=voided, client_id=own)
        if body is None:
            raise XapiError(404, f"no statement {wanted}" + (" has been voided" if voided else ""))
        statement = json.loads(body)
        headers["Last-Modified"] = _http_date(statement["stored"])
        text = body if fmt == "exact" else json.dumps(_format(statement, fmt, xreq), ensure_ascii=False)
        return _answer(conn, text, [statement], with_attachments, headers)
    config = current_app.config
    if "more" in xreq.args:
        try:
            filters = cursor.decode(xreq.args["more"], config["SECRET_KEY"])
        except ValueError as exc:
            raise Invalid("more", f"is not a more link this LRS gave: {exc}") from None
    else:
        filters = _filters(xreq)
    page_size = config["XAPI_PAGE_SIZE"]
    rows, last = query.page(conn, filters, filters.limit if 0 < filters.limit < page_size else page_size, own)
    more = ""
    if last is not None:
        filters.after, filters.after_stored = last.seq, last.stored
        more = url_for("xapi.statements", more=cursor.encode(filters, config["SECRET_KEY"]))
    if fmt == "exact" and not with_attachments:
        bodies = [row.body for row in rows]
        statements_list = None
    else:
        statements_list = [json.loads(row.body) for row in rows]
        bodies = [json.dumps(_format(s, fmt, xreq), ensure_ascii=False) for s in statements_list] \
            if fmt != "exact" else [row.body for row in rows]
    text = '{"statements":[' + ",".join(bodies) + '],"more":' + json.dumps(more) + "}"
    return _answer(conn, text, statements_list or [], with_attachments, headers)


def _format(statement: dict, fmt: str, xreq: XapiRequest) -> dict:
    if fmt == "ids":
        return formats.ids(statement)
    if fmt == "canonical":
        return formats.canonical(statement, formats.accepted_languages(xreq.headers.get("Accept-Language")))
    return statement


def _filters(xreq: XapiRequest) -> query.Filters:
    params.only(xreq, _LIST_PARAMS, "GET statements")
    filters = query.Filters(ascending=params.flag(xreq, "ascending"), since=params.timestamp(xreq, "since"),
                            until=params.timestamp(xreq, "until"))
    related_agents = params.flag(xreq, "related_agents")
    related_activities = params.flag(xreq, "related_activities")
    agent = params.agent(xreq, optional=True)
    if agent is not None:
        filters.facts.append((keys.AGENT, keys.ifi(agent), related_agents))
    verb = params.iri(xreq, "verb", optional=True)
    if verb is not None:
        filters.facts.append((keys.VERB, verb, False))
    activity = params.iri(xreq, "activity", optional=True)
    if activity is not None:
        filters.facts.append((keys.ACTIVITY, activity, related_activities))
    registration = params.uuid(xreq, "registration")
    if registration is not None:
        filters.facts.append((keys.REGISTRATION, registration.lower(), False))
    if "limit" in xreq.args:
        limit = xreq.args["limit"]
        if not (limit.isascii() and limit.isdigit()):  # "²" is a digit to isdigit(), not to int()
            raise Invalid("limit", "must be a whole number (0 for the server's maximum)")
        # Any limit past the page size means a full page; int() refuses text of thousands of digits.
        filters.limit = int(limit) if len(limit) <= 18 else 0
    return filters


def _http_date(stamp: str) -> str:
    return format_datetime(values.parse_timestamp(stamp), usegmt=True)


def _answer(conn, text: str, statements: list[dict], with_attachments: bool, headers: dict):  # noqa: ANN001
    if not with_attachments:
        return respond(text, headers=headers)
    wanted = {a["sha2"].lower() for s in statements for a in s.get("attachments") or ()}
    table = XapiAttachment.__table__
    rows = conn.execute(table.select().where(table.c.sha2.in_(wanted))).all() if wanted else []
    body, boundary = multipart.build(("application/json", text.encode("utf-8")),
                                     [(r.sha2, r.content_type, r.content) for r in rows])
    return respond(body, content_type=f"multipart/mixed; boundary={boundary}", headers=headers)
