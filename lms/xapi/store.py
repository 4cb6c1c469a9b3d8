"""Storing statements: one lean Core write path for the LRS resource and the platform's own events.

Per batch: one SELECT for reused ids and statement references, one INSERT ... RETURNING for the
statements and their filter keys (two on SQLite), and (when forwarding is on) one for the outbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable
from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from lms.db import utcnow
from lms.xapi import activities, keys, rawsql, statement_ids, values
from lms.xapi.compare import normalise_context_activities, same_statement
from lms.xapi.models import XapiAttachment, XapiStatement, XapiStatementKey
from lms.xapi.validation import VOIDED, Invalid

STATEMENTS = XapiStatement.__table__
KEYS = XapiStatementKey.__table__
ATTACHMENTS = XapiAttachment.__table__


class Conflict(Exception):
    """A statement id is already stored with different content (409)."""


@dataclass(frozen=True)
class Writer:
    """Who is storing: the authority set on every statement and the client it counts as."""

    authority: dict
    client_id: int | None = None
    forward: bool = False  # queue each stored statement for the external LRS
    # Called with each newly stored statement inside the transaction (the lms_statement_recorded hook).
    notify: Callable[[dict], None] | None = None


@dataclass
class _Pending:
    statement: dict
    statement_id: str
    ref_id: str | None = None
    voiding: bool = False
    keys: set = field(default_factory=set)
    given: bool = False  # the id came with the statement (so it may already be stored)
    seq: int | None = None
    prefix: str = ""  # the JSON without its closing brace, made before the write lock is taken


def notifier(hooks, session) -> Callable[[dict], None] | None:  # noqa: ANN001
    """A callback running the lms_statement_recorded hook, or None when no plugin implements it.

    ``session`` may be a function giving it, so that nothing is opened when no plugin listens.
    """
    hook = hooks.lms_statement_recorded
    if not hook.get_hookimpls():
        return None
    return lambda statement: hook(session=session() if callable(session) else session, statement=statement)


# One encoder for every statement: json.dumps with options builds a new one per call.
dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def store(conn: Connection | Callable[[], Connection], statements: list[dict], writer: Writer, *,
          version: str = "1.0.0", attachments: dict[str, tuple[str, bytes]] | None = None, path: str = "statements",
          seen_activities: dict | None = None, on_commit: Callable[[Callable[[], None]], None] | None = None) -> list[str]:
    """Store validated statements (dicts, completed in place); returns their ids in order.

    ``conn`` may be a function giving the connection: it is called only once the statements are
    prepared (ids, filter keys, JSON), so an SQLite writer holds the write lock for the SQL alone.
    Raises Conflict for a reused id with other content and Invalid for a voiding statement that
    targets another voiding statement; nothing is written then (the caller rolls back).
    """
    pending, by_id = _prepare(statements, writer, version, path)
    conn = conn() if callable(conn) else conn
    sql = rawsql.Cursor(conn)
    sql.claim_ids([p.statement_id for p in pending if p.given])
    known = sql.by_ids(sorted({p.statement_id for p in pending if p.given} | {p.ref_id for p in pending if p.ref_id}))
    fresh = []
    for index, item in enumerate(pending):
        existing = known.get(item.statement_id)
        if existing is not None:
            if not same_statement(item.statement, json.loads(existing.body)):
                raise Conflict(f"statement {item.statement_id} is already stored with different content")
            continue
        if item.voiding:
            target = known.get(item.ref_id) or by_id.get(item.ref_id)
            if target is not None and target.voiding:
                raise Invalid(f"{_where(path, index)}.object.id",
                              "a voiding statement cannot target another voiding statement")
        fresh.append(item)
    if not fresh:
        return [p.statement_id for p in pending]
    # Statements stored earlier that target these (a voiding statement may arrive before its target).
    # Only a statement that came with its id can have been referred to; one the LRS just named cannot.
    referrers = sql.referring_to([p.statement_id for p in fresh if p.given])
    voided_now = {row.ref_id for row in referrers if row.voiding}
    # Taken once the transaction holds the write lock (SQLite), so stored follows seq order.
    now = utcnow()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as precise as the stored property
    stamp = values.format_timestamp(now)
    when = sql.when(now)
    rows = []
    for item in fresh:
        rows.append((item.statement_id, when, item.statement_id in voided_now and not item.voiding, item.ref_id,
                     item.voiding, writer.client_id, _body(item, stamp)))
    if known or referrers or by_id.keys() & {p.ref_id for p in fresh}:
        _inherit(conn, fresh, known, referrers)
    seqs = sql.insert_statements(rows, [(item.statement_id, k) for item in fresh for k in item.keys])
    for item in fresh:
        item.seq = seqs[item.statement_id]
    void_targets = [p.ref_id for p in fresh if p.voiding]
    if void_targets:
        sql.void(void_targets)
    if attachments:
        _store_attachments(conn, attachments)
    applied = activities.remember(conn, [p.statement for p in fresh], now, seen_activities)
    if applied and seen_activities is not None:
        # Only once committed: a rolled-back definition must not count as stored.
        (on_commit or (lambda callback: callback()))(lambda: activities.note_applied(seen_activities, applied))
    if writer.forward:
        sql.enqueue([p.seq for p in fresh], now)
    if writer.notify is not None:
        for item in fresh:
            writer.notify(item.statement)
    return [p.statement_id for p in pending]


def _where(path: str, index: int) -> str:
    """A statement's place for error messages: "statement" alone, or "statements[3]" in a batch."""
    return path if path == "statement" else f"{path}[{index}]"


