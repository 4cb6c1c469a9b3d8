"""The Statements resource: storing (PUT, POST), immutability, voiding and statement references."""

from __future__ import annotations

import uuid

from lms.xapi.validation import VOIDED
from tests.xapi.conftest import new_id, statement


def voiding(target: str, **fields) -> dict:  # noqa: ANN003
    return statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}, **fields)


def test_post_stores_and_completes_the_statement(lrs):  # noqa: ANN001
    response = lrs.post(statement())
    assert response.status_code == 200
    (statement_id,) = response.get_json()
    stored = lrs.get(statementId=statement_id).get_json()
    assert stored["id"] == statement_id
    assert stored["version"] == "1.0.0"
    assert stored["timestamp"] == stored["stored"]
    assert stored["stored"].endswith("Z")
    assert stored["authority"] == {"objectType": "Agent", "name": "Test tool",
                                   "account": {"homePage": "https://lms.example.org", "name": lrs.key}}


def test_statements_without_ids_get_distinct_time_based_uuids_in_a_batch(lrs):  # noqa: ANN001
    given = new_id()
    ids = lrs.store(statement(), statement(id=given), statement(), statement())
    assert ids[1] == given
    named = [ids[0], *ids[2:]]
    assert len(set(named)) == 3
    assert all(str(uuid.UUID(i)) == i and uuid.UUID(i).version == 1 for i in named)
    assert named == sorted(named), "in the order made, so they sit together in the id index"
    assert {s["id"] for s in lrs.get().get_json()["statements"]} == set(ids)


def test_authority_sent_by_the_client_is_replaced(lrs):  # noqa: ANN001
    (statement_id,) = lrs.store(statement(authority={"mbox": "mailto:someone@example.org"}))
    assert lrs.get(statementId=statement_id).get_json()["authority"]["account"]["name"] == lrs.key


def test_batch_ids_come_back_in_order_and_nothing_is_stored_from_a_bad_batch(lrs):  # noqa: ANN001
    first, second = new_id(), new_id()
    assert lrs.store(statement(id=first), statement(id=second)) == [first, second]
    response = lrs.post([statement(), statement(verb={"id": "not an IRI"}), statement()])
    assert response.status_code == 400
    assert response.get_json()["field"] == "statements[1].verb.id"
    assert len(lrs.get().get_json()["statements"]) == 2


def test_put_stores_under_the_given_id(lrs):  # noqa: ANN001
    statement_id = new_id()
    response = lrs.put(statement(), statement_id)
    assert response.status_code == 204
    assert response.data == b""
    assert lrs.get(statementId=statement_id).get_json()["id"] == statement_id


def test_put_rules(lrs):  # noqa: ANN001
    missing = lrs.request("PUT", "/statements", json_body=statement())
    assert (missing.status_code, missing.get_json()["field"]) == (400, "statementId")
    mismatch = lrs.put(statement(id=new_id()), new_id())
    assert (mismatch.status_code, mismatch.get_json()["field"]) == (400, "statement.id")
    array = lrs.put([statement()], new_id())
    assert (array.status_code, array.get_json()["field"]) == (400, "body")
    assert lrs.put(statement(), "not-a-uuid").get_json()["field"] == "statementId"


def test_a_reused_id_with_the_same_content_is_accepted_once(lrs):  # noqa: ANN001
    statement_id = new_id()
    assert lrs.put(statement(), statement_id).status_code == 204
    assert lrs.put(statement(), statement_id.upper()).status_code == 204
    assert lrs.post(statement(id=statement_id)).get_json() == [statement_id]
    assert len(lrs.get().get_json()["statements"]) == 1


def test_a_reused_id_with_other_content_is_a_conflict_and_changes_nothing(lrs):  # noqa: ANN001
    statement_id = new_id()
    lrs.put(statement(), statement_id)
    changed = statement(result={"success": True})
    response = lrs.put(changed, statement_id)
    assert response.status_code == 409
    assert response.get_json()["field"] == "id"
    batch = lrs.post([statement(), statement(id=statement_id, result={"success": False})])
    assert batch.status_code == 409
    listed = lrs.get().get_json()["statements"]
    assert [s["id"] for s in listed] == [statement_id]
    assert "result" not in listed[0]


def test_the_same_id_twice_in_one_batch_is_refused(lrs):  # noqa: ANN001
    statement_id = new_id()
    response = lrs.post([statement(id=statement_id), statement(id=statement_id)])
    assert (response.status_code, response.get_json()["field"]) == (400, "statements[1].id")


def test_voiding_hides_the_target_except_by_voided_statement_id(lrs):  # noqa: ANN001
    (target,) = lrs.store(statement())
    (voider,) = lrs.store(voiding(target))
    assert lrs.get(statementId=target).status_code == 404
    assert lrs.get(voidedStatementId=target).get_json()["id"] == target
    assert lrs.get(voidedStatementId=voider).status_code == 404
    assert [s["id"] for s in lrs.get().get_json()["statements"]] == [voider]


def test_a_voiding_statement_cannot_be_voided(lrs):  # noqa: ANN001
    (target,) = lrs.store(statement())
    (voider,) = lrs.store(voiding(target))
    response = lrs.post(voiding(voider))
    assert (response.status_code, response.get_json()["field"]) == (400, "statement.object.id")
    assert lrs.get(statementId=voider).status_code == 200


