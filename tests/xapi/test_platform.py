"""The platform's own statements: what each builder records, in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lms import db
from lms.xapi import outbox, platform, vocabulary as vocab
from lms.xapi.platform import Outcome, Person, Thing
from tests.xapi.conftest import new_id

ADA = Person(7, "Ada Lovelace", "ada@example.org")
ADMIN = Person(3, "Grace Admin", "grace@example.org")
STARTER = Thing("starter", "Starter bundle")
ALPHA = Thing("alpha", "Alpha")
LESSON = Thing("lesson", "Alpha lesson")
QUIZ = Thing("quiz", "Alpha knowledge check")
Q1 = Thing("q1", "Which of these is a value?")
BASE = "https://lms.example.org/xapi/activities"
AT = datetime(2026, 3, 7, 9, 30, tzinfo=UTC)


def ada_agent() -> dict:
    return {"objectType": "Agent", "name": "Ada Lovelace", "account": {"homePage": "https://lms.example.org", "name": "7"}}


def stored(lrs, statement_id: str) -> dict:  # noqa: ANN001
    response = lrs.get(statementId=statement_id)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def commit(statement_id: str) -> str:
    db.commit()
    return statement_id


def test_completed_module_has_result_context_and_platform_authority(session, lrs):  # noqa: ANN001
    registration = new_id()
    statement_id = commit(platform.completed_module(
        session, ADA, ALPHA, bundle=STARTER, registration=registration, at=AT,
        outcome=Outcome(scaled=0.8, raw=8, min=0, max=10, success=True, completion=True, duration=timedelta(minutes=12))))
    found = stored(lrs, statement_id)
    assert uuid.UUID(statement_id).version == 1, "a time-based id, as the LRS makes"
    assert found["actor"] == ada_agent()
    assert found["verb"] == {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-GB": "completed"}}
    assert found["object"]["id"] == f"{BASE}/modules/alpha"
    assert found["object"]["definition"] == {"name": {"en-GB": "Alpha"}, "type": "http://adlnet.gov/expapi/activities/module"}
    assert found["context"]["registration"] == registration
    assert found["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/bundles/starter"
    assert found["result"] == {"score": {"scaled": 0.8, "raw": 8.0, "min": 0.0, "max": 10.0}, "success": True,
                               "completion": True, "duration": "PT12M00S"}
    assert found["timestamp"].startswith("2026-03-07T09:30:00")
    assert found["authority"]["account"] == {"homePage": "https://lms.example.org", "name": "lms"}


@pytest.mark.parametrize("build, verb, object_id", [
    (lambda s: platform.registered(s, ADA), vocab.REGISTERED, f"{BASE}/platform"),
    (lambda s: platform.enrolled(s, ADA, STARTER, new_id(), source="automatic"), vocab.ENROLLED, f"{BASE}/bundles/starter"),
    (lambda s: platform.launched(s, ADA, LESSON, module=ALPHA, bundle=STARTER, registration=new_id()), vocab.LAUNCHED,
     f"{BASE}/modules/alpha/activities/lesson"),
    (lambda s: platform.experienced(s, ADA, LESSON, module=ALPHA, page=2), vocab.EXPERIENCED,
     f"{BASE}/modules/alpha/activities/lesson"),
    (lambda s: platform.answered(s, ADA, Q1, quiz=QUIZ, module=ALPHA, bundle=STARTER, response="b[,]c", success=False),
     vocab.ANSWERED, f"{BASE}/modules/alpha/activities/quiz/questions/q1"),
    (lambda s: platform.quiz_result(s, ADA, QUIZ, module=ALPHA, outcome=Outcome(scaled=0.5, success=True)), vocab.PASSED,
     f"{BASE}/modules/alpha/activities/quiz"),
    (lambda s: platform.quiz_result(s, ADA, QUIZ, module=ALPHA, outcome=Outcome(scaled=0.25, success=False)),
     vocab.FAILED, f"{BASE}/modules/alpha/activities/quiz"),
    (lambda s: platform.completed_bundle(s, ADA, STARTER, registration=new_id()), vocab.COMPLETED, f"{BASE}/bundles/starter"),
    (lambda s: platform.attended(s, ADA, Thing("workshop", "Workshop"), module=ALPHA, facilitator=ADMIN), vocab.ATTENDED,
     f"{BASE}/modules/alpha/activities/workshop"),
    (lambda s: platform.waived(s, ADA, ALPHA, reason="Prior learning", by=ADMIN), vocab.WAIVED, f"{BASE}/modules/alpha"),
    (lambda s: platform.satisfied(s, ADA, STARTER, registration=new_id()), vocab.SATISFIED, f"{BASE}/bundles/starter"),
    (lambda s: platform.earned(s, ADA, Thing("ABCD-1234", "Certificate"), bundle=STARTER), vocab.EARNED,
     f"{BASE}/certificates/ABCD-1234"),
])
def test_each_event_records_its_verb_and_activity(session, lrs, build, verb, object_id):  # noqa: ANN001
    found = stored(lrs, commit(build(session)))
    assert found["verb"]["id"] == verb.iri
    assert found["object"]["id"] == object_id
    assert found["actor"] == ada_agent()
    mine = lrs.get(agent=ada_agent()).get_json()["statements"]
    assert [s["id"] for s in mine] == [found["id"]]


def test_an_answer_sits_within_its_quiz_module_and_bundle(session, lrs):  # noqa: ANN001
    found = stored(lrs, commit(platform.answered(session, ADA, Q1, quiz=QUIZ, module=ALPHA, bundle=STARTER,
                                                 response="b", success=True)))
    activities = found["context"]["contextActivities"]
    assert [a["id"] for a in activities["parent"]] == [f"{BASE}/modules/alpha/activities/quiz"]
    assert [a["id"] for a in activities["grouping"]] == [f"{BASE}/modules/alpha", f"{BASE}/bundles/starter"]
    assert found["result"] == {"success": True, "response": "b"}
    by_module = lrs.get(activity=f"{BASE}/modules/alpha", related_activities="true").get_json()["statements"]
    assert [s["id"] for s in by_module] == [found["id"]]


def test_assignment_names_the_assigner_as_actor_and_the_learner_as_object(session, lrs):  # noqa: ANN001
    due = datetime(2026, 4, 6, tzinfo=UTC)
    found = stored(lrs, commit(platform.assigned(session, ADA, STARTER, new_id(), assigned_by=ADMIN, due_at=due)))
    assert found["actor"]["account"]["name"] == "3"
    assert found["object"] == ada_agent()
    assert found["context"]["extensions"] == {"https://lms.example.org/xapi/extensions/due": "2026-04-06"}
    assert [s["id"] for s in lrs.get(agent=ada_agent()).get_json()["statements"]] == [found["id"]]
    automatic = stored(lrs, commit(platform.assigned(session, ADA, STARTER, new_id(), assigned_by=None)))
    assert automatic["actor"]["account"]["name"] == "lms"


def test_a_statement_rolls_back_with_the_event(session, lrs):  # noqa: ANN001
    platform.completed_module(session, ADA, ALPHA)
    db.rollback()
    assert lrs.get().get_json()["statements"] == []


def test_platform_statements_are_queued_for_forwarding(app, session):  # noqa: ANN001
    app.config["XAPI_FORWARD_URL"] = "http://127.0.0.1:9/xapi"
    commit(platform.completed_module(session, ADA, ALPHA))
    assert outbox.counts(db.engine()) == {"queued": 1, "failed": 0}


def test_the_activity_base_and_identifier_are_configurable(app, session, lrs):  # noqa: ANN001
    app.config.update(XAPI_ACTIVITY_BASE="https://training.nhs.example/xapi/", XAPI_ACTOR_IDENTIFIER="mbox")
    found = stored(lrs, commit(platform.completed_module(session, ADA, Thing("a b/c", "Odd id"))))
    assert found["object"]["id"] == "https://training.nhs.example/xapi/modules/a%20b%2Fc"
    assert found["actor"] == {"objectType": "Agent", "name": "Ada Lovelace", "mbox": "mailto:ada@example.org"}


def test_a_rolled_back_definition_is_stored_by_the_next_statement(session, lrs):  # noqa: ANN001
    platform.completed_module(session, ADA, ALPHA)
    db.rollback()
    commit(platform.completed_module(session, ADA, ALPHA))
    found = lrs.get("/activities", activityId=f"{BASE}/modules/alpha").get_json()
    assert found["definition"]["name"] == {"en-GB": "Alpha"}
