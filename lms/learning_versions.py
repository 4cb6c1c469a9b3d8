"""A person's learning version: bumped by every write to rows shown on their pages, so kept pages go stale."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

from sqlalchemy import Connection, bindparam, event, update
from sqlmodel import Session

from lms.auth.models import User

# People per UPDATE: well under every database's limit on bound parameters.
CHUNK = 500

_BUMP = (update(User).where(User.id.in_(bindparam("ids", expanding=True)))
         .values(learning_version=User.learning_version + 1))


def touch_people(connection: Connection | Session, user_ids: Iterable[int | None]) -> None:
    """Bump these people's learning version: their cached pages are not served again.

    Writes that bypass the ORM's flush (Core UPDATEs) to rows shown on a person's pages call this.
    """
    ids = sorted({i for i in user_ids if i is not None})
    for start in range(0, len(ids), CHUNK):
        connection.execute(_BUMP, {"ids": ids[start:start + CHUNK]})


@event.listens_for(Session, "after_flush")
def touch_changed_people(session: Session, _context: Any) -> None:
    """Bump the version of everyone whose rows this flush added, changed or deleted: any row with a
    ``user_id`` (enrolments, progress, attempts, roles, certificates, and whatever plugins add) or the
    person's own row. Once per person per transaction: the commit makes the bump and the rows visible together."""
    touched: set[int] = session.info.setdefault("lms.touched_people", set())
    people = set()
    for row in chain(session.new, session.dirty, session.deleted):
        person = row.id if isinstance(row, User) else getattr(row, "user_id", None)
        if isinstance(person, int) and person not in touched:
            people.add(person)
    if people:
        touch_people(session.connection(), people)
        touched.update(people)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_touched(session: Session) -> None:
    # After a commit, or any rollback (a savepoint's included: a bump it undid must be made again).
    session.info.pop("lms.touched_people", None)
