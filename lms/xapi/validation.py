"""Statement validation against xAPI 1.0.3 (and 2.0.0): every rule names the field it failed on."""

from __future__ import annotations

from typing import Any

from lms.xapi import rules, values as v
from lms.xapi.checks import Invalid, extensions, fail, iri, json_object, langmap, string

__all__ = ["Invalid", "SIGNATURE_USAGE", "VOIDED", "validate_statement", "validate_statements"]

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

_STATEMENT_KEYS = frozenset({"id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
                             "authority", "version", "attachments"})
_SUB_KEYS = frozenset({"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"})
_AGENT_KEYS = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
_GROUP_KEYS = _AGENT_KEYS | {"member"}
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_CONTEXT_KEYS = frozenset({"registration", "instructor", "team", "contextActivities", "revision", "platform",
                           "language", "statement", "extensions"})
_CONTEXT_KEYS_2 = _CONTEXT_KEYS | {"contextAgents", "contextGroups"}
_CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")
_ACCOUNT_KEYS = frozenset({"homePage", "name"})


def validate_statements(data: Any, *, v2: bool = False) -> list[dict]:
    """A statement or a list of them, as a list; raises Invalid on the first broken rule."""
    if type(data) is dict:
        validate_statement(data, "statement", v2=v2)
        return [data]
    if type(data) is not list:
        fail("statements", "must be a statement object or an array of statements")
    for index, statement in enumerate(data):
        validate_statement(statement, f"statements[{index}]", v2=v2)
    return data


def validate_statement(st: Any, path: str = "statement", *, v2: bool = False) -> None:
    json_object(st, path, _STATEMENT_KEYS)
    for key in ("actor", "verb", "object"):
        if key not in st:
            fail(f"{path}.{key}", "is required")
    if "id" in st and not v.is_uuid(st["id"]):
        fail(f"{path}.id", "must be a UUID")
    _statement_body(st, path, v2, sub=False)
    if "stored" in st and v.parse_timestamp(st["stored"]) is None:
        fail(f"{path}.stored", "must be an ISO 8601 timestamp")
    if "authority" in st:
        _authority(st["authority"], f"{path}.authority")
    if "version" in st:
        version = st["version"]
        if type(version) is not str or not (_is_version(version, "1.0") or (v2 and _is_version(version, "2.0"))):
            fail(f"{path}.version", "must be 1.0 or 1.0.x" + (" or 2.0.x" if v2 else ""))


def _is_version(value: str, prefix: str) -> bool:
    if value == prefix:
        return True
    head, _, tail = value.rpartition(".")
    return head == prefix and tail.isdigit()


def _statement_body(st: dict, path: str, v2: bool, sub: bool) -> None:
    """What statements and sub-statements share: actor, verb, object, result, context, timestamp."""
    _actor(st["actor"], f"{path}.actor")
    verb = json_object(st["verb"], f"{path}.verb", frozenset({"id", "display"}))
    if "id" not in verb:
        fail(f"{path}.verb.id", "is required")
    iri(verb["id"], f"{path}.verb.id")
    if "display" in verb:
        langmap(verb["display"], f"{path}.verb.display")
    obj = st["object"]
    kind = _object_kind(obj, f"{path}.object", sub=sub)
    if kind == "SubStatement":
        _substatement(obj, f"{path}.object", v2)
    if verb["id"] == VOIDED and kind != "StatementRef":
        fail(f"{path}.object", "a voiding statement's object must be a StatementRef")
    if "result" in st:
        rules.result(st["result"], f"{path}.result")
    if "context" in st:
        _context(st["context"], f"{path}.context", kind, v2)
    if "timestamp" in st and v.parse_timestamp(st["timestamp"]) is None:
        fail(f"{path}.timestamp", "must be an ISO 8601 timestamp with a valid offset (not -00:00)")
    if "attachments" in st:
        attachments = st["attachments"]
        if type(attachments) is not list:
            fail(f"{path}.attachments", "must be an array")
        for index, attachment in enumerate(attachments):
            rules.attachment(attachment, f"{path}.attachments[{index}]")


