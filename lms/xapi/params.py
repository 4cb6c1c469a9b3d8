"""Query-string parameters shared by the LRS resources, each checked with a field-naming error."""

from __future__ import annotations

from datetime import datetime

from lms.xapi import keys, strict_json, values
from lms.xapi.http import XapiRequest
from lms.xapi.validation import Invalid, validate_statement


def only(xreq: XapiRequest, allowed: set[str] | frozenset[str], resource: str) -> None:
    unknown = set(xreq.args) - set(allowed)
    if unknown:
        raise Invalid(sorted(unknown)[0], f"is not a parameter of {resource}")


def required(xreq: XapiRequest, name: str) -> str:
    value = xreq.args.get(name)
    if value is None:
        raise Invalid(name, "is required")
    return value


def flag(xreq: XapiRequest, name: str) -> bool:
    raw = xreq.args.get(name, "false")
    if raw not in ("true", "false"):
        raise Invalid(name, "must be true or false")
    return raw == "true"


def iri(xreq: XapiRequest, name: str, *, optional: bool = False) -> str | None:
    value = xreq.args.get(name) if optional else required(xreq, name)
    if value is not None and not values.is_iri(value):
        raise Invalid(name, "must be an IRI")
    return value


def uuid(xreq: XapiRequest, name: str) -> str | None:
    value = xreq.args.get(name)
    if value is not None and not values.is_uuid(value):
        raise Invalid(name, "must be a UUID")
    return value


def timestamp(xreq: XapiRequest, name: str) -> datetime | None:
    raw = xreq.args.get(name)
    if raw is None:
        return None
    moment = values.parse_timestamp(raw)
    if moment is None:
        raise Invalid(name, "must be an ISO 8601 timestamp")
    return moment


def agent(xreq: XapiRequest, name: str = "agent", *, optional: bool = False, groups: bool = True) -> dict | None:
    """A JSON Agent (or identified Group) parameter, validated like a statement's actor."""
    raw = xreq.args.get(name) if optional else required(xreq, name)
    if raw is None:
        return None
    value = strict_json.loads(raw, name)
    if type(value) is not dict:
        raise Invalid(name, "must be a JSON Agent object")
    statement = {"actor": value, "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/a"}}
    try:
        validate_statement(statement)
    except Invalid as exc:
        raise Invalid(name + exc.field.removeprefix("statement.actor"), exc.rule) from None
    if not groups and value.get("objectType") == "Group":
        raise Invalid(f"{name}.objectType", "must be Agent")
    if keys.ifi(value) is None:
        raise Invalid(name, "must identify an Agent or Group by mbox, mbox_sha1sum, openid or account")
    return value
