"""Canonical activity definitions: merged from the statements that carry them, served by /activities."""

from __future__ import annotations

import json
from datetime import datetime
from hashlib import sha256

from sqlalchemy import Connection, bindparam, select, update

from lms.xapi import rawsql
from lms.xapi.models import XapiActivity

ACTIVITIES = XapiActivity.__table__
_SEEN_LIMIT = 20_000
_LANGUAGE_MAPS = ("name", "description")
# Built once: every /activities request runs it.
_STORED = select(ACTIVITIES.c.definition).where(ACTIVITIES.c.iri_hash == bindparam("digest"))


def iri_hash(iri: str) -> str:
    return sha256(iri.encode()).hexdigest()


def _defined(statements: list[dict]) -> dict[str, dict]:
    """The activity definitions in statements (objects, sub-statement objects, context), last wins."""
    found: dict[str, dict] = {}

    def visit(activity: dict) -> None:
        if "definition" in activity:
            earlier = found.get(activity["id"])
            found[activity["id"]] = activity["definition"] if earlier is None else merge(earlier, activity["definition"])

    for statement in statements:
        for holder in (statement, statement["object"] if statement["object"].get("objectType") == "SubStatement" else None):
            if holder is None:
                continue
            obj = holder["object"]
            if obj.get("objectType", "Activity") == "Activity":
                visit(obj)
            for value in ((holder.get("context") or {}).get("contextActivities") or {}).values():
                for activity in value if type(value) is list else (value,):
                    visit(activity)
    return found


def merge(old: dict, new: dict) -> dict:
    """Newer properties replace older ones; language maps gain the newer languages."""
    merged = {**old, **new}
    for key in _LANGUAGE_MAPS:
        if key in old and key in new:
            merged[key] = {**old[key], **new[key]}
    return merged


def remember(conn: Connection, statements: list[dict], now: datetime, seen: dict[str, str] | None = None) -> dict:
    """Store or merge the definitions the statements carry; returns what to add to ``seen`` once
    the transaction has committed.

    ``seen`` (one per app) holds the last definition applied per IRI, as its JSON in the order it
    came: most statements repeat a definition, and merging the same one again changes nothing, so
    those cost no query (and no hashing or sorting). The rest cost one read for all of them, and
    one insert for those not stored yet. Rows are inserted, then locked for merging, in IRI-hash
    order, so concurrent writers on PostgreSQL wait for each other rather than deadlock.
    """
    seen = {} if seen is None else seen
    wanted = {}
    for iri, definition in _defined(statements).items():
        as_sent = _as_sent(definition)
        if seen.get(iri) != as_sent:  # the same definition in another key order only costs a read
            wanted[iri_hash(iri)] = (iri, definition, as_sent)
    if not wanted:
        return {}
    digests = sorted(wanted)
    sql = rawsql.Cursor(conn)
    # Most definitions a process has not seen yet are stored already, unchanged by this one: the
    # read settles those, and the write lock is held for no row write.
    stored = sql.activity_definitions(digests)
    new = [(digest, wanted[digest][0], _text(wanted[digest][1])) for digest in digests if digest not in stored]
    created = sql.insert_activities(new, now) if new else set()
    applied = {}
    for digest in digests:
        iri, definition, as_sent = wanted[digest]
        applied[iri] = as_sent
        if digest in created:
            continue
        if digest in stored and _text(merge(json.loads(stored[digest]), definition)) == stored[digest]:
            continue
        # Known and changed by this definition (or inserted meanwhile by another writer): merge, row locked.
        row = conn.execute(select(ACTIVITIES.c.definition).where(ACTIVITIES.c.iri_hash == digest)
                           .with_for_update()).first()
        text = _text(merge(json.loads(row.definition), definition))
        conn.execute(update(ACTIVITIES).where(ACTIVITIES.c.iri_hash == digest).values(definition=text, updated_at=now))
    return applied


def _text(definition: dict) -> str:
    return json.dumps(definition, sort_keys=True, separators=(",", ":"))


# A definition as it came, to compare with the last one applied: one shared C encoder, no sorting.
_as_sent = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def note_applied(seen: dict, applied: dict) -> None:
    """After commit: remember the definitions now stored (bounded; cleared when full)."""
    if len(seen) + len(applied) > _SEEN_LIMIT:
        seen.clear()
    seen.update(applied)


def get(conn: Connection, iri: str) -> dict:
    """The activity with its canonical definition; an unknown IRI gets a bare activity."""
    stored = conn.execute(_STORED, {"digest": iri_hash(iri)}).scalar()
    activity = {"objectType": "Activity", "id": iri}
    if stored is not None:
        activity["definition"] = json.loads(stored)
    return activity
