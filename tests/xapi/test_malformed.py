"""Hostile input that was a server error is a 400 saying what is wrong, and stores nothing (issue 19, defect 6,
the LRS's causes): lone surrogates, deep nesting, odd JWS headers, extreme time zones, line breaks in headers."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest

from lms.xapi.strict_json import MAX_DEPTH
from lms.xapi.validation import SIGNATURE_USAGE
from tests.xapi.conftest import basic, statement, stored
from tests.xapi.test_attachments import attachment, body, part, post_multipart
from tests.xapi.test_documents import RESOURCES, send

AGENT = {"mbox": "mailto:ada@example.org"}
STATE = {"activityId": "https://example.org/a", "agent": json.dumps(AGENT)}


def nested(depth: int) -> str:
    return "[" * (depth - 1) + "1" + "]" * (depth - 1)


def statement_text(extension: str) -> str:
    """A statement whose context extension value is the given JSON text (at depth 4 of the statement)."""
    text = json.dumps(statement(context={"extensions": {"https://example.org/x": "HOLE"}}))
    return text.replace('"HOLE"', extension)


def post_text(lrs, text: str):  # noqa: ANN001, ANN201
    return lrs.request("POST", "/statements", data=text.encode(), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("text, problem", [
    (json.dumps(statement()).replace('"Ada"', '"\\ud800"'), "lone surrogate"),
    (json.dumps(statement()).replace('"Ada"', '"\\udc00\\ud83d"'), "lone surrogate"),
    (statement_text('{"\\udfff": 1}'), "lone surrogate"),
    (statement_text(nested(1000)), f"more than {MAX_DEPTH} deep"),
    (statement_text(nested(100_000)), f"more than {MAX_DEPTH} deep"),
    (statement_text(nested(MAX_DEPTH)), f"more than {MAX_DEPTH} deep"),  # the extension sits 3 deep already
    (json.dumps([statement()] * 2)[:-1] + "," + statement_text(nested(500)) + "]", f"more than {MAX_DEPTH} deep"),
    (json.dumps(statement(timestamp="0001-01-01T00:00:00+01:00")), "timestamp"),
])
def test_hostile_statements_are_refused(lrs, text, problem):  # noqa: ANN001
    answer = post_text(lrs, text)
    assert answer.status_code == 400 and problem in answer.get_json()["error"], answer.get_json()
    assert stored() == (0, 0)


def test_nesting_up_to_the_limit_is_stored(lrs):  # noqa: ANN001
    assert post_text(lrs, statement_text(nested(MAX_DEPTH - 3))).status_code == 200
    assert post_text(lrs, json.dumps(statement()).replace('"Ada"', '"\\ud83d\\ude00"')).status_code == 200  # a pair


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("raw, problem", [(b'{"a": "\\ud800"}', "lone surrogate"),
                                          (nested(1000).encode(), "deep")])
def test_hostile_json_documents_are_refused(lrs, resource, raw, problem):  # noqa: ANN001
    for method in ("PUT", "POST"):
        answer = send(lrs, method, resource, "doc", raw, {"Content-Type": "application/json", "If-None-Match": "*"})
        assert answer.status_code == 400 and problem in answer.get_json()["error"]
    assert stored() == (0, 0)


@pytest.mark.parametrize("agent", ['{"mbox": "mailto:\\ud800@example.org"}', nested(2000),
                                   '{"mbox": "mailto:a@example.org", "mbox": "mailto:b@example.org"}'])
def test_hostile_agent_parameters_are_refused(lrs, agent):  # noqa: ANN001
    for path, params in (("/statements", {}), ("/activities/state", {"activityId": "https://example.org/a"}),
                         ("/agents/profile", {}), ("/agents", {})):
        answer = lrs.get(path, agent=agent, **params)
        assert answer.status_code == 400 and answer.get_json()["field"] == "agent", (path, answer.get_json())


def jws(header: dict | str, payload: dict) -> bytes:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header_text = header if isinstance(header, str) else json.dumps(header)
    return f"{b64(header_text.encode())}.{b64(json.dumps(payload).encode())}.{b64(b'signature')}".encode()


@pytest.mark.parametrize("header", [{"alg": ["RS256"]}, {"alg": {"name": "RS256"}}, {"alg": 256}, {},
                                    {"alg": "RS256", "x5c": {"0": "MIIB"}}, {"alg": "RS256", "x5c": "MIIB"},
                                    {"alg": "RS256", "x5c": [1]}, {"alg": "RS256", "x5c": ["not base64!"]},
                                    '{"alg": "RS256", "alg": "none"}', '{"alg": "RS256", "x": NaN}', "[1]"])
def test_signed_statements_with_odd_jws_headers_are_refused(lrs, header):  # noqa: ANN001
    payload = statement(id="9e1a2b4c-0000-4000-8000-000000000001")
    token = jws(header, payload)
    sent = dict(payload, attachments=[attachment(token, usageType=SIGNATURE_USAGE,
                                                 contentType="application/octet-stream")])
    answer = post_multipart(lrs, body(sent, part(token, **{"Content-Type": "application/octet-stream"})))
    assert answer.status_code == 400 and answer.get_json()["field"].startswith("statement.attachments[0]")
    assert stored() == (0, 0)


EXTREME = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-01-01T00:00:00+99:00",
           "2024-01-01T00:00:00+05:99", "0001-01-01T00:00:00.000+23:59"]


@pytest.mark.parametrize("moment", EXTREME)
def test_extreme_time_zone_offsets_are_refused(lrs, moment):  # noqa: ANN001
    for name in ("since", "until"):
        answer = lrs.get(**{name: moment})
        assert answer.status_code == 400 and answer.get_json()["field"] == name
    answer = lrs.get("/activities/state", since=moment, **STATE)
    assert answer.status_code == 400 and answer.get_json()["field"] == "since"


@pytest.mark.parametrize("field", ["If-Match", "If-None-Match", "Content-Type", "X-Experience-API-Version",
                                   "Authorization"])
def test_a_line_break_in_an_alternate_syntax_header_field_is_refused(lrs, field):  # noqa: ANN001
    form = {"Authorization": basic(lrs.key), "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json",
            "stateId": "s", "content": "{}", **STATE}
    form[field] = form.get(field, "*") + "\r\nX-Injected: 1"
    answer = lrs.client.post("/xapi/activities/state", query_string={"method": "PUT"}, data=urlencode(form),
                             content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400 and answer.get_json()["field"] == field
    assert "line break" in answer.get_json()["error"]
    assert stored() == (0, 0)


@pytest.mark.parametrize("limit", ["\u00b2", "-1", "1.5", "\u0661\u0662"])
def test_a_limit_that_is_not_ascii_digits_is_refused(lrs, limit):  # noqa: ANN001
    answer = lrs.get(limit=limit)
    assert answer.status_code == 400 and answer.get_json()["field"] == "limit"


def test_nul_and_control_characters_where_they_would_be_stored_are_refused(lrs, client):  # noqa: ANN001
    """PostgreSQL's text holds no NUL: a document id, IRI, content type or part header with one was a server error."""
    answers = {
        "stateId": lrs.request("PUT", "/activities/state", data=b"x", headers={"Content-Type": "text/plain"},
                               stateId="s\x00", **STATE),
        "activityId": lrs.request("PUT", "/activities/state", data=b"x", headers={"Content-Type": "text/plain"},
                                  stateId="s", activityId="https://example.org/\x00", agent=STATE["agent"]),
        "verb": lrs.get(verb="https://example.org/\x01v"),
        "Content-Type": lrs.request("PUT", "/activities/state", data=b"x", stateId="s", **STATE,
                                    headers={"Content-Type": "text/plain\x01"}),
        "body": post_multipart(lrs, body(statement(attachments=[attachment(b"a")]), part(b"a", **{"X-Note": "a\x00b"}))),
    }
    for field, answer in answers.items():
        assert answer.status_code == 400 and answer.get_json()["field"] == field, (field, answer.get_json())
    key = client.get("/xapi/statements", headers={"Authorization": basic("tool\x00", "x"),
                                                  "X-Experience-API-Version": "1.0.3"})
    assert key.status_code == 401 and "not valid HTTP Basic" in key.get_json()["error"]
    assert stored() == (0, 0)
