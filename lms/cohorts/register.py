"""The register: attendance per session, the attendance rule completing the module, cancelled sessions and
cohorts, and finishing a cohort (its members become alumni)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from lms.audit.services import record as audit
from lms.auth.models import User
from lms.auth.principal import Principal
from lms.cohorts import records
from lms.cohorts.booking import HOLDS_A_PLACE, lock_cohort, sessions_of
from lms.cohorts.models import (AlumniMembership, Attendance, AttendanceRule, Booking, BookingStatus, Cohort,
                                CohortSession, CohortStatus, Mark)
from lms.cohorts.schedule import cohort_to_run, session_to_run
from lms.errors import Conflict, DomainError
from lms.kinds.base import FormData, one_value
from lms.written import written
from lms.xapi.platform import Outcome

NOTE_LIMIT = 500


@dataclass(frozen=True)
class Line:
    """One booked person on a session's register, with their mark so far (None: not yet taken)."""

    person: User
    booking: Booking
    mark: Attendance | None


def register(session: Session, actor: Principal, session_id: int) -> tuple[Cohort, CohortSession, list[Line]]:
    """A session's register: everyone with a confirmed place, by name."""
    cohort, sitting = session_to_run(session, actor, session_id)
    marks = {a.user_id: a for a in session.exec(select(Attendance).where(Attendance.session_id == sitting.id)).all()}
    rows = session.exec(select(Booking, User).join(User, User.id == Booking.user_id)
                        .where(Booking.cohort_id == cohort.id, Booking.status == BookingStatus.BOOKED)
                        .order_by(User.name, User.id)).all()
    return cohort, sitting, [Line(person, booking, marks.get(person.id)) for booking, person in rows]


def take_register(session: Session, actor: Principal, session_id: int, form: FormData, now: datetime) -> int:
    """Save the marks sent for a session (``mark-<user id>``: attended, partly or absent; ``note-<user id>``).

    Every mark is checked before anything is saved. A changed mark is a correction, audited with what it was.
    A person whose attendance now meets the cohort's rule completes the module. Returns how many marks changed.
    """
    cohort, sitting, lines = register(session, actor, session_id)
    if cohort.status == CohortStatus.CANCELLED or sitting.cancelled_at is not None:
        raise Conflict("This session was cancelled: there is no register to take")
    if sitting.starts_at.date() > now.date():
        raise Conflict("The register opens on the day of the session")
    wanted: list[tuple[Line, Mark, str]] = []
    for line in lines:
        value, note = one_value(form, f"mark-{line.person.id}"), one_value(form, f"note-{line.person.id}")
        if not value:
            continue
        if value not in set(Mark):
            raise DomainError(f"Choose attended, partly attended or absent for {line.person.name}",
                              field=f"mark-{line.person.id}")
        if len(note) > NOTE_LIMIT:
            raise DomainError(f"Keep the note about {line.person.name} to {NOTE_LIMIT} characters",
                              field=f"note-{line.person.id}")
        if value == Mark.PARTLY and not note:
            raise DomainError(f"Say which part {line.person.name} attended", field=f"note-{line.person.id}")
        wanted.append((line, Mark(value), note))
    if not wanted:
        raise DomainError("Mark at least one person", field=f"mark-{lines[0].person.id}" if lines else "marks")
    changed = 0
    for line, mark, note in wanted:
        row = line.mark
        if row is not None and row.mark == mark and row.note == note:
            continue
        if row is not None:
            audit(session, actor.id, "cohorts.attendance_corrected", f"cohort_session:{sitting.id}",
                  organisation_id=cohort.organisation_id, user_id=line.person.id, was=row.mark, now=mark.value)
        row = row or Attendance(session_id=sitting.id, user_id=line.person.id, mark=mark, recorded_by_id=actor.id)
        row.mark, row.note, row.recorded_by_id, row.recorded_at = mark, note, actor.id, now
        session.add(row)
        session.flush()
        changed += 1
        met = rule_met(session, cohort, line.person.id)
        outcome = Outcome(completion=mark == Mark.ATTENDED, response=note or None)
        records.state(session, line.booking, cohort, "absent" if mark == Mark.ABSENT else "attended", now,
                      actor_id=actor.id, part=records.session_part(cohort, sitting), outcome=outcome,
                      complete=met, partly=mark == Mark.PARTLY)
    audit(session, actor.id, "cohorts.register_taken", f"cohort_session:{sitting.id}",
          organisation_id=cohort.organisation_id, marks=changed)
    return changed


