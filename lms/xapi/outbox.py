"""The forwarding outbox: claiming due statements under a lease, and recording each outcome.

Rows are written in the transaction that stores the statement (see ``store``), so a statement is
queued exactly when it exists. A worker claims a batch by stamping its name and a lease expiry in
one UPDATE (on PostgreSQL with FOR UPDATE SKIP LOCKED, so several workers take different rows);
a worker that dies leaves rows whose lease runs out and another takes them. A row is deleted only
once the external LRS has the statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, delete, func, or_, select, update

from lms.xapi.models import XapiAttachment, XapiOutbox, XapiStatement

OUTBOX = XapiOutbox.__table__
STATEMENTS = XapiStatement.__table__
ATTACHMENTS = XapiAttachment.__table__


@dataclass(frozen=True)
class Claimed:
    outbox_id: int
    seq: int
    attempts: int
    body: str


def _writer(engine: Engine) -> Engine:
    return engine.execution_options(sqlite_immediate=True) if engine.dialect.name == "sqlite" else engine


def claim(engine: Engine, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
    """Take up to ``limit`` due rows, oldest first, for ``lease``; returns them with their statements."""
    due = (select(OUTBOX.c.id).where(OUTBOX.c.failed.is_(False), OUTBOX.c.next_attempt_at <= now,
                                     or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until < now))
           .order_by(OUTBOX.c.id).limit(limit))
    if engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    with _writer(engine).begin() as conn:
        ids = list(conn.execute(due).scalars())
        if not ids:
            return []
        conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids))
                     .values(claimed_by=worker, claimed_until=now + lease))
        rows = conn.execute(select(OUTBOX.c.id, OUTBOX.c.statement_seq, OUTBOX.c.attempts, STATEMENTS.c.body)
                            .join(STATEMENTS, STATEMENTS.c.seq == OUTBOX.c.statement_seq)
                            .where(OUTBOX.c.id.in_(ids)).order_by(OUTBOX.c.id)).all()
    return [Claimed(row.id, row.statement_seq, row.attempts, row.body) for row in rows]


def attachments(engine: Engine, digests: set[str]) -> dict[str, tuple[str, bytes]]:
    if not digests:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(ATTACHMENTS.c.sha2, ATTACHMENTS.c.content_type, ATTACHMENTS.c.content)
                            .where(ATTACHMENTS.c.sha2.in_(digests))).all()
    return {row.sha2: (row.content_type, row.content) for row in rows}


def _mine(worker: str, ids: list[int]):  # noqa: ANN202
    # Only rows still held by this worker: if its lease ran out, another worker owns them now.
    return and_(OUTBOX.c.id.in_(ids), OUTBOX.c.claimed_by == worker)


def delivered(engine: Engine, worker: str, ids: list[int]) -> None:
    if ids:
        with _writer(engine).begin() as conn:
            conn.execute(delete(OUTBOX).where(_mine(worker, ids)))


def retry(engine: Engine, worker: str, rows: list[Claimed], now: datetime, first: timedelta, longest: timedelta,
          error: str) -> None:
    """Put rows back for a later attempt, waiting twice as long after each failure."""
    with _writer(engine).begin() as conn:
        for row in rows:
            wait = min(first * (2 ** row.attempts), longest)
            conn.execute(update(OUTBOX).where(_mine(worker, [row.outbox_id]))
                         .values(attempts=row.attempts + 1, next_attempt_at=now + wait, claimed_by=None,
                                 claimed_until=None, last_error=error[:2000]))


def give_up(engine: Engine, worker: str, rows: list[Claimed], error: str) -> None:
    """The external LRS refused these for good (invalid, or a different statement under the id)."""
    with _writer(engine).begin() as conn:
        conn.execute(update(OUTBOX).where(_mine(worker, [row.outbox_id for row in rows]))
                     .values(failed=True, claimed_by=None, claimed_until=None, last_error=error[:2000]))


def counts(engine: Engine) -> dict[str, int]:
    """Queued (waiting or being sent) and failed rows, for the CLI and tests."""
    with engine.connect() as conn:
        found = dict(conn.execute(select(OUTBOX.c.failed, func.count()).group_by(OUTBOX.c.failed)).all())
    return {"queued": found.get(False, 0), "failed": found.get(True, 0)}


def failures(engine: Engine, limit: int = 20) -> list[tuple[int, str]]:
    """The statement seq and last error of rows the external LRS refused for good, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(OUTBOX.c.statement_seq, OUTBOX.c.last_error).where(OUTBOX.c.failed.is_(True))
                            .order_by(OUTBOX.c.id).limit(limit)).all()
    return [(row.statement_seq, row.last_error or "") for row in rows]


def retry_failed(engine: Engine, now: datetime) -> int:
    """Queue refused rows again (after the cause was fixed at the remote); returns how many."""
    with _writer(engine).begin() as conn:
        result = conn.execute(update(OUTBOX).where(OUTBOX.c.failed.is_(True))
                              .values(failed=False, attempts=0, next_attempt_at=now, claimed_by=None, claimed_until=None))
    return result.rowcount
