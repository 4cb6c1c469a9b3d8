"""JSON the LRS refuses (issue 19, defect 4): NaN and Infinity, numbers too large for a double, a key twice
in one object, and bodies that are not UTF-8, in statements and JSON documents alike: 400, nothing stored."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from lms.xapi import strict_json
from lms.xapi.checks import Invalid
from tests.xapi.conftest import basic, statement, stored
from tests.xapi.test_attachments import body as multipart_body
from tests.xapi.test_attachments import post_multipart
from tests.xapi.test_documents import RESOURCES, send

GOOD = json.dumps(statement(result={"score": {"raw": 1.5}}))
# (the body, what the error must say)
BAD_BODIES = [
    (GOOD.replace("1.5", "NaN").encode(), "NaN"),
    (GOOD.replace("1.5", "Infinity").encode(), "Infinity"),
    (GOOD.replace("1.5", "-Infinity").encode(), "-Infinity"),
    (GOOD.replace("1.5", "1e400").encode(), "too large"),
    (GOOD.replace('"name": "Ada"', '"name": "Ada", "name": "Bea"').encode(), "'name' twice"),
    (GOOD.replace('{"actor"', '{"verb": {"id": "https://example.org/v"}, "actor"').encode(), "'verb' twice"),
    (GOOD.replace("Ada", "Ad\u00e9").encode("latin-1"), "UTF-8"),
    (GOOD.encode("utf-16"), "UTF-8"),
]


@pytest.mark.parametrize("raw, problem", BAD_BODIES)
def test_statements_with_json_the_lrs_cannot_give_back_are_refused(lrs, raw, problem):  # noqa: ANN001
    batch = b"[" + raw + b"]" if problem != "UTF-8" else raw
    for sent in (lrs.request("POST", "/statements", data=raw, headers={"Content-Type": "application/json"}),
                 lrs.request("POST", "/statements", data=batch, headers={"Content-Type": "application/json"}),
                 post_multipart(lrs, multipart_body(statement()).replace(json.dumps(statement()).encode(), raw))):
        assert sent.status_code == 400, sent.get_json()
        assert problem in sent.get_json()["error"] and sent.get_json()["field"] == "body"
    assert stored() == (0, 0)
    assert lrs.request("POST", "/statements", data=GOOD, headers={"Content-Type": "application/json"}).status_code == 200


def test_the_alternate_syntax_s_content_is_held_to_the_same_rules(lrs):  # noqa: ANN001
    form = {"Authorization": basic(lrs.key), "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json",
            "content": GOOD.replace("1.5", "NaN")}
    answer = lrs.client.post("/xapi/statements", query_string={"method": "POST"}, data=urlencode(form),
                             content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400 and "NaN" in answer.get_json()["error"]
    not_utf8 = urlencode({**form, "content": GOOD}) + "&x=%E9"
    answer = lrs.client.post("/xapi/statements", query_string={"method": "POST"}, data=not_utf8,
                             content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400 and "UTF-8" in answer.get_json()["error"]
    assert stored() == (0, 0)


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("raw, problem", [(b'{"a": NaN}', "NaN"), (b'{"a": -Infinity}', "-Infinity"),
                                          (b'{"a": 1, "a": 2}', "'a' twice"), (b'{"a": "\xe9"}', "UTF-8"),
                                          (b'{"a": [1e999]}', "too large")])
def test_json_documents_with_json_the_lrs_cannot_give_back_are_refused(lrs, resource, raw, problem):  # noqa: ANN001
    json_type = {"Content-Type": "application/json"}
    for method, headers in (("PUT", {**json_type, "If-None-Match": "*"}), ("POST", json_type)):
        answer = send(lrs, method, resource, "doc", raw, headers)
        assert answer.status_code == 400, (method, answer.get_json())
        assert problem in answer.get_json()["error"]
    assert stored() == (0, 0)
    # Other content types are stored as they come, bytes that are not UTF-8 included.
    assert send(lrs, "PUT", resource, "image", b"\x89PNG\xe9\xff", {"Content-Type": "image/png",
                                                                   "If-None-Match": "*"}).status_code == 204
    assert send(lrs, "GET", resource, "image").data == b"\x89PNG\xe9\xff"


def test_a_byte_order_mark_is_allowed_and_numbers_stay_numbers():
    assert strict_json.loads("\ufeff{\"a\": 1e308, \"b\": -0.5, \"c\": 12}".encode()) == {"a": 1e308, "b": -0.5, "c": 12}
    with pytest.raises(Invalid) as caught:
        strict_json.loads(b'{"a": {"b": 1, "b": 1}}', "state")
    assert caught.value.field == "state" and "'b' twice" in caught.value.rule