def _body(item: _Pending, stamp: str) -> str:
    """The stored JSON: the prepared text plus stored (and timestamp, when the statement had none)."""
    extra = f',"stored":"{stamp}"'
    if "timestamp" not in item.statement:
        extra += f',"timestamp":"{stamp}"'
        item.statement["timestamp"] = stamp
    item.statement["stored"] = stamp
    return item.prefix + extra + "}"


def _prepare(statements: list[dict], writer: Writer, version: str, path: str) -> tuple[list[_Pending], dict]:
    pending, by_id = [], {}
    new_ids = iter(statement_ids.time_based(sum(1 for statement in statements if not statement.get("id"))))
    for index, statement in enumerate(statements):
        given = statement.get("id")
        statement_id = given.lower() if given else next(new_ids)
        statement["id"] = given or statement_id
        normalise_context_activities(statement)
        statement["authority"] = writer.authority
        statement.setdefault("version", version)
        obj = statement["object"]
        ref_id = obj["id"].lower() if obj.get("objectType") == "StatementRef" else None
        statement.pop("stored", None)  # the LRS sets it
        item = _Pending(statement, statement_id, ref_id, ref_id is not None and statement["verb"]["id"] == VOIDED,
                        keys.statement_keys(statement), given=bool(given), prefix=dumps(statement)[:-1])
        if statement_id in by_id:
            raise Invalid(f"{_where(path, index)}.id", "is used by another statement in the same request")
        by_id[statement_id] = item
        pending.append(item)
    return pending, by_id


def _inherit(conn: Connection, fresh: list[_Pending], known: dict, referrers: list) -> None:
    """Statement references: a statement targeting another also matches the other's filters.

    The rule is recursive, so keys flow down chains: from stored targets to new statements, within
    the batch, and from new statements to statements stored earlier that were waiting for them.
    """
    by_id = {p.statement_id: p for p in fresh}
    for item in fresh:  # targets stored earlier
        target = known.get(item.ref_id) if item.ref_id else None
        if target is not None:
            item.keys |= _keys_of(conn, target.seq)
    changed = True
    while changed:  # targets in the same batch (chains of any length)
        changed = False
        for item in fresh:
            target = by_id.get(item.ref_id) if item.ref_id else None
            if target is not None and target is not item and not target.keys <= item.keys:
                item.keys |= target.keys
                changed = True
    waiting = {p.statement_id: p.keys for p in fresh}
    rows = [row for row in referrers if row.statement_id not in by_id]
    while rows:  # statements stored earlier that target the new ones, and so on down the chain
        next_waiting = {}
        for row in rows:
            new = waiting[row.ref_id] - _keys_of(conn, row.seq)
            if new:
                conn.execute(insert(KEYS), [{"era": keys.era(row.seq), "key": k, "seq": row.seq} for k in new])
                next_waiting[row.statement_id] = new
        waiting = next_waiting
        rows = list(rawsql.Cursor(conn).referring_to(list(waiting))) if waiting else []


def _keys_of(conn: Connection, seq: int) -> set[int]:
    return set(conn.execute(select(KEYS.c.key).where(KEYS.c.era == keys.era(seq), KEYS.c.seq == seq)).scalars())


def _store_attachments(conn: Connection, attachments: dict[str, tuple[str, bytes]]) -> None:
    """Content by SHA-2, stored once (in digest order, so concurrent writers cannot deadlock)."""
    insert_new = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for sha2 in sorted(attachments):
        content_type, data = attachments[sha2]
        conn.execute(insert_new(ATTACHMENTS).values(sha2=sha2, content_type=content_type, content=data,
                                                    created_at=utcnow()).on_conflict_do_nothing(index_elements=["sha2"]))
