"""Filter keys: the facts a statement can be found by (verb, agents, activities, registration), hashed.

A key is a signed 64-bit hash of (kind, value), stored with the statement's era and seq in
``xapi_statement_keys``. "agent" and "activity" keys are the direct matches the ``agent`` and
``activity`` filters use; "agent*" and "activity*" hold only the other places an agent or activity
appears, which ``related_agents`` and ``related_activities`` add to the direct ones. Every key
written is another index page the commit writes, so nothing is stored twice.
"""

from __future__ import annotations

import json
from hashlib import blake2b

VERB, AGENT, AGENT_ANY, ACTIVITY, ACTIVITY_ANY, REGISTRATION = (
    "verb", "agent", "agent*", "activity", "activity*", "registration",
)
# What a related_* filter adds to the direct kind.
RELATED = {AGENT: AGENT_ANY, ACTIVITY: ACTIVITY_ANY}
# Keys are indexed by era first, a run of 2**ERA_BITS statements by seq. Ordered by key alone, a batch's
# keys landed on as many index pages as it had distinct agents and activities, scattered over the
# whole index, and each page was written to the log and copied back by the checkpoint: at a million
# stored, batches of 100 ran at 70 % of their rate on an empty store. Within the newest era (some
# 250 index pages) they share pages, and batches ran as fast as on an empty store. A smaller era
# would add seeks to queries, which read each era's range (123 at a million stored).
ERA_BITS = 13


def era(seq: int) -> int:
    return seq >> ERA_BITS


def eras(newest_seq: int, *, descending: bool = True) -> list[int]:
    """Every era up to the one holding newest_seq, in the order a query reads them."""
    found = list(range(era(newest_seq) + 1))
    return found[::-1] if descending else found


def key(kind: str, value: str) -> int:
    digest = blake2b(f"{kind}\x00{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def ifi(agent: dict) -> str | None:
    """An agent's or group's inverse functional identifier as one string; None for anonymous groups."""
    if "mbox" in agent:
        return "mbox:" + agent["mbox"]
    if "mbox_sha1sum" in agent:
        return "sha1:" + agent["mbox_sha1sum"].lower()
    if "openid" in agent:
        return "openid:" + agent["openid"]
    account = agent.get("account")
    if account is not None:
        return "account:" + json.dumps([account.get("homePage"), account.get("name")])
    return None


def _agent_ifis(agent: dict, out: set) -> None:
    """The IFIs an agent or group matches: its own and, for a group, its members'."""
    own = ifi(agent)
    if own is not None:
        out.add(own)
    for member in agent.get("member") or ():
        member_ifi = ifi(member)
        if member_ifi is not None:
            out.add(member_ifi)


def _context_activities(context: dict, out: set) -> None:
    for value in (context.get("contextActivities") or {}).values():
        for activity in value if type(value) is list else (value,):
            out.add(activity["id"])


def _context_agents(context: dict, out: set) -> None:
    for field in ("instructor", "team"):
        if field in context:
            _agent_ifis(context[field], out)
    for entry in context.get("contextAgents") or ():
        _agent_ifis(entry["agent"], out)
    for entry in context.get("contextGroups") or ():
        _agent_ifis(entry["group"], out)


def statement_facts(statement: dict) -> list[tuple[str, str]]:
    """Every (kind, value) a stored statement can be found by, without duplicates."""
    direct_agents: set = set()
    related_agents: set = set()
    direct_activities: set = set()
    related_activities: set = set()
    _agent_ifis(statement["actor"], direct_agents)
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        direct_activities.add(obj["id"])
    elif kind in ("Agent", "Group"):
        _agent_ifis(obj, direct_agents)
    elif kind == "SubStatement":
        _agent_ifis(obj["actor"], related_agents)
        sub_object = obj["object"]
        sub_kind = sub_object.get("objectType", "Activity")
        if sub_kind == "Activity":
            related_activities.add(sub_object["id"])
        elif sub_kind in ("Agent", "Group"):
            _agent_ifis(sub_object, related_agents)
        if "context" in obj:
            _context_agents(obj["context"], related_agents)
            _context_activities(obj["context"], related_activities)
    if "authority" in statement:
        _agent_ifis(statement["authority"], related_agents)
    context = statement.get("context")
    if context is not None:
        _context_agents(context, related_agents)
        _context_activities(context, related_activities)
    facts = [(VERB, statement["verb"]["id"])]
    facts += [(AGENT, value) for value in direct_agents]
    facts += [(AGENT_ANY, value) for value in related_agents - direct_agents]
    facts += [(ACTIVITY, value) for value in direct_activities]
    facts += [(ACTIVITY_ANY, value) for value in related_activities - direct_activities]
    if context is not None and "registration" in context:
        facts.append((REGISTRATION, context["registration"].lower()))
    return facts


def statement_keys(statement: dict) -> set[int]:
    return {key(kind, value) for kind, value in statement_facts(statement)}