def test_a_voiding_statement_may_arrive_before_its_target(lrs):  # noqa: ANN001
    target = new_id()
    lrs.store(voiding(target))
    lrs.store(statement(id=target))
    assert lrs.get(statementId=target).status_code == 404
    assert lrs.get(voidedStatementId=target).status_code == 200


def test_statement_references_match_their_targets_filters(lrs):  # noqa: ANN001
    """A statement targeting another matches the other's filters, recursively (spec 2.5)."""
    attended = "http://adlnet.gov/expapi/verbs/attended"
    first = new_id()
    (second,) = lrs.store(statement(verb={"id": "https://example.org/verbs/liked"},
                                    object={"objectType": "StatementRef", "id": first}))
    (third,) = lrs.store(statement(verb={"id": "https://example.org/verbs/shared"},
                                   object={"objectType": "StatementRef", "id": second}))
    lrs.store(statement(id=first, verb={"id": attended}))  # the target arrives last
    lrs.store(statement())
    found = [s["id"] for s in lrs.get(verb=attended).get_json()["statements"]]
    assert found == [first, third, second]


def test_statements_are_stored_with_the_negotiated_version(lrs2):  # noqa: ANN001
    (statement_id,) = lrs2.store(statement())
    response = lrs2.get(statementId=statement_id)
    assert response.get_json()["version"] == "2.0.0"
    assert response.headers["X-Experience-API-Version"] == "2.0.0"
    assert "Last-Modified" in response.headers


def test_single_context_activities_are_stored_as_arrays(lrs):  # noqa: ANN001
    (statement_id,) = lrs.store(statement(context={"contextActivities": {"parent": {"id": "https://example.org/p"}}}))
    stored = lrs.get(statementId=statement_id).get_json()
    assert stored["context"]["contextActivities"]["parent"] == [{"id": "https://example.org/p"}]


def test_content_type_must_be_json_or_multipart(lrs):  # noqa: ANN001
    response = lrs.request("POST", "/statements", data="{}", headers={"Content-Type": "text/plain"})
    assert (response.status_code, response.get_json()["field"]) == (400, "Content-Type")
    broken = lrs.request("POST", "/statements", data="{not json", headers={"Content-Type": "application/json"})
    assert (broken.status_code, broken.get_json()["field"]) == (400, "body")


def test_other_methods_are_refused(lrs):  # noqa: ANN001
    assert lrs.request("DELETE", "/statements").status_code == 405


def test_concurrent_writers_all_succeed(app, lrs):  # noqa: ANN001
    """Writers in parallel never fail or deadlock (SQLite: they take turns; PostgreSQL: row locks)."""
    import threading

    results: list[int] = []
    shared = new_id()

    def write(n: int) -> None:
        client = app.test_client()
        for i in range(10):
            batch = [statement(), statement(id=shared)] if i == 5 else statement()
            response = client.post("/xapi/statements", json=batch, headers=lrs.headers())
            results.append(response.status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 40
    listed = lrs.get(limit=100).get_json()["statements"]
    assert len(listed) == 41  # 40 requests, one of them four times with the same shared id
    assert sum(1 for s in listed if s["id"] == shared) == 1


def test_concurrent_batches_sharing_new_activities_do_not_deadlock(app, lrs):  # noqa: ANN001
    """Two writers defining the same new activities in opposite orders (a deadlock on PostgreSQL
    unless rows are locked in one order)."""
    import threading

    results: list[int] = []
    names = [f"https://example.org/activities/shared-{n}" for n in range(6)]

    def write(order: list[str]) -> None:
        client = app.test_client()
        for round_ in range(5):
            batch = [statement(object={"id": iri, "definition": {"name": {"en-GB": f"{iri} {round_}"}}})
                     for iri in order]
            results.append(client.post("/xapi/statements", json=batch, headers=lrs.headers()).status_code)

    threads = [threading.Thread(target=write, args=(names if n % 2 else list(reversed(names)),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 20
    assert lrs.get("/activities", activityId=names[0]).get_json()["definition"]["name"]["en-GB"].startswith(names[0])


def test_a_request_s_connection_is_kept_for_the_next_not_checked_out_again(app, lrs):  # noqa: ANN001
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    lrs.store(statement(id=new_id()))  # the first request of each kind connects
    assert ids_of(lrs.get()) != []
    checkouts = []
    listener = lambda *args: checkouts.append(args)  # noqa: E731
    event.listen(Pool, "checkout", listener)
    try:
        wanted = new_id()
        assert lrs.post([statement(id=wanted), {"verb": "no actor"}]).status_code == 400  # rolled back
        lrs.store(statement(id=wanted))
        assert wanted in ids_of(lrs.get())
    finally:
        event.remove(Pool, "checkout", listener)
    assert checkouts == []
    with app.app_context():
        from lms import db

        kept = [app.extensions["lms.xapi.kept"]]
        writers = app.extensions.get("lms.xapi.sqlite_writers")
        kept += [writers.kept] if writers is not None else []
        assert any(k._idle for k in kept)
        db.engine().dispose()  # as tests and shutdown do: every kept connection is closed
        assert not any(k._idle for k in kept)


def ids_of(response) -> list[str]:  # noqa: ANN001
    assert response.status_code == 200, response.get_json()
    return [s["id"] for s in response.get_json()["statements"]]
