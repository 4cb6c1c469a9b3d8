"""Statement comparison as the spec defines it (for a reused id, and for signatures).

Differences that do not count: the properties the LRS sets (stored, authority, version), the id's
case, a timestamp the LRS filled in, time-zone and sub-millisecond differences in timestamps,
duration digits beyond hundredths of a second, the order of group members, and a context activity
sent as one object rather than an array of one.
"""

from __future__ import annotations

import json
from typing import Any

from lms.xapi import values

_IGNORED = ("stored", "authority", "version", "id")


def normalise_context_activities(statement: dict) -> None:
    """Single context activities become arrays of one, as the LRS must return them (in place)."""
    for holder in (statement, statement.get("object") if type(statement.get("object")) is dict else None):
        if holder is None:
            continue
        context = holder.get("context")
        if type(context) is dict and type(context.get("contextActivities")) is dict:
            activities = context["contextActivities"]
            for key, value in activities.items():
                if type(value) is dict:
                    activities[key] = [value]


def _canonical(value: Any, key: str = "") -> Any:
    if type(value) is dict:
        result = {k: _canonical(v, k) for k, v in value.items()}
        if type(result.get("member")) is list:
            result["member"] = sorted(result["member"], key=lambda m: json.dumps(m, sort_keys=True))
        if type(result.get("contextActivities")) is dict:
            result["contextActivities"] = {k: v if type(v) is list else [v]
                                           for k, v in result["contextActivities"].items()}
        return result
    if type(value) is list:
        return [_canonical(item) for item in value]
    if key in ("timestamp", "stored") and type(value) is str:
        moment = values.parse_timestamp(value)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000).timestamp() if moment else value
    if key == "duration" and type(value) is str:
        return values.truncate_duration(value)
    if key in ("registration",) and type(value) is str:
        return value.lower()
    return value


def same_statement(received: dict, stored: dict) -> bool:
    """Whether a received statement is the same as one already stored with its id."""
    left = {k: v for k, v in received.items() if k not in _IGNORED}
    right = {k: v for k, v in stored.items() if k not in _IGNORED}
    if "timestamp" not in left:
        right.pop("timestamp", None)
    return _canonical(left) == _canonical(right)
