"""Statement formats for GET: exact (as stored), ids (identifiers only), canonical (one language)."""

from __future__ import annotations

from lms.xapi import keys

FORMATS = ("exact", "ids", "canonical")
_LANGUAGE_MAPS = frozenset({"display", "name", "description"})


def _agent_ids(agent: dict) -> dict:
    reduced = {"objectType": agent.get("objectType", "Agent")}
    for ifi in ("mbox", "mbox_sha1sum", "openid", "account"):
        if ifi in agent:
            reduced[ifi] = agent[ifi]
    if reduced["objectType"] == "Group" and keys.ifi(agent) is None:
        reduced["member"] = [_agent_ids(member) for member in agent.get("member", ())]
    return reduced


def _activity_ids(activity: dict) -> dict:
    return {"id": activity["id"]}


def _context_ids(context: dict) -> dict:
    context = dict(context)
    for field in ("instructor", "team"):
        if field in context:
            context[field] = _agent_ids(context[field])
    if "contextActivities" in context:
        context["contextActivities"] = {k: [_activity_ids(a) for a in v]
                                        for k, v in context["contextActivities"].items()}
    for field, member in (("contextAgents", "agent"), ("contextGroups", "group")):
        if field in context:
            context[field] = [{**entry, member: _agent_ids(entry[member])} for entry in context[field]]
    return context


def _object_ids(obj: dict) -> dict:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return _activity_ids(obj)
    if kind in ("Agent", "Group"):
        return _agent_ids(obj)
    if kind == "SubStatement":
        return _body_ids(obj)
    return obj


def _body_ids(statement: dict) -> dict:
    statement = dict(statement)
    statement["actor"] = _agent_ids(statement["actor"])
    statement["verb"] = {"id": statement["verb"]["id"]}
    statement["object"] = _object_ids(statement["object"])
    if "context" in statement:
        statement["context"] = _context_ids(statement["context"])
    return statement


def ids(statement: dict) -> dict:
    """Only the identifiers of agents, groups (members of anonymous ones), activities and verbs."""
    statement = _body_ids(statement)
    if "authority" in statement:
        statement["authority"] = _agent_ids(statement["authority"])
    return statement


def accepted_languages(header: str | None) -> list[str]:
    """Accept-Language tags, best first (q-values honoured)."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def _pick(langmap: dict, languages: list[str]) -> dict:
    if not langmap:
        return langmap
    lowered = {tag.lower(): tag for tag in langmap}
    for wanted in languages:
        if wanted == "*":
            break
        if wanted in lowered:
            return {lowered[wanted]: langmap[lowered[wanted]]}
        for tag in langmap:  # "en" accepts "en-GB", "en-GB" accepts "en"
            low = tag.lower()
            if low.startswith(wanted + "-") or wanted.startswith(low + "-"):
                return {tag: langmap[tag]}
    first = next(iter(langmap))
    return {first: langmap[first]}


def canonical(value, languages: list[str], key: str = ""):  # noqa: ANN001, ANN201
    """Every language map cut to the one language that best fits the request."""
    if key == "extensions":
        return value
    if type(value) is dict:
        if key in _LANGUAGE_MAPS and all(type(v) is str for v in value.values()):
            return _pick(value, languages)
        return {k: canonical(v, languages, k) for k, v in value.items()}
    if type(value) is list:
        return [canonical(item, languages) for item in value]
    return value
