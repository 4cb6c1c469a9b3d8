"""Statement validation: each rule named by field, property tests over generated statements."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.xapi import values
from lms.xapi.validation import Invalid, validate_statement, validate_statements
from tests.xapi.conftest import statement
from tests.xapi.strategies import MUTATIONS, STATEMENTS

LRS_SET = ("stored", "authority", "version")


@settings(max_examples=60, deadline=None)
@given(STATEMENTS)
def test_generated_statements_are_valid(generated):  # noqa: ANN001
    validate_statement(generated)


@settings(max_examples=60, deadline=None)
@given(STATEMENTS, st.sampled_from(MUTATIONS))
def test_each_mutation_is_rejected_naming_its_field(generated, mutation):  # noqa: ANN001
    mutate, field = mutation
    if field == "statement.context.extensions.not an iri" and "context" not in generated:
        generated["context"] = {}
    with pytest.raises(Invalid) as caught:
        validate_statement(mutate(generated))
    assert caught.value.field == field
    assert caught.value.rule


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STATEMENTS)
def test_valid_statements_round_trip_through_the_lrs(lrs, generated):  # noqa: ANN001
    generated.pop("id", None)  # the same generated id may come up in two examples
    sent = json.loads(json.dumps(generated))
    response = lrs.post(generated)
    assert response.status_code == 200, response.get_json()
    (statement_id,) = response.get_json()
    stored = lrs.get(statementId=statement_id).get_json()
    for key in LRS_SET + ("id",):
        stored.pop(key)
    if "timestamp" not in sent:
        stored.pop("timestamp")
    assert stored == sent


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STATEMENTS, st.sampled_from(MUTATIONS))
def test_mutated_statements_are_refused_by_the_lrs_naming_the_field(lrs, generated, mutation):  # noqa: ANN001
    mutate, field = mutation
    generated.pop("id", None)
    if "context" not in generated:
        generated["context"] = {}
    broken = mutate(generated)
    response = lrs.post(broken)
    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert lrs.get().get_json()["statements"] == []


@pytest.mark.parametrize("mutate, field", [
    (lambda s: s.update(object={"objectType": "SubStatement", "actor": s["actor"], "verb": s["verb"],
                                "object": {"objectType": "SubStatement"}}), "statement.object.object.objectType"),
    (lambda s: s.update(object={"mbox": "mailto:x@y.org"}), "statement.object.mbox"),
    (lambda s: s.update(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}), "statement.object"),
    (lambda s: s["object"]["definition"].update(choices=[{"id": "a"}]), "statement.object.definition.interactionType"),
    (lambda s: s["object"]["definition"].update(interactionType="likert", choices=[{"id": "a"}]),
     "statement.object.definition.choices"),
    (lambda s: s["object"]["definition"].update(interactionType="choice", choices=[{"id": "a"}, {"id": "a"}]),
     "statement.object.definition.choices[1].id"),
    (lambda s: s["object"]["definition"].update(interactionType={"x": 1}), "statement.object.definition.interactionType"),
    (lambda s: s.update(object={"objectType": "Agent", "mbox": "mailto:a@b.org"}, context={"platform": "x"}),
     "statement.context.platform"),
    (lambda s: s.update(attachments=[{"usageType": "https://x.org/u", "display": {"en": "a"}, "contentType": "text/plain",
                                      "length": -1, "sha2": "ab" * 32}]), "statement.attachments[0].length"),
    (lambda s: s.update(attachments=[{"usageType": "https://x.org/u", "display": {"en": "a"}, "contentType": "text/plain",
                                      "length": 1, "sha2": "xyz"}]), "statement.attachments[0].sha2"),
    (lambda s: s.update(authority={"objectType": "Group", "mbox": "mailto:g@x.org",
                                   "member": [{"mbox": "mailto:a@x.org"}, {"mbox": "mailto:b@x.org"}]}),
     "statement.authority"),
    (lambda s: s.update(actor={"objectType": "Group", "member": [{"objectType": "Group", "member": []}]}),
     "statement.actor.member[0].objectType"),
    (lambda s: s["object"]["definition"].update(name="One"), "statement.object.definition.name"),
])
def test_structural_rules(mutate, field):  # noqa: ANN001
    broken = statement()
    mutate(broken)
    with pytest.raises(Invalid) as caught:
        validate_statement(broken)
    assert caught.value.field == field


def test_context_agents_are_a_2_0_property():
    with_agents = statement(context={"contextAgents": [{"objectType": "contextAgent",
                                                        "agent": {"mbox": "mailto:a@x.org"},
                                                        "relevantTypes": ["https://x.org/type"]}]})
    validate_statement(with_agents, v2=True)
    with pytest.raises(Invalid) as caught:
        validate_statement(with_agents)
    assert caught.value.field == "statement.context.contextAgents"
    with_agents["context"]["contextAgents"][0]["relevantTypes"] = []
    with pytest.raises(Invalid) as caught:
        validate_statement(with_agents, v2=True)
    assert caught.value.field == "statement.context.contextAgents[0].relevantTypes"


def test_versions_by_negotiated_version():
    validate_statement(statement(version="1.0.9"))
    with pytest.raises(Invalid):
        validate_statement(statement(version="2.0.0"))
    validate_statement(statement(version="2.0.0"), v2=True)


def test_batches_name_the_statement_by_index():
    with pytest.raises(Invalid) as caught:
        validate_statements([statement(), statement(verb={"id": "nope"})])
    assert caught.value.field == "statements[1].verb.id"
    with pytest.raises(Invalid) as caught:
        validate_statements("a string")
    assert caught.value.field == "statements"


@pytest.mark.parametrize("text, ok", [
    ("2008-09-15T15:53:00.601Z", True), ("2008-09-15T15:53:00+01:00", True), ("2008-09-15T15:53:00", True),
    ("2008-09-15T15:53:00.601-00", False), ("2008-09-15T15:53:00.601-0000", False), ("2008-02-30T00:00:00Z", False),
    ("2008-09-15 15:53:00Z", False), ("2008-09-15T15:53:00+24:00", False),
])
def test_timestamps(text, ok):  # noqa: ANN001
    assert (values.parse_timestamp(text) is not None) is ok


@pytest.mark.parametrize("text, ok", [("PT1H0M0.1S", True), ("P1D", True), ("P3W", True), ("PA1H0M0S", False),
                                      ("P", False), ("PT", False), ("1H", False)])
def test_durations(text, ok):  # noqa: ANN001
    assert values.is_duration(text) is ok


@pytest.mark.parametrize("tag, ok", [("en", True), ("en-GB", True), ("zh-Hant-TW", True), ("x-private", True),
                                     ("a12345", False), ("a12345678", False), ("en_GB", False)])
def test_language_tags(tag, ok):  # noqa: ANN001
    assert values.is_langtag(tag) is ok


def test_duration_comparison_truncates_to_hundredths():
    assert values.truncate_duration("P1DT12H36M0.12567S") == "P1DT12H36M0.12S"
    assert values.truncate_duration("PT5M") == "PT5M"