def _substatement(substatement: dict, path: str, v2: bool) -> None:
    json_object(substatement, path, _SUB_KEYS)
    for key in ("actor", "verb", "object"):
        if key not in substatement:
            fail(f"{path}.{key}", "is required")
    _statement_body(substatement, path, v2, sub=True)


def _object_kind(obj: Any, path: str, sub: bool) -> str:
    if type(obj) is not dict:
        fail(path, "must be a JSON object")
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        rules.activity(obj, path)
    elif kind == "Agent":
        _agent(obj, path)
    elif kind == "Group":
        _group(obj, path)
    elif kind == "StatementRef":
        _statement_ref(obj, path)
    elif kind == "SubStatement":
        if sub:
            fail(f"{path}.objectType", "a SubStatement cannot contain a SubStatement")
    else:
        fail(f"{path}.objectType", "must be Activity, Agent, Group, SubStatement or StatementRef")
    return kind


def _statement_ref(obj: Any, path: str) -> None:
    json_object(obj, path, frozenset({"objectType", "id"}))
    if obj.get("objectType") != "StatementRef":
        fail(f"{path}.objectType", "must be StatementRef")
    if not v.is_uuid(obj.get("id")):
        fail(f"{path}.id", "must be a UUID")


def _actor(actor: Any, path: str) -> None:
    if type(actor) is not dict:
        fail(path, "must be an Agent or Group object")
    kind = actor.get("objectType", "Agent")
    if kind == "Agent":
        _agent(actor, path)
    elif kind == "Group":
        _group(actor, path)
    else:
        fail(f"{path}.objectType", "must be Agent or Group")


def _ifis(actor: dict, path: str, required: bool) -> int:
    count = 0
    for key in _IFIS:
        if key in actor:
            count += 1
            value = actor[key]
            if key == "mbox":
                if not v.is_mailto(value):
                    fail(f"{path}.mbox", "must be mailto: followed by an e-mail address")
            elif key == "mbox_sha1sum":
                if not v.is_sha1(value):
                    fail(f"{path}.mbox_sha1sum", "must be a SHA-1 hex digest")
            elif key == "openid":
                iri(value, f"{path}.openid")
            else:
                account = json_object(value, f"{path}.account", _ACCOUNT_KEYS)
                if "homePage" not in account:
                    fail(f"{path}.account.homePage", "is required")
                iri(account["homePage"], f"{path}.account.homePage")
                if "name" not in account:
                    fail(f"{path}.account.name", "is required")
                string(account["name"], f"{path}.account.name")
    if count > 1:
        fail(path, "must have exactly one inverse functional identifier (mbox, mbox_sha1sum, openid, account)")
    if required and count == 0:
        fail(path, "needs an inverse functional identifier (mbox, mbox_sha1sum, openid or account)")
    return count


def _agent(agent: Any, path: str) -> None:
    json_object(agent, path, _AGENT_KEYS)
    if "objectType" in agent and agent["objectType"] != "Agent":
        fail(f"{path}.objectType", "must be Agent")
    if "name" in agent:
        string(agent["name"], f"{path}.name")
    _ifis(agent, path, required=True)


def _group(group: Any, path: str) -> None:
    json_object(group, path, _GROUP_KEYS)
    if group.get("objectType") != "Group":
        fail(f"{path}.objectType", "must be Group")
    if "name" in group:
        string(group["name"], f"{path}.name")
    identified = _ifis(group, path, required=False)
    members = group.get("member")
    if members is None:
        if not identified:
            fail(f"{path}.member", "an anonymous group must list its members")
        if "member" in group:
            fail(f"{path}.member", "must be an array of Agents")
        return
    if type(members) is not list:
        fail(f"{path}.member", "must be an array of Agents")
    if not identified and not members:
        fail(f"{path}.member", "an anonymous group must list at least one member")
    for index, member in enumerate(members):
        if type(member) is dict and member.get("objectType") == "Group":
            fail(f"{path}.member[{index}].objectType", "a group's members must be Agents")
        _agent(member, f"{path}.member[{index}]")


