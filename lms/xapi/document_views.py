"""The State, Activity Profile and Agent Profile resources (one handler, three parameter sets)."""

from __future__ import annotations

from email.utils import format_datetime

from flask import Blueprint
from sqlalchemy.exc import DBAPIError

from lms.xapi import documents, http, keys, params, rawsql, wsgi
from lms.xapi.documents import Scope
from lms.xapi.answers import respond
from lms.xapi.http import XapiError, XapiRequest
from lms.xapi.validation import Invalid
from lms.xapi.values import has_control

bp = Blueprint("xapi_documents", __name__, url_prefix="/xapi")
http.install(bp)

_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"]


@bp.route("/activities/state", methods=_METHODS)
def state():
    xreq = http.begin()
    params.only(xreq, {"activityId", "agent", "registration", "stateId", "since"}, "the State resource")
    activity = params.iri(xreq, "activityId")
    agent = params.agent(xreq)
    registration = params.uuid(xreq, "registration")
    scope = Scope(documents.STATE, activity, keys.ifi(agent), (registration or "").lower())
    return _handle(xreq, scope, "stateId", "state", delete_all=True)


@bp.route("/activities/profile", methods=_METHODS)
def activity_profile():
    xreq = http.begin()
    params.only(xreq, {"activityId", "profileId", "since"}, "the Activity Profile resource")
    scope = Scope(documents.ACTIVITY_PROFILE, activity_id=params.iri(xreq, "activityId"))
    return _handle(xreq, scope, "profileId", "profile")


@bp.route("/agents/profile", methods=_METHODS)
def agent_profile():
    xreq = http.begin()
    params.only(xreq, {"agent", "profileId", "since"}, "the Agent Profile resource")
    scope = Scope(documents.AGENT_PROFILE, agent_ifi=keys.ifi(params.agent(xreq)))
    return _handle(xreq, scope, "profileId", "profile")


def _handle(xreq: XapiRequest, scope: Scope, id_name: str, scope_name: str, delete_all: bool = False):
    method = xreq.method
    document_id = xreq.args.get(id_name)
    reading = method in ("GET", "HEAD")
    if not xreq.client.may(f"{scope_name}/read" if reading else scope_name):
        raise XapiError(403, f"this client may not {'read' if reading else 'change'} {scope_name} documents",
                        "Authorization", f"needs {scope_name}")
    if "since" in xreq.args and (not reading or document_id is not None):
        raise Invalid("since", f"applies only to a GET without {id_name}")
    conn = wsgi.connection()
    if reading:
        if document_id is None:
            return respond(documents.ids(conn, scope, params.timestamp(xreq, "since")))
        found = documents.get(conn, scope, document_id)
        if found is None:
            raise XapiError(404, f"no document with {id_name} {document_id}")
        # A download, never a page: a client may store any content type (text/html with script included).
        return respond(found.content, content_type=found.content_type,
                       headers={"ETag": f'"{found.etag}"', "Last-Modified": format_datetime(found.updated_at, usegmt=True),
                                "Content-Disposition": "attachment"})
    if method not in ("PUT", "POST", "DELETE"):
        raise XapiError(405, f"{method} is not allowed on documents")
    if document_id is None and not (method == "DELETE" and delete_all):
        raise Invalid(id_name, "is required")
    preconditions = {"if_match": xreq.headers.get("If-Match"), "if_none_match": xreq.headers.get("If-None-Match")}
    try:
        if method == "DELETE":
            documents.remove(conn, scope, document_id, **preconditions)
        else:
            _write(xreq, conn, scope, document_id, preconditions)
    except documents.PreconditionFailed as exc:
        raise XapiError(412, str(exc), "If-Match" if preconditions["if_match"] else "If-None-Match") from None
    except documents.PreconditionMissing as exc:
        raise XapiError(400, str(exc), "If-None-Match", "a PUT to a profile needs If-Match or If-None-Match") from None
    except documents.DocumentConflict as exc:
        raise XapiError(409, str(exc), "If-Match", "a PUT over an existing document needs If-Match") from None
    except documents.NotMergeable as exc:
        raise XapiError(400, str(exc), "body", "POST merges JSON objects only") from None
    return respond(None, 204)


def _write(xreq: XapiRequest, conn, scope: Scope, document_id: str, preconditions: dict) -> None:  # noqa: ANN001
    content_type = xreq.headers.get("Content-Type") or "application/octet-stream"
    if has_control(content_type):  # it is stored, and given back as a header
        raise Invalid("Content-Type", "cannot hold a control character")
    # Profiles refuse a PUT without a concurrency header; state (2.0 only) refuses a blind overwrite.
    profile = scope.kind != documents.STATE
    for attempt in (1, 2):
        try:
            if xreq.method == "PUT":
                documents.put(conn, scope, document_id, xreq.body, content_type, **preconditions,
                              overwrite_needs_etag=profile or xreq.v2, create_needs_header=profile)
            else:
                documents.post(conn, scope, document_id, xreq.body, content_type, **preconditions)
            return
        except DBAPIError as exc:
            # A concurrent request created the same document first (PostgreSQL): try again against it.
            if attempt == 2 or not rawsql.is_race(exc):
                raise
            conn = wsgi.restart()
