"""Reading statements: single ones by id and filtered pages, continued by a ``more`` cursor (``cursor``).

Every filter is a filter key (see ``keys``); a query scans the most selective key's index range in
each era, in seq order, and checks the others by primary-key lookups, so a page costs a few index
reads however many statements are stored. A query with no filter key (all statements, or only since
/ until) scans the (stored, seq) index in that order, so its plan never depends on the planner's
estimate of how many statements a time range holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (BigInteger, Connection, Row, Select, and_, bindparam, exists, func, literal_column, select,
                        text, tuple_, union)

from lms.db import utcnow
from lms.xapi import keys, values
from lms.xapi.models import XapiStatement, XapiStatementKey

STATEMENTS = XapiStatement.__table__
KEYS = XapiStatementKey.__table__


@dataclass
class Filters:
    """A validated statement query (what the ``more`` cursor carries between pages)."""

    facts: list[tuple[str, str, bool]] = field(default_factory=list)  # (kind, value, related)
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False
    after: int | None = None  # the seq of the last statement already returned
    after_stored: datetime | None = None  # and when it was stored


# When several filters are given, the index range scanned is the first of these kinds present.
_SELECTIVITY = (keys.REGISTRATION, keys.ACTIVITY, keys.AGENT, keys.VERB)


def _keys_in_sql(groups: list[list[int]]) -> list[list]:
    """With two filters or more, the filter keys written into the SQL rather than sent as parameters.

    How many statements a key matches ranges from a few (an agent) to a twelfth of the store (a verb), and
    which filter drives the scan must follow that. PostgreSQL switches a statement psycopg has prepared to one
    generic plan, which for agent and verb drove the scan from the verb and read its whole range (16 ms at a
    million stored, not 5). With one filter there is one sensible plan, and the prepared statement saves its
    planning. The keys are integers computed here, never text from the request.
    """
    if len(groups) < 2:
        return groups
    return [[bindparam(None, key, type_=BigInteger, literal_execute=True) for key in group] for group in groups]


def _key_groups(facts: list) -> list[list[int]]:
    """Each filter as the keys that satisfy it: the direct key, plus the related one when asked."""
    groups = []
    for kind, value, *related in sorted(set(map(tuple, facts)), key=lambda f: _SELECTIVITY.index(f[0])):
        group = [keys.key(kind, value)]
        if related and related[0]:
            group.append(keys.key(keys.RELATED[kind], value))
        groups.append(group)
    return groups


_NEWEST = select(func.max(STATEMENTS.c.seq))


def newest_seq(conn: Connection) -> int:
    """The highest seq stored (0 when none), which bounds the eras a filtered query reads."""
    return conn.execute(_NEWEST).scalar() or 0


def page(conn: Connection, filters: Filters, limit: int, client_id: int | None = None) -> tuple[list, Row | None]:
    """Rows (seq, stored, body) of one page of at most limit (at least 1), and the row to continue after
    (None when this is the last).

    ``client_id`` limits the page to statements that client stored (the statements/read/mine scope).
    """
    if limit < 1:  # SQLite reads LIMIT -1 as no limit at all
        raise ValueError(f"a page holds at least one statement, not {limit}")
    newest = newest_seq(conn) if filters.facts else 0
    rows = conn.execute(page_query(filters, limit, client_id, newest)).all()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, rows[-1]
    return rows, None


def _eras(filters: Filters, newest_seq: int) -> list[int]:
    """The eras a filtered page reads, in its order: none past the ``more`` cursor."""
    if filters.ascending:
        found = keys.eras(newest_seq, descending=False)
        return found[keys.era(filters.after):] if filters.after is not None else found
    return keys.eras(newest_seq if filters.after is None else min(newest_seq, filters.after))


def page_query(filters: Filters, limit: int, client_id: int | None = None, newest_seq: int = 0) -> Select:
    """The query for one page, with one row more than the page holds (which says there is a next page).

    ``newest_seq`` (the highest stored) bounds the eras a filtered query reads.
    """
    groups = _keys_in_sql(_key_groups(filters.facts))
    descending = not filters.ascending
    eras = _eras(filters, newest_seq)

    def after(seq_col) -> list:  # noqa: ANN001
        if filters.after is None:
            return []
        if groups or filters.after_stored is None:
            return [seq_col < filters.after if descending else seq_col > filters.after]
        # In (stored, seq) order: the plain bound on stored lets either database's planner seek to it.
        position = tuple_(STATEMENTS.c.stored, STATEMENTS.c.seq)
        mark = (filters.after_stored, filters.after)  # a plain tuple: each value takes its column's type
        if descending:
            return [STATEMENTS.c.stored <= filters.after_stored, position < mark]
        return [STATEMENTS.c.stored >= filters.after_stored, position > mark]

    def conditions(seq_col) -> list:  # noqa: ANN001
        found = [STATEMENTS.c.voided.is_(False), *after(seq_col)]
        if filters.since is not None:
            found.append(STATEMENTS.c.stored > filters.since)
        if filters.until is not None:
            found.append(STATEMENTS.c.stored <= filters.until)
        if client_id is not None:
            found.append(STATEMENTS.c.client_id == client_id)
        for index, group in enumerate(groups[1:], 1):
            other = KEYS.alias(f"k{index}")
            match = other.c.key == group[0] if len(group) == 1 else other.c.key.in_(group)
            found.append(exists().where(and_(other.c.era == _era_of(seq_col), match, other.c.seq == seq_col)))
        return found

    def ordered(col):  # noqa: ANN001, ANN202
        return col.desc() if descending else col.asc()

    columns = (STATEMENTS.c.seq, STATEMENTS.c.stored, STATEMENTS.c.body)
    if not groups:
        query = (select(*columns).where(*conditions(STATEMENTS.c.seq))
                 .order_by(ordered(STATEMENTS.c.stored), ordered(STATEMENTS.c.seq)).limit(limit + 1))
    elif len(groups[0]) == 1:  # one ordered index range scan, joined to the statements it finds
        driver = KEYS.alias("k0")
        query = (select(*columns)
                 .select_from(driver.join(STATEMENTS, STATEMENTS.c.seq == driver.c.seq))
                 .where(driver.c.era.in_(eras), driver.c.key == groups[0][0], *conditions(driver.c.seq))
                 .order_by(ordered(driver.c.era), ordered(driver.c.seq)).limit(limit + 1))
    else:
        # One ordered index range scan per key of the driving filter, merged: each returns at most
        # a page, so a related_* filter costs two short scans rather than a sort of every match.
        members = []
        for driver_key in groups[0]:
            driver = KEYS.alias("k0")
            members.append(select(driver.c.seq)
                           .select_from(driver.join(STATEMENTS, STATEMENTS.c.seq == driver.c.seq))
                           .where(driver.c.era.in_(eras), driver.c.key == driver_key, *conditions(driver.c.seq))
                           .order_by(ordered(driver.c.era), ordered(driver.c.seq)).limit(limit + 1).subquery())
        wanted = union(*(select(member.c.seq) for member in members))
        query = (select(*columns).where(STATEMENTS.c.seq.in_(wanted))
                 .order_by(ordered(STATEMENTS.c.seq)).limit(limit + 1))
    return query


def _era_of(seq_col):  # noqa: ANN001, ANN202
    """A seq column's era in SQL (both databases shift integers with >>)."""
    return seq_col.op(">>")(literal_column(str(keys.ERA_BITS)))


def single(conn: Connection, statement_id: str, *, voided: bool, client_id: int | None = None) -> str | None:
    """The stored JSON of one statement; voided ones only when asked for by voidedStatementId."""
    row = conn.execute(select(STATEMENTS.c.body, STATEMENTS.c.voided, STATEMENTS.c.client_id)
                       .where(STATEMENTS.c.statement_id == statement_id.lower())).first()
    if row is None or row.voided != voided or (client_id is not None and row.client_id != client_id):
        return None
    return row.body


def consistent_through(conn: Connection) -> str:
    """The X-Experience-API-Consistent-Through value: statements stored up to then are all visible.

    On SQLite writers take turns, so that is now. On PostgreSQL a write transaction still open
    may yet commit statements stamped after its start, so it is the oldest open transaction's start.
    """
    now = utcnow()
    if conn.dialect.name == "postgresql":
        oldest = conn.execute(text(
            "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")).scalar()
        if oldest is not None and oldest < now:
            now = oldest
    return values.format_timestamp(now)