def _authority(authority: Any, path: str) -> None:
    _actor(authority, path)
    if authority.get("objectType") == "Group":
        # Only OAuth three-legged authority is a group: anonymous, the consumer and the user.
        if any(ifi in authority for ifi in _IFIS):
            fail(path, "an authority group must be anonymous (an OAuth consumer and user)")
        if len(authority.get("member") or ()) != 2:
            fail(f"{path}.member", "an authority group (OAuth) must have exactly two members")


def _context(context: Any, path: str, object_kind: str, v2: bool) -> None:
    json_object(context, path, _CONTEXT_KEYS_2 if v2 else _CONTEXT_KEYS)
    if "registration" in context and not v.is_uuid(context["registration"]):
        fail(f"{path}.registration", "must be a UUID")
    if "instructor" in context:
        _actor(context["instructor"], f"{path}.instructor")
    if "team" in context:
        team = context["team"]
        if type(team) is not dict or team.get("objectType") != "Group":
            fail(f"{path}.team", "must be a Group")
        _group(team, f"{path}.team")
    if "contextActivities" in context:
        activities = json_object(context["contextActivities"], f"{path}.contextActivities",
                             frozenset(_CONTEXT_ACTIVITY_KEYS))
        for key, value in activities.items():
            here = f"{path}.contextActivities.{key}"
            for index, activity in enumerate(value if type(value) is list else [value]):
                spot = f"{here}[{index}]" if type(value) is list else here
                if type(activity) is not dict:
                    fail(spot, "must be an Activity object")
                if activity.get("objectType", "Activity") != "Activity":
                    fail(f"{spot}.objectType", "must be Activity")
                rules.activity(activity, spot)
    for key in ("revision", "platform"):
        if key in context:
            string(context[key], f"{path}.{key}")
            if object_kind != "Activity":
                fail(f"{path}.{key}", "may only be used when the object is an Activity")
    if "language" in context and not v.is_langtag(context["language"]):
        fail(f"{path}.language", "must be an RFC 5646 language tag")
    if "statement" in context:
        _statement_ref(context["statement"], f"{path}.statement")
    if "extensions" in context:
        extensions(context["extensions"], f"{path}.extensions")
    if v2:
        _context_agents(context, path)


def _context_agents(context: dict, path: str) -> None:
    for key, kind, member in (("contextAgents", "contextAgent", "agent"), ("contextGroups", "contextGroup", "group")):
        if key not in context:
            continue
        entries = context[key]
        if type(entries) is not list:
            fail(f"{path}.{key}", f"must be an array of {kind} objects")
        for index, entry in enumerate(entries):
            here = f"{path}.{key}[{index}]"
            json_object(entry, here, frozenset({"objectType", member, "relevantTypes"}))
            if entry.get("objectType") != kind:
                fail(f"{here}.objectType", f"must be {kind}")
            if member not in entry:
                fail(f"{here}.{member}", "is required")
            if member == "agent":
                _agent(entry["agent"], f"{here}.agent")
            else:
                if type(entry["group"]) is not dict or entry["group"].get("objectType") != "Group":
                    fail(f"{here}.group.objectType", "must be Group")
                _group(entry["group"], f"{here}.group")
            if "relevantTypes" in entry:
                types = entry["relevantTypes"]
                if type(types) is not list or not types:
                    fail(f"{here}.relevantTypes", "must be a non-empty array of IRIs")
                for position, type_iri in enumerate(types):
                    iri(type_iri, f"{here}.relevantTypes[{position}]")


