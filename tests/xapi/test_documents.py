"""State, Activity Profile and Agent Profile documents: ETags, preconditions, merge, listing, delete."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from lms.xapi import documents
from tests.xapi.conftest import new_id

ACTIVITY = "https://example.org/activities/course"
AGENT = {"objectType": "Agent", "mbox": "mailto:ada@example.org"}
# Each resource: its path, the parameters naming a document's scope, and its id parameter.
RESOURCES = {
    "state": ("/activities/state", {"activityId": ACTIVITY, "agent": AGENT}, "stateId"),
    "activity profile": ("/activities/profile", {"activityId": ACTIVITY}, "profileId"),
    "agent profile": ("/agents/profile", {"agent": AGENT}, "profileId"),
}


def send(lrs, method: str, resource: str, doc_id: str | None, body=None, headers=None, **extra):  # noqa: ANN001, ANN003, ANN201
    path, scope, id_name = RESOURCES[resource]
    params = dict(scope, **extra)
    if doc_id is not None:
        params[id_name] = doc_id
    data = json.dumps(body) if isinstance(body, (dict, list)) else body
    content = {"Content-Type": "application/json"} if isinstance(body, (dict, list)) else {}
    return lrs.request(method, path, data=data, headers={**content, **(headers or {})}, **params)


@pytest.fixture(params=list(RESOURCES))
def resource(request) -> str:  # noqa: ANN001
    return request.param


def test_put_get_etag_and_last_modified(lrs, resource):  # noqa: ANN001
    created = send(lrs, "PUT", resource, "doc", {"a": 1}, {"If-None-Match": "*"})
    assert created.status_code == 204
    fetched = send(lrs, "GET", resource, "doc")
    assert fetched.status_code == 200
    assert fetched.get_json() == {"a": 1}
    assert fetched.headers["ETag"] == '"' + hashlib.sha1(fetched.data).hexdigest() + '"'
    assert "GMT" in fetched.headers["Last-Modified"]
    assert fetched.mimetype == "application/json"


def test_if_match_and_if_none_match(lrs, resource):  # noqa: ANN001
    send(lrs, "PUT", resource, "doc", {"a": 1}, {"If-None-Match": "*"})
    etag = send(lrs, "GET", resource, "doc").headers["ETag"]
    assert send(lrs, "PUT", resource, "doc", {"a": 2}, {"If-None-Match": "*"}).status_code == 412
    assert send(lrs, "PUT", resource, "doc", {"a": 2}, {"If-Match": '"0000"'}).status_code == 412
    assert send(lrs, "POST", resource, "doc", {"b": 2}, {"If-Match": '"0000"'}).status_code == 412
    assert send(lrs, "DELETE", resource, "doc", headers={"If-Match": '"0000"'}).status_code == 412
    assert send(lrs, "GET", resource, "doc").get_json() == {"a": 1}
    assert send(lrs, "PUT", resource, "doc", {"a": 3}, {"If-Match": etag}).status_code == 204
    assert send(lrs, "GET", resource, "doc").get_json() == {"a": 3}
    assert send(lrs, "PUT", resource, "missing", {"a": 3}, {"If-Match": "*"}).status_code == 412


def test_post_merges_json_objects(lrs, resource):  # noqa: ANN001
    assert send(lrs, "POST", resource, "doc", {"a": 1, "b": {"x": 1}}).status_code == 204
    assert send(lrs, "POST", resource, "doc", {"b": {"y": 2}, "c": 3}).status_code == 204
    assert send(lrs, "GET", resource, "doc").get_json() == {"a": 1, "b": {"y": 2}, "c": 3}


def test_post_refuses_to_merge_what_is_not_a_json_object(lrs, resource):  # noqa: ANN001
    send(lrs, "POST", resource, "doc", {"a": 1})
    assert send(lrs, "POST", resource, "doc", b"plain", {"Content-Type": "text/plain"}).status_code == 400
    assert send(lrs, "POST", resource, "doc", b"[1]", {"Content-Type": "application/json"}).status_code == 400
    send(lrs, "POST", resource, "text", b"plain", {"Content-Type": "text/plain"})
    assert send(lrs, "POST", resource, "text", {"a": 1}).status_code == 400
    assert send(lrs, "GET", resource, "text").data == b"plain"


def test_put_needs_a_concurrency_header_for_profiles(lrs):  # noqa: ANN001
    for resource in ("activity profile", "agent profile"):
        assert send(lrs, "PUT", resource, "doc", {"a": 1}).status_code == 400
        send(lrs, "PUT", resource, "doc", {"a": 1}, {"If-None-Match": "*"})
        conflict = send(lrs, "PUT", resource, "doc", {"a": 2})
        assert conflict.status_code == 409
        assert conflict.get_json()["error"]
        assert send(lrs, "GET", resource, "doc").get_json() == {"a": 1}


def test_state_overwrite_without_etag_is_refused_only_in_2_0(lrs, lrs2):  # noqa: ANN001
    assert send(lrs, "PUT", "state", "doc", {"a": 1}).status_code == 204
    assert send(lrs, "PUT", "state", "doc", {"a": 2}).status_code == 204
    assert send(lrs2, "PUT", "state", "doc", {"a": 3}).status_code == 409
    assert send(lrs2, "PUT", "state", "other", {"a": 3}).status_code == 204


def test_listing_ids_with_since(lrs, resource, monkeypatch):  # noqa: ANN001
    clock = iter([datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)])
    monkeypatch.setattr(documents, "utcnow", lambda: next(clock))
    send(lrs, "POST", resource, "first", {"a": 1})
    send(lrs, "POST", resource, "second", {"a": 1})
    assert send(lrs, "GET", resource, None).get_json() == ["first", "second"]
    assert send(lrs, "GET", resource, None, since="2026-01-15T00:00:00Z").get_json() == ["second"]


def test_binary_documents_keep_their_content_type(lrs, resource):  # noqa: ANN001
    data = bytes(range(256))
    send(lrs, "PUT", resource, "blob", data, {"Content-Type": "application/octet-stream", "If-None-Match": "*"})
    fetched = send(lrs, "GET", resource, "blob")
    assert (fetched.data, fetched.mimetype) == (data, "application/octet-stream")


def test_delete(lrs, resource):  # noqa: ANN001
    send(lrs, "POST", resource, "doc", {"a": 1})
    assert send(lrs, "DELETE", resource, "doc").status_code == 204
    assert send(lrs, "GET", resource, "doc").status_code == 404


def test_state_is_scoped_by_registration_and_delete_without_id_clears_the_scope(lrs):  # noqa: ANN001
    registration = new_id()
    send(lrs, "POST", "state", "a", {"x": 1}, registration=registration)
    send(lrs, "POST", "state", "b", {"x": 1}, registration=registration)
    send(lrs, "POST", "state", "a", {"y": 1})
    assert send(lrs, "GET", "state", None, registration=registration).get_json() == ["a", "b"]
    assert send(lrs, "DELETE", "state", None, registration=registration).status_code == 204
    assert send(lrs, "GET", "state", None, registration=registration).get_json() == []
    assert send(lrs, "GET", "state", "a").get_json() == {"y": 1}
    assert send(lrs, "DELETE", "activity profile", None).status_code == 400


@pytest.mark.parametrize("resource, params, field", [
    ("state", {"activityId": ACTIVITY, "stateId": "s"}, "agent"),
    ("state", {"agent": AGENT, "stateId": "s"}, "activityId"),
    ("state", {"activityId": "nope", "agent": AGENT, "stateId": "s"}, "activityId"),
    ("state", {"activityId": ACTIVITY, "agent": {"mbox": "x"}, "stateId": "s"}, "agent.mbox"),
    ("state", {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s", "registration": "x"}, "registration"),
    ("state", {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s", "since": "x"}, "since"),
    ("agent profile", {"agent": AGENT, "profileId": "p", "extra": "1"}, "extra"),
])
def test_bad_parameters_are_named(lrs, resource, params, field):  # noqa: ANN001
    path = RESOURCES[resource][0]
    query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    response = lrs.client.get(f"/xapi{path}", query_string=query, headers=lrs.headers())
    assert (response.status_code, response.get_json()["field"]) == (400, field)
