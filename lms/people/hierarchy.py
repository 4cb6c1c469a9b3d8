"""Line management: each person's line manager in their own organisation, and everyone below a manager."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from lms.audit import services as audit
from lms.auth.models import User
from lms.errors import DomainError, NotFound


def _below(manager_id: int):  # noqa: ANN202
    """A recursive query of the ids of everyone below manager_id (reports, their reports, ...)."""
    reports = select(User.id).where(User.line_manager_id == manager_id).cte("below", recursive=True)
    under = select(User.id).join(reports, User.line_manager_id == reports.c.id)
    return reports.union(under)


def reports_of(session: Session, manager_id: int, *, all_levels: bool = False) -> list[int]:
    """Ids of the manager's direct reports, or of everyone below them, in id order."""
    if all_levels:
        below = _below(manager_id)
        return list(session.exec(select(below.c.id).order_by(below.c.id)).scalars())
    query = select(User.id).where(User.line_manager_id == manager_id).order_by(User.id)
    return list(session.exec(query).scalars())


def manages(session: Session, manager_id: int, person_id: int) -> bool:
    """Whether person_id is anywhere below manager_id in line management."""
    if manager_id == person_id:
        return False
    below = _below(manager_id)
    return session.exec(select(below.c.id).where(below.c.id == person_id)).first() is not None


def set_line_manager(session: Session, actor_id: int | None, person: User, manager_id: int | None) -> None:
    """Give person a line manager (or none): someone in the same organisation who is not below them."""
    if manager_id == person.line_manager_id:
        return
    if manager_id is not None:
        manager = session.get(User, manager_id)
        if manager is None:
            raise NotFound("There is no such person to be the line manager", field="line_manager")
        if manager.id == person.id:
            raise DomainError("A person cannot be their own line manager", field="line_manager")
        if manager.organisation_id != person.organisation_id or person.organisation_id is None:
            raise DomainError(f"{manager.name} is not in {person.name}'s organisation, so cannot be their line manager",
                              field="line_manager")
        if person.id is not None and manages(session, person.id, manager.id):
            raise DomainError(f"{manager.name} reports to {person.name}, directly or through others, so cannot be "
                              "their line manager", field="line_manager")
    audit.record(session, actor_id, "person.line_manager", f"user:{person.id}",
                 organisation_id=person.organisation_id, previous=person.line_manager_id, now=manager_id)
    person.line_manager_id = manager_id
    session.add(person)
    session.flush()
