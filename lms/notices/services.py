"""Telling a person something: one notice per person per event, in the transaction of the change it tells of."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from lms.db import utcnow
from lms.errors import NotFound
from lms.notices.models import Notice
from lms.plain_query import PlainQuery

PAGE = 50


def notify(session: Session, user_id: int, event: str, *, subject: str, body: str, link: str | None = None,
           essential: bool = False, dedupe_key: str) -> Notice | None:
    """Tell user_id about event; None if this person was already told (same dedupe_key): never twice.

    The notice commits or rolls back with the change it tells of. dedupe_key names the event for this
    person (e.g. f"booking.cancelled:{booking.id}"); the user id is added to it here.
    """
    key = f"{user_id}:{dedupe_key}"
    if session.exec(select(Notice.id).where(Notice.dedupe_key == key)).first() is not None:
        return None
    notice = Notice(user_id=user_id, event=event, subject=subject, body=body, link=link, essential=essential,
                    dedupe_key=key)
    try:
        with session.begin_nested():  # a concurrent transaction telling the same: keep the first, quietly
            session.add(notice)
            session.flush()
    except IntegrityError:
        return None
    return notice


def messages(session: Session, user_id: int, limit: int = PAGE) -> list[Notice]:
    """A person's newest notices."""
    query = select(Notice).where(Notice.user_id == user_id).order_by(Notice.created_at.desc(), Notice.id.desc())
    return list(session.exec(query.limit(limit)).scalars())


# Run on the DBAPI cursor: every dashboard visit shows the count, and reads outside any transaction.
_UNREAD = PlainQuery(select(func.count()).select_from(Notice.__table__).where(
    Notice.__table__.c.user_id == bindparam("user_id"), Notice.__table__.c.read_at.is_(None)))


def unread_count(connection: Connection, user_id: int) -> int:
    """How many of a person's notices are unread, on the page's ``db.reader()``."""
    return _UNREAD.scalars(connection, user_id=user_id)[0]


def mark_read(session: Session, user_id: int, notice_id: int | None = None) -> int:
    """Mark one of the person's notices (or all of them) read; the number marked.

    Through the ORM, so the flush marks the person's kept pages stale (their unread count changes).
    """
    query = select(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
    if notice_id is not None:
        notice = session.get(Notice, notice_id)
        if notice is None or notice.user_id != user_id:
            raise NotFound("There is no such message")
        query = query.where(Notice.id == notice_id)
    unread = list(session.exec(query).scalars())
    now = utcnow()
    for notice in unread:
        notice.read_at = now
    session.flush()
    return len(unread)
