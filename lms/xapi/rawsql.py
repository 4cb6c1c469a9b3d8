"""The statement write path's SQL, run on the DBAPI cursor of the request's connection.

SQLAlchemy builds and caches a statement's SQL, but each ``execute`` still costs a few hundred
microseconds of Python here, several times per statement stored, inside the write lock SQLite
writers queue for. The handful of hot statements are therefore plain SQL text (the tables are
still defined, migrated and read through SQLAlchemy), run inside the same transaction.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, datetime

from sqlalchemy import Connection

from lms.xapi import keys as filter_keys


class Race(Exception):
    """Another transaction stored a statement with one of these ids first (PostgreSQL); retry."""


def is_race(exc: BaseException) -> bool:
    """A unique key taken meanwhile, a deadlock or a serialization failure: worth one retry."""
    if isinstance(exc, Race):
        return True
    original = getattr(exc, "orig", exc)
    if getattr(original, "sqlstate", None) in ("23505", "40P01", "40001"):
        return True
    return type(original).__name__ == "IntegrityError"


Stored = namedtuple("Stored", "seq statement_id ref_id voiding client_id body")
_COLUMNS = "seq, statement_id, ref_id, voiding, client_id, body"
_CHUNK = 500  # rows per multi-row INSERT (SQLite allows 32766 parameters)
_PARAMETERS = 30_000  # per statement sent to PostgreSQL (it allows 65535)
_INSERT_WITH_KEYS = """
WITH stored AS (
    INSERT INTO xapi_statements (statement_id, stored, voided, ref_id, voiding, client_id, body)
    VALUES {rows} RETURNING seq, statement_id
), filter_keys AS (
    INSERT INTO xapi_statement_keys (era, "key", seq)
    SELECT CAST(stored.seq >> {era_bits} AS INTEGER), k.key, stored.seq
    FROM (VALUES {keys}) AS k (statement_id, key) JOIN stored USING (statement_id)
)
SELECT seq, statement_id FROM stored"""


class Cursor:
    """A DBAPI cursor with the dialect's placeholder and value conventions."""

    def __init__(self, conn: Connection):
        self.sqlite = conn.dialect.name == "sqlite"
        self.dbapi = conn.dialect.dbapi
        self.mark = "?" if self.sqlite else "%s"
        self.cursor = conn.connection.driver_connection.cursor()

    def marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)

    def when(self, moment: datetime):  # noqa: ANN201
        """A datetime as SQLAlchemy's UTCDateTime stores it (SQLite keeps UTC text)."""
        if self.sqlite:
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment

    def by_ids(self, ids: list[str]) -> dict[str, Stored]:
        if not ids:
            return {}
        self.cursor.execute(f"SELECT {_COLUMNS} FROM xapi_statements WHERE statement_id IN ({self.marks(len(ids))})",
                            ids)
        return {row[1]: Stored(*row) for row in self.cursor.fetchall()}

    def referring_to(self, ids: list[str]) -> list[Stored]:
        """Statements already stored whose object is a StatementRef to one of ids."""
        if not ids:
            return []
        self.cursor.execute(f"SELECT seq, statement_id, ref_id, voiding, client_id, NULL FROM xapi_statements "
                            f"WHERE ref_id IN ({self.marks(len(ids))})", ids)
        return [Stored(*row) for row in self.cursor.fetchall()]

    def claim_ids(self, ids: list[str]) -> None:
        """PostgreSQL: lock the ids a batch brings, in one global order, before inserting.

        Two batches sharing ids would otherwise take the unique-index locks in their own orders and
        could deadlock; this way the second waits for the first, then finds its statements stored.
        """
        if not self.sqlite and ids:
            self.cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(i, 0)) FROM unnest(%s::text[]) AS i "
                                "ORDER BY i", [sorted(ids)])

    def insert_statements(self, rows: list[tuple], keys: list[tuple[str, int]]) -> dict[str, int]:
        """rows of (statement_id, stored, voided, ref_id, voiding, client_id, body) and their filter keys as
        (statement_id, key); returns the statements' seqs by id.

        PostgreSQL stores both in one statement (two inserts in a WITH), so a request waits on the server
        once for them, not twice. (Arrays and unnest would keep the text the same for every batch size,
        but psycopg dumps lists in Python at several times the cost of plain parameters.)
        """
        try:
            if self.sqlite or not keys or 7 * len(rows) + 2 * len(keys) > _PARAMETERS:
                seqs = self._insert_rows(rows)
                self.cursor.executemany(f'INSERT INTO xapi_statement_keys (era, "key", seq) VALUES ({self.marks(3)})',
                                        [(filter_keys.era(seqs[statement_id]), key, seqs[statement_id])
                                         for statement_id, key in keys])
                return seqs
            # Numbered placeholders, which psycopg passes through as they are: converting %s in a text this
            # long (psycopg caches only short ones) cost three times the rest of the call.
            number = iter(range(1, 7 * len(rows) + 2 * len(keys) + 1))
            sql = _INSERT_WITH_KEYS.format(
                era_bits=filter_keys.ERA_BITS,
                rows=", ".join("($%d, $%d, $%d, $%d, $%d, $%d, $%d)" % tuple(next(number) for _ in range(7))
                               for _ in rows),
                keys=", ".join("($%d, $%d::bigint)" % (next(number), next(number)) for _ in keys))
            # Imported here: only PostgreSQL gets this far, and a SQLite deployment need not load psycopg.
            import psycopg

            cursor = psycopg.RawCursor(self.cursor.connection)
            cursor.execute(sql, [value for row in rows for value in row] + [v for pair in keys for v in pair])
            return {statement_id: seq for seq, statement_id in cursor.fetchall()}
        except self.dbapi.Error as exc:
            # A unique id stored meanwhile, or (PostgreSQL) a deadlock or serialization failure.
            if isinstance(exc, self.dbapi.IntegrityError) or getattr(exc, "sqlstate", None) in ("40P01", "40001"):
                raise Race(str(exc)) from exc
            raise

    def _insert_rows(self, rows: list[tuple]) -> dict[str, int]:
        returned = self._insert_returning("INSERT INTO xapi_statements (statement_id, stored, voided, ref_id, voiding, "
                                          "client_id, body) VALUES {values} RETURNING seq, statement_id", rows)
        return {statement_id: seq for seq, statement_id in returned}

    def _insert_returning(self, sql: str, rows: list[tuple]) -> list[tuple]:
        """Run an INSERT whose ``{values}`` takes a multi-row VALUES list, _CHUNK rows at a time; the rows it returns."""
        returned = []
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            values = ", ".join([f"({self.marks(len(chunk[0]))})"] * len(chunk))
            self.cursor.execute(sql.format(values=values), [value for row in chunk for value in row])
            returned += self.cursor.fetchall()
        return returned

    def activity_definitions(self, digests: list[str]) -> dict[str, str]:
        """The stored definitions (JSON text) of the activities with these IRI hashes, by hash."""
        found = {}
        for start in range(0, len(digests), _CHUNK):
            chunk = digests[start:start + _CHUNK]
            self.cursor.execute("SELECT iri_hash, definition FROM xapi_activities "
                                f"WHERE iri_hash IN ({self.marks(len(chunk))})", chunk)
            found.update(self.cursor.fetchall())
        return found

    def insert_activities(self, rows: list[tuple[str, str, str]], now: datetime) -> set[str]:
        """Insert activities as (iri_hash, iri, definition) rows in hash order, unless another writer has stored
        one first; returns the hashes inserted here."""
        when = self.when(now)
        returned = self._insert_returning("INSERT INTO xapi_activities (iri_hash, iri, definition, updated_at) "
                                          "VALUES {values} ON CONFLICT (iri_hash) DO NOTHING RETURNING iri_hash",
                                          [(*row, when) for row in rows])
        return {digest for (digest,) in returned}

    def void(self, ids: list[str]) -> None:
        self.cursor.execute(f"UPDATE xapi_statements SET voided = {self.mark} WHERE voiding = {self.mark} "
                            f"AND statement_id IN ({self.marks(len(ids))})", [True, False, *ids])

    def enqueue(self, seqs: list[int], due: datetime) -> None:
        when = self.when(due)
        self.cursor.executemany("INSERT INTO xapi_outbox (statement_seq, attempts, next_attempt_at, failed) "
                                f"VALUES ({self.marks(4)})", [(seq, 0, when, False) for seq in seqs])
