"""Hypothesis strategies for valid xAPI statements, and mutations that make them invalid."""

from __future__ import annotations

import copy
import string
from datetime import UTC, datetime

from hypothesis import strategies as st

_WORD = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
IRIS = st.builds(lambda host, path: f"https://{host}.example.org/{path}", _WORD, _WORD)
LANGS = st.sampled_from(["en", "en-GB", "en-US", "cy", "fr-FR", "zh-Hant-TW", "de-CH-1901"])
LANGMAPS = st.dictionaries(LANGS, st.text(max_size=20), min_size=1, max_size=3)
UUIDS = st.uuids().map(str)
TIMESTAMPS = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1),
                         timezones=st.just(UTC)).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z")

MBOX = st.builds(lambda a, b: {"mbox": f"mailto:{a}@{b}.example.org"}, _WORD, _WORD)
SHA1 = st.text(alphabet="0123456789abcdef", min_size=40, max_size=40).map(lambda h: {"mbox_sha1sum": h})
OPENID = IRIS.map(lambda iri: {"openid": iri})
ACCOUNT = st.builds(lambda home, name: {"account": {"homePage": home, "name": name}}, IRIS, _WORD)
IFIS = st.one_of(MBOX, SHA1, OPENID, ACCOUNT)


def _agent(ifi: dict, name: str | None, typed: bool) -> dict:
    agent = dict(ifi)
    if typed:
        agent["objectType"] = "Agent"
    if name is not None:
        agent["name"] = name
    return agent


AGENTS = st.builds(_agent, IFIS, st.none() | _WORD, st.booleans())
TYPED_AGENTS = st.builds(_agent, IFIS, st.none() | _WORD, st.just(True))
GROUPS = st.one_of(
    st.builds(lambda members, name: {"objectType": "Group", "name": name, "member": members},
              st.lists(AGENTS, min_size=1, max_size=3), _WORD),
    st.builds(lambda ifi, members: {"objectType": "Group", **ifi, "member": members},
              IFIS, st.lists(AGENTS, max_size=2)),
)
DEFINITIONS = st.fixed_dictionaries({}, optional={
    "name": LANGMAPS, "description": LANGMAPS, "type": IRIS, "moreInfo": IRIS,
    "extensions": st.dictionaries(IRIS, st.integers() | st.text(max_size=5), max_size=2),
})
ACTIVITIES = st.builds(lambda iri, definition, typed: {**({"objectType": "Activity"} if typed else {}), "id": iri,
                                                       **({"definition": definition} if definition else {})},
                       IRIS, DEFINITIONS, st.booleans())
VERBS = st.builds(lambda iri, display: {"id": iri, **({"display": display} if display else {})}, IRIS,
                  st.none() | LANGMAPS)
SCORES = st.floats(min_value=0, max_value=1, allow_nan=False).map(lambda s: {"scaled": round(s, 4), "raw": round(s * 100, 2),
                                                                              "min": 0, "max": 100})
RESULTS = st.fixed_dictionaries({}, optional={
    "score": SCORES, "success": st.booleans(), "completion": st.booleans(), "response": st.text(max_size=20),
    "duration": st.sampled_from(["PT5M", "PT1H30M0.5S", "P1D", "PT0S", "P2W"]),
})
CONTEXTS = st.fixed_dictionaries({}, optional={
    "registration": UUIDS, "instructor": AGENTS, "language": LANGS, "revision": _WORD, "platform": _WORD,
    "contextActivities": st.fixed_dictionaries({}, optional={
        "parent": st.lists(ACTIVITIES, min_size=1, max_size=2), "grouping": st.lists(ACTIVITIES, min_size=1, max_size=2),
        "category": st.lists(ACTIVITIES, min_size=1, max_size=1)}),
})


def _statement(actor, verb, obj, result, context, timestamp, ident):  # noqa: ANN001, ANN202
    statement = {"actor": actor, "verb": verb, "object": obj}
    if result:
        statement["result"] = result
    if context:
        if "id" not in obj or obj.get("objectType") not in (None, "Activity"):
            context = {k: v for k, v in context.items() if k not in ("revision", "platform")}
        statement["context"] = context
    if timestamp:
        statement["timestamp"] = timestamp
    if ident:
        statement["id"] = ident
    return statement


STATEMENTS = st.builds(_statement, st.one_of(AGENTS, GROUPS), VERBS, st.one_of(ACTIVITIES, TYPED_AGENTS),
                       RESULTS, CONTEXTS, st.none() | TIMESTAMPS, st.none() | UUIDS)


def _set(path: tuple, value):  # noqa: ANN001, ANN202
    def mutate(statement: dict) -> dict:
        statement = copy.deepcopy(statement)
        holder = statement
        for part in path[:-1]:
            holder = holder[part]
        holder[path[-1]] = value
        return statement
    return mutate


def _drop(key: str):  # noqa: ANN202
    def mutate(statement: dict) -> dict:
        statement = copy.deepcopy(statement)
        del statement[key]
        return statement
    return mutate


# (mutation, the field the error must name): each breaks exactly one rule of a valid statement.
MUTATIONS = [
    (_drop("actor"), "statement.actor"),
    (_drop("verb"), "statement.verb"),
    (_drop("object"), "statement.object"),
    (_set(("id",), "not-a-uuid"), "statement.id"),
    (_set(("verb", "id"), "not an iri"), "statement.verb.id"),
    (_set(("verb", "display"), {"a12345": "done"}), "statement.verb.display.a12345"),
    (_set(("actor",), {"objectType": "Agent", "mbox": "a@b.c"}), "statement.actor.mbox"),
    (_set(("actor",), {"mbox": "mailto:a@b.org", "openid": "https://x.org"}), "statement.actor"),
    (_set(("actor",), {"objectType": "Group"}), "statement.actor.member"),
    (_set(("object",), {"objectType": "Activity", "id": "ab=c://x"}), "statement.object.id"),
    (_set(("object",), {"objectType": "StatementRef", "id": "nope"}), "statement.object.id"),
    (_set(("unknown",), 1), "statement.unknown"),
    (_set(("timestamp",), "2008-09-15T15:53:00.601-00:00"), "statement.timestamp"),
    (_set(("timestamp",), "01/011/2015"), "statement.timestamp"),
    (_set(("version",), "1.1.0"), "statement.version"),
    (_set(("result",), {"score": {"scaled": 1.5}}), "statement.result.score.scaled"),
    (_set(("result",), {"score": {"min": 5, "max": 1}}), "statement.result.score.min"),
    (_set(("result",), {"duration": "PA1H"}), "statement.result.duration"),
    (_set(("result",), {"success": "yes"}), "statement.result.success"),
    (_set(("context",), {"registration": "x"}), "statement.context.registration"),
    (_set(("context",), {"team": {"mbox": "mailto:t@x.org"}}), "statement.context.team"),
    (_set(("context",), {"extensions": {"not an iri": 1}}), "statement.context.extensions.not an iri"),
    (_set(("authority",), {"objectType": "Group", "member": [{"mbox": "mailto:a@x.org"}]}), "statement.authority.member"),
]