def rule_met(session: Session, cohort: Cohort, user_id: int) -> bool:
    """Whether the person's attendance meets the cohort's rule: every session that was not cancelled, or at
    least its percentage of them (rounded up). Partly attended counts as not attended."""
    if cohort.attendance_rule == AttendanceRule.NONE:
        return False
    held = [s.id for s in sessions_of(session, cohort.id) if s.cancelled_at is None]
    if not held:
        return False
    attended = len(session.exec(select(Attendance.id).where(
        col(Attendance.session_id).in_(held), Attendance.user_id == user_id, Attendance.mark == Mark.ATTENDED)).all())
    return attended >= math.ceil(len(held) * cohort.attendance_percent / 100)


def cancel_session(session: Session, actor: Principal, session_id: int, reason: str, now: datetime) -> CohortSession:
    """Cancel one session: everyone booked or waiting is told."""
    cohort, sitting = session_to_run(session, actor, session_id)
    reason = _reason(reason)
    if sitting.cancelled_at is not None or cohort.status != CohortStatus.OPEN:
        raise Conflict("This session is already cancelled, or its cohort is no longer running")
    sitting.cancelled_at = now
    session.add(sitting)
    audit(session, actor.id, "cohorts.session_cancelled", f"cohort_session:{sitting.id}",
          organisation_id=cohort.organisation_id, reason=reason)
    for booking in _active(session, cohort.id):
        records.tell(session, booking, cohort, "cohort.session_cancelled", f"cohort.session_cancelled:{sitting.id}",
                     subject=f"{sitting.title} of {cohort.title} is cancelled",
                     body=f"{sitting.title} on {sitting.starts_at:%-d %B %Y} is cancelled: {reason}. "
                          "Your place on the rest of the cohort stands.")
    session.flush()
    return sitting


def cancel_cohort(session: Session, actor: Principal, cohort_id: int, reason: str, now: datetime) -> Cohort:
    """Cancel a whole cohort: every booking is cancelled (freeing the places), recorded, and each person told."""
    cohort_to_run(session, actor, cohort_id)
    cohort = lock_cohort(session, cohort_id)
    reason = _reason(reason)
    if cohort.status != CohortStatus.OPEN:
        raise Conflict(f"{cohort.title} has already been {cohort.status}")
    cohort.status, cohort.cancelled_reason = CohortStatus.CANCELLED, reason
    session.add(cohort)
    audit(session, actor.id, "cohorts.cohort_cancelled", f"cohort:{cohort.id}", organisation_id=cohort.organisation_id,
          reason=reason)
    for booking in _active(session, cohort.id):
        booking.status, booking.changed_at = BookingStatus.CANCELLED, now
        session.add(booking)
        records.state(session, booking, cohort, "cancelled", now, actor_id=actor.id, cohort_cancelled=True)
        records.tell(session, booking, cohort, "cohort.cancelled", f"cohort.cancelled:{cohort.id}",
                     subject=f"{cohort.title} is cancelled",
                     body=f"{cohort.title} is cancelled: {reason}. Your booking is cancelled; you can book a "
                          "place on another cohort.")
    session.flush()
    return cohort


def finish_cohort(session: Session, actor: Principal, cohort_id: int, now: datetime) -> list[int]:
    """Close a cohort whose sessions are over: everyone whose attendance met its rule becomes an alum of the
    cohort and of its region's network. Returns their ids."""
    cohort_to_run(session, actor, cohort_id)
    cohort = lock_cohort(session, cohort_id)
    if cohort.status != CohortStatus.OPEN:
        raise Conflict(f"{cohort.title} has already been {cohort.status}")
    held = [s for s in sessions_of(session, cohort.id) if s.cancelled_at is None]
    if held and held[-1].starts_at.date() > now.date():
        raise Conflict("A cohort can be finished on or after the day of its last session")
    cohort.status, cohort.finished_at = CohortStatus.FINISHED, now
    session.add(cohort)
    alumni = [b.user_id for b in _active(session, cohort.id) if b.status == BookingStatus.BOOKED
              and (cohort.attendance_rule == AttendanceRule.NONE or rule_met(session, cohort, b.user_id))]
    for user_id in alumni:
        session.add(AlumniMembership(user_id=user_id, cohort_id=cohort.id, region_id=cohort.region_id, since=now))
    audit(session, actor.id, "cohorts.cohort_finished", f"cohort:{cohort.id}", organisation_id=cohort.organisation_id,
          alumni=len(alumni))
    session.flush()
    return alumni


def _active(session: Session, cohort_id: int) -> list[Booking]:
    return list(session.exec(select(Booking).where(
        Booking.cohort_id == cohort_id,
        col(Booking.status).in_((*HOLDS_A_PLACE, BookingStatus.WAITLISTED))).order_by(Booking.id)).all())


def _reason(reason: str) -> str:
    return written(reason, "reason", limit=500, missing="Say why, so the people booked know")
