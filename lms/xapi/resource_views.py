"""The About, Activities and Agents resources."""

from __future__ import annotations

from flask import Blueprint

from lms.xapi import activities, http, params, wsgi
from lms.xapi.answers import respond
from lms.xapi.http import SUPPORTED, XapiError

bp = Blueprint("xapi_resources", __name__, url_prefix="/xapi")
http.install(bp)

_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"]


def _read_only(xreq: http.XapiRequest) -> None:
    if xreq.method not in ("GET", "HEAD"):
        raise XapiError(405, f"{xreq.method} is not allowed here; use GET")


@bp.route("/about", methods=_METHODS)
def about():
    # The About resource needs neither credentials nor a version header (spec 2.8).
    xreq = http.begin(needs_auth=False, needs_version=False)
    _read_only(xreq)
    return respond({"version": list(SUPPORTED), "extensions": {}})


@bp.route("/activities", methods=_METHODS)
def activity():
    xreq = http.begin()
    _read_only(xreq)
    params.only(xreq, {"activityId"}, "the Activities resource")
    iri = params.iri(xreq, "activityId")
    return respond(activities.get(wsgi.connection(), iri))


@bp.route("/agents", methods=_METHODS)
def agents():
    """The Person object for an agent: this LRS links no identities, so it holds that agent's own."""
    xreq = http.begin()
    _read_only(xreq)
    params.only(xreq, {"agent"}, "the Agents resource")
    agent = params.agent(xreq, groups=False)
    person = {"objectType": "Person"}
    if "name" in agent:
        person["name"] = [agent["name"]]
    for ifi in ("mbox", "mbox_sha1sum", "openid", "account"):
        if ifi in agent:
            person[ifi] = [agent[ifi]]
    return respond(person)
