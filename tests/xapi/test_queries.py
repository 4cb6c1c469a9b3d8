"""GET statements: every filter, paging with more, order, formats, and the consistency header."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine

from lms.xapi import keys, rawsql, store, values
from tests.xapi.conftest import new_id, statement

ADA = {"mbox": "mailto:ada@example.org"}
BOB = {"objectType": "Agent", "mbox": "mailto:bob@example.org"}
COURSE = "https://example.org/activities/course"
LESSON = "https://example.org/activities/lesson"


def ids(response) -> list[str]:  # noqa: ANN001
    assert response.status_code == 200, response.get_json()
    return [s["id"] for s in response.get_json()["statements"]]


def test_every_list_answer_has_statements_and_more(lrs):  # noqa: ANN001
    body = lrs.get().get_json()
    assert body == {"statements": [], "more": ""}


def test_agent_filter_matches_actor_and_object_and_group_members(lrs):  # noqa: ANN001
    as_actor, as_object, in_group, other = (new_id() for _ in range(4))
    lrs.store(statement(id=as_actor),
              statement(id=as_object, actor=BOB, object={"objectType": "Agent", **ADA}),
              statement(id=in_group, actor={"objectType": "Group", "member": [ADA, BOB]}),
              statement(id=other, actor=BOB))
    assert set(ids(lrs.get(agent=ADA))) == {as_actor, as_object, in_group}


def test_related_agents_adds_authority_instructor_and_team(lrs):  # noqa: ANN001
    direct, taught = new_id(), new_id()
    lrs.store(statement(id=direct), statement(id=taught, actor=BOB, context={"instructor": ADA}))
    assert ids(lrs.get(agent=ADA)) == [direct]
    assert set(ids(lrs.get(agent=ADA, related_agents="true"))) == {direct, taught}
    authority = {"account": {"homePage": "https://lms.example.org", "name": lrs.key}}
    assert len(ids(lrs.get(agent=authority, related_agents="true"))) == 2
    assert ids(lrs.get(agent=authority)) == []


def test_activity_and_related_activities(lrs):  # noqa: ANN001
    course, lesson, sub = new_id(), new_id(), new_id()
    lrs.store(statement(id=course, object={"id": COURSE}),
              statement(id=lesson, object={"id": LESSON}, context={"contextActivities": {"parent": [{"id": COURSE}]}}),
              statement(id=sub, object={"objectType": "SubStatement", "actor": BOB, "verb": {"id": "https://x.org/v"},
                                        "object": {"id": COURSE}}))
    assert ids(lrs.get(activity=COURSE)) == [course]
    assert ids(lrs.get(activity=COURSE, related_activities="true")) == [sub, lesson, course]


def test_verb_registration_and_combined_filters(lrs):  # noqa: ANN001
    registration = new_id()
    wanted, other_verb, other_registration = new_id(), new_id(), new_id()
    lrs.store(statement(id=wanted, context={"registration": registration}),
              statement(id=other_verb, verb={"id": "https://example.org/verbs/other"},
                        context={"registration": registration}),
              statement(id=other_registration, context={"registration": new_id()}))
    assert set(ids(lrs.get(registration=registration.upper()))) == {wanted, other_verb}
    assert ids(lrs.get(registration=registration, verb="http://adlnet.gov/expapi/verbs/completed",
                       agent=ADA, activity="https://example.org/activities/one")) == [wanted]


def test_a_batch_too_big_for_one_insert_is_stored_in_two_steps_with_the_same_keys(lrs, monkeypatch):  # noqa: ANN001
    # PostgreSQL stores statements and their keys in one INSERT unless the parameters would pass its limit;
    # the limit is lowered here so this batch takes the other path (the only path on SQLite).
    monkeypatch.setattr(rawsql, "_PARAMETERS", 10)
    registration = new_id()
    batch = [new_id() for _ in range(3)]
    lrs.store(*(statement(id=i, context={"registration": registration}) for i in batch))
    assert set(ids(lrs.get(registration=registration))) == set(batch)
    assert set(ids(lrs.get(agent=ADA, verb="http://adlnet.gov/expapi/verbs/completed"))) >= set(batch)


def test_combined_filter_keys_are_written_into_the_sql_so_the_plan_knows_them(lrs):  # noqa: ANN001
    # A generic plan (PostgreSQL, once a statement is prepared) cannot tell an agent's few statements from a
    # verb's many, and scanned the verb's whole range.
    executed = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        executed.append(statement)

    (wanted,) = lrs.store(statement())
    event.listen(Engine, "before_cursor_execute", capture)
    try:
        assert ids(lrs.get(agent=ADA, verb="http://adlnet.gov/expapi/verbs/completed")) == [wanted]
        assert ids(lrs.get(agent=ADA)) == [wanted]
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    combined, single = [sql for sql in executed if "xapi_statement_keys" in sql]
    agent_key = str(keys.key(keys.AGENT, keys.ifi(ADA)))
    assert agent_key in combined
    assert str(keys.key(keys.VERB, "http://adlnet.gov/expapi/verbs/completed")) in combined
    assert agent_key not in single  # one filter has one sensible plan: a parameter keeps it prepared


def test_since_until_and_ascending(lrs, monkeypatch):  # noqa: ANN001
    clock = iter([datetime(2026, 3, 7, 9, 0, tzinfo=UTC), datetime(2026, 3, 7, 9, 30, tzinfo=UTC)])
    monkeypatch.setattr(store, "utcnow", lambda: next(clock))
    first, = lrs.store(statement())
    second, = lrs.store(statement())
    assert lrs.get(statementId=first).get_json()["stored"] == "2026-03-07T09:00:00.000Z"
    assert ids(lrs.get(since="2026-03-07T09:00:00Z")) == [second]
    assert ids(lrs.get(since="2026-03-07T08:00:00-01:00")) == [second]  # the same instant
    assert ids(lrs.get(until="2026-03-07T09:00:00.000Z")) == [first]
    assert ids(lrs.get(since="2026-03-07T08:59:59Z", until="2026-03-07T09:30:00Z")) == [second, first]
    assert ids(lrs.get(ascending="true")) == [first, second]


def test_more_pages_through_results_in_both_orders(lrs):  # noqa: ANN001
    stored = lrs.store(*[statement() for _ in range(5)])
    seen, response = [], lrs.get(limit=2)
    while True:
        body = response.get_json()
        seen += [s["id"] for s in body["statements"]]
        if not body["more"]:
            break
        assert body["more"].startswith("/xapi/statements?more=")
        response = lrs.client.get(body["more"], headers=lrs.headers())
    assert seen == list(reversed(stored))
    page = lrs.get(limit=3, ascending="true").get_json()
    rest = lrs.client.get(page["more"], headers=lrs.headers()).get_json()
    assert [s["id"] for s in page["statements"] + rest["statements"]] == stored


def _page_through(lrs, **params) -> list[str]:  # noqa: ANN001
    seen, response = [], lrs.get(limit=2, **params)
    while True:
        body = response.get_json()
        seen += [s["id"] for s in body["statements"]]
        if not body["more"]:
            return seen
        response = lrs.client.get(body["more"], headers=lrs.headers())


def test_filtered_pages_read_every_era_in_order(lrs, monkeypatch):  # noqa: ANN001
    # Eras of two statements, so a few statements span many of them; each page's more link goes on
    # from where it stopped, in either direction, with every kind of filter.
    monkeypatch.setattr(keys, "ERA_BITS", 1)
    other_verb = {"id": "https://example.org/verbs/other"}
    stored = []
    for number in range(9):
        mine = statement(id=new_id(), verb=other_verb if number % 3 == 0 else statement()["verb"],
                         context={"contextActivities": {"parent": [{"id": COURSE}]}})
        lrs.store(mine, statement(id=new_id(), actor=BOB))  # another person's statement between each of Ada's
        stored.append(mine["id"])
    newest_first = list(reversed(stored))
    assert _page_through(lrs, agent=ADA) == newest_first
    assert _page_through(lrs, agent=ADA, ascending="true") == stored
    assert _page_through(lrs, agent=ADA, verb=other_verb["id"]) == newest_first[2::3]
    assert _page_through(lrs, activity=COURSE, related_activities="true") == newest_first
    assert _page_through(lrs, activity=COURSE, related_activities="true", ascending="true") == stored


def test_pages_without_a_filter_key_follow_stored_time_through_ties(lrs, monkeypatch):  # noqa: ANN001
    # Stored times need not rise with arrival (a request that started first may commit last), and a
    # batch shares one stored time: pages are in stored order, ties in arrival order, nothing lost or repeated.
    clock = iter([datetime(2026, 3, 7, 9, 30, tzinfo=UTC), datetime(2026, 3, 7, 9, 0, tzinfo=UTC),
                  datetime(2026, 3, 7, 10, 0, tzinfo=UTC)])
    monkeypatch.setattr(store, "utcnow", lambda: next(clock))
    late, = lrs.store(statement())
    early, = lrs.store(statement())
    batch = lrs.store(*[statement() for _ in range(3)])
    newest_first = [*reversed(batch), late, early]
    assert _page_through(lrs) == newest_first
    assert _page_through(lrs, since="2026-03-07T08:00:00Z") == newest_first
    assert _page_through(lrs, until="2026-03-07T09:30:00Z") == [late, early]
    assert _page_through(lrs, ascending="true") == list(reversed(newest_first))
    assert _page_through(lrs, since="2026-03-07T09:00:00Z", ascending="true") == [late, *batch]


def _assert_read_in_order(conn, query, **shows: str) -> None:  # noqa: ANN001
    """The query's plan reads the index its dialect's plan text shows, with no sort step."""
    compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
    if conn.dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
        sorting = "TEMP B-TREE"
    else:
        plan = " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
        sorting = "Sort"
    assert shows[conn.dialect.name] in plan and sorting not in plan, plan


def test_a_time_range_page_reads_the_stored_index_in_order_without_sorting(app):  # noqa: ANN001
    # Sorting every statement in the range made a "since" query slow whenever the planner's statistics
    # were behind a burst of writes; an ordered index scan stops after one page, whatever the estimate.
    from lms import db
    from lms.xapi.query import Filters, page_query

    with app.app_context(), db.engine().connect() as conn:
        if conn.dialect.name == "postgresql":  # a year of statements, so the planner weighs a real table
            conn.exec_driver_sql(
                "INSERT INTO xapi_statements (statement_id, stored, voided, voiding, body) "
                "SELECT gen_random_uuid()::text, TIMESTAMPTZ '2026-01-01' + interval '1 hour' * g, false, false, '{}' "
                "FROM generate_series(1, 8760) g")
            conn.exec_driver_sql("ANALYZE xapi_statements")
        for filters in (Filters(since=datetime(2026, 3, 7, tzinfo=UTC)), Filters(ascending=True, until=datetime(2026, 3, 7, tzinfo=UTC)),
                        Filters(after=10, after_stored=datetime(2026, 3, 7, tzinfo=UTC))):
            _assert_read_in_order(conn, page_query(filters, 50), sqlite="ix_xapi_statements_stored_seq",
                                  postgresql="ix_xapi_statements_stored_seq")


def test_a_filtered_page_reads_each_era_in_order_without_sorting(app):  # noqa: ANN001
    from lms import db
    from lms.xapi.query import Filters, page_query

    agent = (keys.AGENT, keys.ifi(ADA), False)
    agent_key = keys.key(keys.AGENT, keys.ifi(ADA))
    with app.app_context(), db.engine().connect() as conn:
        if conn.dialect.name == "postgresql":  # statements in twenty eras, so the planner weighs real tables
            conn.exec_driver_sql(
                "INSERT INTO xapi_statements (seq, statement_id, stored, voided, voiding, body) "
                "SELECT g, gen_random_uuid()::text, TIMESTAMPTZ '2026-01-01' + interval '1 second' * g, false, false, '{}' "
                f"FROM generate_series(1, 20 << {keys.ERA_BITS}, 97) g")
            conn.exec_driver_sql("INSERT INTO xapi_statement_keys (era, key, seq) "
                                 f"SELECT seq >> {keys.ERA_BITS}, CASE WHEN mod(seq, 5) = 0 THEN {agent_key} ELSE mod(seq, 500) END,"
                                 " seq FROM xapi_statements")
            conn.exec_driver_sql("ANALYZE xapi_statements")
            conn.exec_driver_sql("ANALYZE xapi_statement_keys")
        for filters in (Filters(facts=[agent]), Filters(facts=[agent], ascending=True, after=70_000)):
            _assert_read_in_order(conn, page_query(filters, 50, newest_seq=20 << keys.ERA_BITS),
                                  sqlite="era=? AND key=?", postgresql="pk_xapi_statement_keys")


def test_a_forged_more_token_is_refused(lrs):  # noqa: ANN001
    response = lrs.get(more="not-a-token")
    assert (response.status_code, response.get_json()["field"]) == (400, "more")


def test_bad_parameters_are_named(lrs):  # noqa: ANN001
    for params, field in [({"agent": "not json"}, "agent"), ({"agent": {"name": "no ifi"}}, "agent"),
                          ({"verb": "nope"}, "verb"), ({"since": "yesterday"}, "since"), ({"limit": "-1"}, "limit"),
                          ({"format": "full"}, "format"), ({"ascending": "yes"}, "ascending"),
                          ({"colour": "red"}, "colour"), ({"registration": "x"}, "registration"),
                          ({"statementId": new_id(), "verb": "https://x.org/v"}, "verb")]:
        response = lrs.get(**params)
        assert (response.status_code, response.get_json()["field"]) == (400, field), params
        assert "X-Experience-API-Consistent-Through" in response.headers


def test_consistent_through_is_a_timestamp_not_before_what_was_stored(lrs):  # noqa: ANN001
    (statement_id,) = lrs.store(statement())
    response = lrs.get()
    through = values.parse_timestamp(response.headers["X-Experience-API-Consistent-Through"])
    stored = values.parse_timestamp(lrs.get(statementId=statement_id).get_json()["stored"])
    assert through >= stored


def test_ids_format_keeps_only_identifiers(lrs):  # noqa: ANN001
    lrs.store(statement(actor={"objectType": "Group", "name": "Team", "member": [{"name": "Ada", **ADA}]}))
    (found,) = lrs.get(format="ids").get_json()["statements"]
    assert found["actor"] == {"objectType": "Group", "member": [{"objectType": "Agent", **ADA}]}
    assert found["verb"] == {"id": "http://adlnet.gov/expapi/verbs/completed"}
    assert found["object"] == {"id": "https://example.org/activities/one"}


def test_canonical_format_keeps_one_language(lrs):  # noqa: ANN001
    lrs.store(statement(verb={"id": "https://x.org/v", "display": {"en-US": "did", "en-GB": "did", "fr": "fait"}}))
    response = lrs.get(format="canonical", headers={"Accept-Language": "fr;q=0.9, en-GB"})
    assert response.get_json()["statements"][0]["verb"]["display"] == {"en-GB": "did"}
    exact = lrs.get().get_json()["statements"][0]
    assert len(exact["verb"]["display"]) == 3


def test_head_answers_like_get_without_a_body(lrs):  # noqa: ANN001
    lrs.store(statement())
    response = lrs.request("HEAD", "/statements")
    assert response.status_code == 200
    assert response.data == b""
    assert "X-Experience-API-Consistent-Through" in response.headers


def test_a_page_is_the_exact_stored_json(lrs):  # noqa: ANN001
    sent = statement(result={"extensions": {"https://x.org/e": {"nested": [1, 2.5, None]}}})
    lrs.store(sent)
    page = json.loads(lrs.get().data)
    assert page["statements"][0]["result"] == sent["result"]


def test_read_own_scope_sees_only_its_own_statements(client, make_lrs_client, lrs):  # noqa: ANN001
    from tests.xapi.conftest import Lrs

    lrs.store(statement())
    mine = Lrs(client, make_lrs_client("statements/read/mine statements/write"))
    (own,) = mine.store(statement())
    assert ids(mine.get()) == [own]
    assert mine.get(statementId=lrs.get().get_json()["statements"][-1]["id"]).status_code == 404
    assert len(ids(lrs.get())) == 2
