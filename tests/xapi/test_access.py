"""Who may use the LRS and how: Basic auth with scoped clients, version negotiation, the alternate
request syntax, CSRF exemption, and the About, Activities and Agents resources."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from lms import db
from lms.xapi import clients
from tests.xapi.conftest import SECRET, Lrs, basic, new_id, statement


def test_no_credentials_is_401_without_a_basic_challenge(client):  # noqa: ANN001
    response = client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 401
    assert "WWW-Authenticate" not in response.headers
    assert response.get_json()["field"] == "Authorization"


@pytest.mark.parametrize("authorization", ["Basic " + "Zm9vOmJhcg==", "Basic not-base64!", "Bearer abc", "Basic "])
def test_wrong_credentials_are_401(client, make_lrs_client, authorization):  # noqa: ANN001
    make_lrs_client()
    response = client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3",
                                                       "Authorization": authorization})
    assert response.status_code == 401
    assert "WWW-Authenticate" not in response.headers


def test_a_wrong_secret_for_a_real_key_is_401(client, make_lrs_client):  # noqa: ANN001
    key = make_lrs_client()
    response = client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3",
                                                       "Authorization": basic(key, "wrong")})
    assert response.status_code == 401


def test_a_revoked_client_is_refused(client, make_lrs_client):  # noqa: ANN001
    key = make_lrs_client(active=False)
    assert Lrs(client, key).get().status_code == 401


def test_created_clients_work_and_revocation_reaches_a_fresh_process_cache(app, client, session):  # noqa: ANN001
    created, secret = clients.create(session, None, "Authoring tool", key="authoring", scopes=("statements/write",))
    db.commit()
    assert created.secret_hash != secret
    headers = {"X-Experience-API-Version": "1.0.3", "Authorization": basic("authoring", secret),
               "Content-Type": "application/json"}
    app.extensions["lms.xapi.clients"].ttl = 0  # every verified credential is due to be checked again at once
    assert client.post("/xapi/statements", data=json.dumps(statement()), headers=headers).status_code == 200
    clients.revoke(session, None, "authoring")
    db.commit()
    assert client.post("/xapi/statements", data=json.dumps(statement()), headers=headers).status_code == 401


def test_client_creation_rules(session):  # noqa: ANN001
    from lms.errors import Conflict, DomainError

    clients.create(session, None, "One", key="one")
    with pytest.raises(Conflict):
        clients.create(session, None, "Two", key="one")
    with pytest.raises(DomainError) as caught:
        clients.create(session, None, "Three", scopes=("everything",))
    assert caught.value.field == "scopes"
    with pytest.raises(DomainError):
        clients.create(session, None, "Four", key="a:b")


@pytest.mark.parametrize("key", ["lms", "LMS"])
def test_no_client_may_take_the_platforms_own_account_as_its_key(session, key):  # noqa: ANN001
    from lms.errors import DomainError

    with pytest.raises(DomainError) as caught:
        clients.create(session, None, "Impostor", key=key)
    assert caught.value.field == "key"


@pytest.mark.parametrize("scopes, write, read, state", [
    ("all", 200, 200, 204),
    ("all/read", 403, 200, 403),
    ("statements/write", 200, 403, 403),
    ("statements/read", 403, 200, 403),
    ("statements/write state", 200, 403, 204),
])
def test_scopes(client, make_lrs_client, scopes, write, read, state):  # noqa: ANN001
    lrs = Lrs(client, make_lrs_client(scopes))
    assert lrs.post(statement()).status_code == write
    assert lrs.get().status_code == read
    response = lrs.request("POST", "/activities/state", json_body={"a": 1}, activityId="https://x.org/a",
                           agent={"mbox": "mailto:a@x.org"}, stateId="s")
    assert response.status_code == state


def test_the_version_header_is_required_except_for_about(lrs):  # noqa: ANN001
    missing = lrs.client.get("/xapi/statements", headers={"Authorization": basic(lrs.key)})
    assert (missing.status_code, missing.get_json()["field"]) == (400, "X-Experience-API-Version")
    assert lrs.client.get("/xapi/about").status_code == 200
    assert lrs.get(headers={"X-Experience-API-Version": "0.95"}).status_code == 400
    assert lrs.get(headers={"X-Experience-API-Version": "1.1.0"}).status_code == 400


@pytest.mark.parametrize("asked, answered", [("1.0", "1.0.3"), ("1.0.0", "1.0.3"), ("1.0.2", "1.0.3"),
                                             ("2.0.0", "2.0.0")])
def test_version_negotiation(lrs, asked, answered):  # noqa: ANN001
    response = lrs.get(headers={"X-Experience-API-Version": asked})
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"] == answered


def test_an_unversioned_request_is_answered_in_the_clients_last_version(lrs, lrs2):  # noqa: ANN001
    lrs2.get()
    missing = lrs2.client.get("/xapi/statements", headers={"Authorization": basic(lrs2.key)})
    assert missing.headers["X-Experience-API-Version"] == "2.0.0"
    lrs.get()
    missing = lrs.client.get("/xapi/statements", headers={"Authorization": basic(lrs.key)})
    assert missing.headers["X-Experience-API-Version"] == "1.0.3"


def test_the_lrs_needs_no_csrf_token(app, lrs):  # noqa: ANN001
    app.config["WTF_CSRF_ENABLED"] = True
    assert lrs.post(statement()).status_code == 200


def form_post(lrs, method: str, form: dict, query: dict | None = None):  # noqa: ANN001, ANN201
    return lrs.client.post("/xapi/statements", query_string={"method": method, **(query or {})},
                           data=urlencode(form), content_type="application/x-www-form-urlencoded")


def test_alternate_request_syntax_in_1_0_3(lrs):  # noqa: ANN001
    headers = {"Authorization": basic(lrs.key), "X-Experience-API-Version": "1.0.3"}
    statement_id = new_id()
    put = form_post(lrs, "PUT", {**headers, "statementId": statement_id, "content": json.dumps(statement()),
                                 "Content-Type": "application/json"})
    assert put.status_code == 204
    got = form_post(lrs, "GET", {**headers, "statementId": statement_id})
    assert got.get_json()["id"] == statement_id
    assert form_post(lrs, "PUT", {**headers, "statementId": new_id()}).status_code == 400  # no content
    assert form_post(lrs, "GET", headers, query={"limit": "1"}).status_code == 400  # extra query parameter
    not_post = lrs.client.put("/xapi/statements?method=PUT", data=urlencode(headers),
                              content_type="application/x-www-form-urlencoded")
    assert not_post.status_code == 400
    old = form_post(lrs, "GET", {**headers, "X-Experience-API-Version": "0.8"})
    assert old.status_code == 400


def test_no_alternate_request_syntax_in_2_0(lrs2):  # noqa: ANN001
    form = {"Authorization": basic(lrs2.key), "X-Experience-API-Version": "2.0.0"}
    assert form_post(lrs2, "GET", form).status_code == 400


def test_about(client):  # noqa: ANN001
    response = client.get("/xapi/about")
    assert response.get_json() == {"version": ["1.0.3", "2.0.0"], "extensions": {}}
    assert response.headers["X-Experience-API-Version"]
    assert client.post("/xapi/about").status_code == 405


def test_activities_resource_merges_definitions(lrs):  # noqa: ANN001
    iri = "https://example.org/activities/merged"
    lrs.store(statement(object={"id": iri, "definition": {"name": {"en-GB": "Meeting"}, "type": "https://x.org/t"}}),
              statement(object={"id": iri, "definition": {"name": {"fr-FR": "Réunion"}}}))
    found = lrs.get("/activities", activityId=iri).get_json()
    assert found == {"objectType": "Activity", "id": iri,
                     "definition": {"name": {"en-GB": "Meeting", "fr-FR": "Réunion"}, "type": "https://x.org/t"}}
    lrs.store(statement(object={"id": iri, "definition": {"name": {"en-GB": "Team meeting"}}}))
    assert lrs.get("/activities", activityId=iri).get_json()["definition"]["name"]["en-GB"] == "Team meeting"
    unknown = lrs.get("/activities", activityId="https://example.org/never")
    assert unknown.get_json() == {"objectType": "Activity", "id": "https://example.org/never"}
    assert lrs.get("/activities").get_json()["field"] == "activityId"


def test_agents_resource(lrs):  # noqa: ANN001
    person = lrs.get("/agents", agent={"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.org"})
    assert person.get_json() == {"objectType": "Person", "name": ["Ada"], "mbox": ["mailto:ada@example.org"]}
    assert lrs.get("/agents", agent={"objectType": "Group", "mbox": "mailto:g@x.org"}).status_code == 400
    assert lrs.get("/agents").get_json()["field"] == "agent"


def test_unknown_lrs_paths_answer_json_with_the_version(lrs):  # noqa: ANN001
    response = lrs.get("/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]
    assert response.headers["X-Experience-API-Version"]


def test_secret_is_never_stored(session):  # noqa: ANN001
    created, secret = clients.create(session, None, "Tool", secret="demo-password")
    assert secret == "demo-password"
    assert "demo-password" not in created.secret_hash
    assert SECRET  # the fixture secret is only ever stored hashed too


def test_a_definition_already_stored_is_not_written_again_by_a_process_that_has_not_seen_it(app):  # noqa: ANN001
    from datetime import timedelta

    from sqlalchemy import select

    from lms.db import utcnow
    from lms.xapi import activities

    iri = "https://example.org/activities/settled"
    meeting = {"objectType": "Activity", "id": iri, "definition": {"name": {"en-GB": "Meeting"}}}
    one = [{"object": meeting}]
    earlier, later = utcnow() - timedelta(days=1), utcnow()
    row = select(activities.ACTIVITIES.c.definition, activities.ACTIVITIES.c.updated_at)
    with app.app_context(), db.engine().begin() as conn:
        assert activities.remember(conn, one, earlier, {}) == {iri: '{"name":{"en-GB":"Meeting"}}'}
        # Another process (an empty cache) meets the same definition: it is settled, with no row write.
        assert activities.remember(conn, one, later, {}) == {iri: '{"name":{"en-GB":"Meeting"}}'}
        assert conn.execute(row).one().updated_at.replace(tzinfo=None) == earlier.replace(tzinfo=None)
        # A definition that adds something is merged in.
        french = {**meeting, "definition": {"name": {"fr-FR": "Réunion"}}}
        activities.remember(conn, [{"object": french}], later, {})
        stored = conn.execute(row).one()
        assert json.loads(stored.definition) == {"name": {"en-GB": "Meeting", "fr-FR": "Réunion"}}
        assert stored.updated_at.replace(tzinfo=None) == later.replace(tzinfo=None)


def test_a_definition_this_process_applied_costs_no_query_when_it_comes_again(app, sql_noted):  # noqa: ANN001
    from lms.db import utcnow
    from lms.xapi import activities

    iri = "https://example.org/activities/repeated"
    definition = {"name": {"en-GB": "Handover"}, "type": "http://adlnet.gov/expapi/activities/meeting"}
    seen: dict = {}
    with app.app_context(), db.engine().begin() as conn:
        activities.note_applied(seen, activities.remember(conn, [{"object": {"id": iri, "definition": definition}}],
                                                          utcnow(), seen))
        sql_noted.clear()
        assert activities.remember(conn, [{"object": {"id": iri, "definition": dict(definition)}}], utcnow(), seen) == {}
        assert sql_noted == []
        # The same definition in another key order is settled by a read, with no write.
        reordered = {"type": definition["type"], "name": definition["name"]}
        assert activities.remember(conn, [{"object": {"id": iri, "definition": reordered}}], utcnow(), seen) == {
            iri: json.dumps(reordered, separators=(",", ":"))}
        assert len(sql_noted) == 1 and sql_noted[0].lstrip().upper().startswith("SELECT")


@pytest.mark.parametrize("chunk", [500, 7])
def test_definitions_not_seen_yet_cost_one_read_and_one_insert_for_a_whole_batch(  # noqa: ANN001
        app, sql_noted, monkeypatch, chunk):
    from sqlalchemy import select

    from lms.db import utcnow
    from lms.xapi import activities, rawsql

    monkeypatch.setattr(rawsql, "_CHUNK", chunk)  # reads and inserts in slices of this many rows
    made = [{"object": {"id": f"https://example.org/activities/a{n}", "definition": {"name": {"en-GB": f"A{n}"}}}}
            for n in range(30)]
    with app.app_context(), db.engine().begin() as conn:
        applied = activities.remember(conn, made, utcnow(), {})
        slices = -(-30 // chunk)
        assert [sql.lstrip().split()[0].upper() for sql in sql_noted] == ["SELECT"] * slices + ["INSERT"] * slices
        assert len(applied) == 30
        stored = dict(conn.execute(select(activities.ACTIVITIES.c.iri, activities.ACTIVITIES.c.definition)).all())
        assert {iri: json.loads(text) for iri, text in stored.items()} == {
            s["object"]["id"]: s["object"]["definition"] for s in made}
        # Another process (nothing seen) meets the same 30, and a new language for one: reads, and one merge.
        sql_noted.clear()
        again = [*made[:29], {"object": {"id": made[29]["object"]["id"], "definition": {"name": {"cy-GB": "A29"}}}}]
        assert len(activities.remember(conn, again, utcnow(), {})) == 30
        assert [sql.lstrip().split()[0].upper() for sql in sql_noted] == ["SELECT"] * slices + ["SELECT", "UPDATE"]
        merged = conn.execute(select(activities.ACTIVITIES.c.definition).where(
            activities.ACTIVITIES.c.iri == made[29]["object"]["id"])).scalar()
        assert json.loads(merged) == {"name": {"en-GB": "A29", "cy-GB": "A29"}}
