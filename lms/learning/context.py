"""What every learning page and service needs first: the content, the kinds and one enrolment in context."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import current_app
from sqlalchemy import Connection, bindparam, or_
from sqlmodel import Session, col, select

from lms.auth.models import User
from lms.catalog.registry import Bundle, Module
from lms.errors import Forbidden, NotFound
from lms.learning.completion import module_order, open_modules
from lms.learning.models import Enrolment, EnrolmentStatus, ModuleProgress, ProgressStatus
from lms.plain_query import PlainQuery
from lms.runtime import catalog

DONE = (ProgressStatus.COMPLETED, ProgressStatus.WAIVED)


def soon_days() -> int:
    return int(current_app.config.get("DUE_SOON_DAYS", 14))


def lock_person(session: Session, user_id: int) -> None:
    """Serialise one person's learning writes (PostgreSQL row lock; SQLite already writes one at a time).

    Two quick clicks, or two tabs, then see each other's changes instead of racing to insert the
    same progress row or both missing the other's last module.
    """
    session.exec(select(User.id).where(User.id == user_id).with_for_update()).first()


# Built once: every dashboard visit and every completion check runs it, so on the DBAPI cursor.
_DONE_MODULES = PlainQuery(select(ModuleProgress.module_id).where(
    ModuleProgress.user_id == bindparam("user_id"), or_(*(ModuleProgress.status == status for status in DONE))))


def done_modules(session: Session, user_id: int) -> set[str]:
    """Ids of the modules a person has completed or had waived (progress written in this transaction included)."""
    session.flush()  # a Core query does not autoflush
    return read_done_modules(session.connection(), user_id)


def read_done_modules(connection: Connection, user_id: int) -> set[str]:
    """Ids of the modules a person has completed or had waived, as ``connection`` sees them."""
    return set(_DONE_MODULES.scalars(connection, user_id=user_id))


def done_by_person(session: Session, user_ids: list[int]) -> dict[int, set[str]]:
    """Done modules of several people in one query."""
    done: dict[int, set[str]] = {user_id: set() for user_id in user_ids}
    for user_id, module_id in session.exec(
        select(ModuleProgress.user_id, ModuleProgress.module_id)
        .where(col(ModuleProgress.user_id).in_(user_ids), col(ModuleProgress.status).in_(DONE))
    ):
        done[user_id].add(module_id)
    return done


@dataclass
class EnrolmentContext:
    """A person's enrolment on a bundle with their progress through its modules (read when first needed)."""

    session: Session
    enrolment: Enrolment  # a record with the same names where the page only reads (read_context)
    bundle: Bundle
    order: tuple[str, ...]  # every module of the enrolment, as shown

    @cached_property
    def progress(self) -> dict[str, ModuleProgress]:
        """By module id, only the modules started: one query."""
        rows = self.session.exec(
            select(ModuleProgress)
            .where(ModuleProgress.user_id == self.enrolment.user_id, col(ModuleProgress.module_id).in_(self.order))
        ).all()
        return {r.module_id: r for r in rows}

    @property
    def done(self) -> set[str]:
        return {m for m, p in self.progress.items() if p.status in DONE}

    def status(self, module_id: str) -> str:
        row = self.progress.get(module_id)
        return row.status if row else ProgressStatus.NOT_STARTED

    @property
    def open(self) -> frozenset[str]:
        if not self.bundle.sequential:  # everything is open: no need to read progress (lesson pages stay lean)
            return frozenset(self.order)
        return open_modules(self.bundle, self.enrolment.local_module_ids, self.done)

    def module(self, module_id: str) -> Module:
        """A module of this enrolment that the person may work on now."""
        if module_id not in self.order:
            raise NotFound(f"{self.bundle.title} has no module called {module_id!r}")
        module = catalog().module(module_id)
        if module_id not in self.open:
            first = next(m for m in self.order if m not in self.done)
            raise Forbidden(f"Complete {catalog().module(first).title} before starting {module.title}")
        return module


# Built once: every learning page runs one of them (building the expression cost more than running it).
_ON_BUNDLE = (Enrolment.user_id == bindparam("user_id"), Enrolment.bundle_id == bindparam("bundle_id"))
_ENROLMENT = select(Enrolment).where(*_ON_BUNDLE)
_ENROLMENT_RECORD = PlainQuery(select(Enrolment.__table__).where(*_ON_BUNDLE))


def load_context(session: Session, user_id: int, bundle_id: str) -> EnrolmentContext:
    """The person's enrolment on a bundle (active or completed): one query, and one more for progress."""
    bundle = catalog().bundle(bundle_id)
    enrolment = session.exec(_ENROLMENT, params={"user_id": user_id, "bundle_id": bundle_id}).first()
    return _context(session, enrolment, bundle)


def read_context(session: Session, connection: Connection, user_id: int, bundle_id: str) -> EnrolmentContext:
    """The same for a page that changes nothing: the enrolment read on ``connection`` as a record (named
    columns), so the page needs no ORM transaction unless it reads progress (a sequential bundle)."""
    bundle = catalog().bundle(bundle_id)
    found = _ENROLMENT_RECORD.records(connection, user_id=user_id, bundle_id=bundle_id)
    return _context(session, found[0] if found else None, bundle)


def _context(session: Session, enrolment: Any, bundle: Bundle) -> EnrolmentContext:
    if enrolment is None or enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise NotFound(f"You are not enrolled on {bundle.title}")
    return EnrolmentContext(session, enrolment, bundle, module_order(bundle, enrolment.local_module_ids))
