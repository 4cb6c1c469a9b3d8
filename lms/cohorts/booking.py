"""Booking a place on a cohort, the waiting list, cancelling, and the line manager's approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from lms.audit.services import record as audit
from lms.auth.models import Role, RoleAssignment, User
from lms.auth.principal import Principal
from lms.catalog.registry import Bundle
from lms.cohorts import records
from lms.cohorts.models import (HOLDS_A_PLACE, AlumniMembership, AttendanceRule, Booking, BookingStatus, Cohort,
                                CohortSession, CohortStatus)
from lms.errors import Conflict, DomainError, Forbidden, NotFound
from lms.notices.services import notify
from lms.orgs.models import Organisation
from lms.paging import record_id
from lms.people.hierarchy import manages


@dataclass(frozen=True)
class Choice:
    """A cohort as a learner weighs it: its sessions, places left, and their own booking if any."""

    cohort: Cohort
    sessions: list[CohortSession]
    places_left: int
    waiting: int
    near: bool  # in the person's own region
    booking: Booking | None

    @property
    def first_starts_at(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None


def lock_cohort(session: Session, cohort_id: int) -> Cohort:
    """The cohort, locked for this transaction (PostgreSQL row lock; SQLite writers already take turns), so
    two people booking its last place are counted one after the other."""
    cohort = session.exec(select(Cohort).where(Cohort.id == cohort_id).with_for_update()).first()
    if cohort is None:
        raise NotFound("There is no such cohort", field="cohort")
    return cohort


def sessions_of(session: Session, cohort_id: int) -> list[CohortSession]:
    return list(session.exec(select(CohortSession).where(CohortSession.cohort_id == cohort_id)
                             .order_by(CohortSession.starts_at, CohortSession.id)).all())


def places_taken(session: Session, cohort_id: int) -> int:
    return session.exec(select(func.count()).select_from(Booking).where(
        Booking.cohort_id == cohort_id, col(Booking.status).in_(HOLDS_A_PLACE))).one()


def choices(session: Session, user: User, module_id: str, now: datetime) -> list[Choice]:
    """The cohorts of a module a person may book (and any they hold a booking on): their region's first,
    each in date order."""
    region_id = session.exec(select(Organisation.region_id).where(Organisation.id == user.organisation_id)).first()
    mine = {b.cohort_id: b for b in session.exec(select(Booking).where(Booking.user_id == user.id)).all()}
    cohorts = session.exec(select(Cohort).where(Cohort.module_id == module_id, Cohort.status == CohortStatus.OPEN)).all()
    networks = alumni_regions(session, user.id)
    shown = [c for c in cohorts if c.id in mine or not (c.booking_closes_at <= now or (
        c.attendance_rule == AttendanceRule.NONE and c.region_id not in networks))]
    ids = [c.id for c in shown]
    # Every shown cohort's bookings counted and sessions read in two queries, not two per cohort.
    counts: dict[tuple[int, str], int] = {
        (cohort_id, status): n for cohort_id, status, n in session.exec(
            select(Booking.cohort_id, Booking.status, func.count()).where(col(Booking.cohort_id).in_(ids))
            .group_by(Booking.cohort_id, Booking.status)).all()}
    sittings: dict[int, list[CohortSession]] = {cohort_id: [] for cohort_id in ids}
    for sitting in session.exec(select(CohortSession).where(col(CohortSession.cohort_id).in_(ids))
                                .order_by(CohortSession.starts_at, CohortSession.id)).all():
        sittings[sitting.cohort_id].append(sitting)
    found = []
    for cohort in shown:
        taken = sum(counts.get((cohort.id, s), 0) for s in HOLDS_A_PLACE)
        found.append(Choice(cohort, sittings[cohort.id], max(cohort.capacity - taken, 0),
                            counts.get((cohort.id, BookingStatus.WAITLISTED), 0), cohort.region_id == region_id,
                            mine.get(cohort.id)))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(found, key=lambda c: (not c.near, c.first_starts_at or far, c.cohort.id))


def alumni_regions(session: Session, user_id: int) -> set[int]:
    """The regions whose alumni networks the person belongs to (only they see and book the networks' events)."""
    return set(session.exec(select(AlumniMembership.region_id).where(AlumniMembership.user_id == user_id)).all())


def book(session: Session, user_id: int, cohort_id: int, bundle: Bundle, now: datetime) -> Booking:
    """Take a place on the cohort, or join its waiting list when it is full.

    A bundle whose manifest says ``approval = "manager"`` holds the place while the person's line manager
    (or, with none, their organisation's admins) decides. Refused with nothing changed: a cohort that is
    cancelled, finished, closed for booking or already begun; a second place on the same module.
    """
    cohort = lock_cohort(session, cohort_id)
    if cohort.module_id not in bundle.all_module_ids:
        raise NotFound("There is no such cohort for this module", field="cohort")
    if cohort.status != CohortStatus.OPEN:
        raise Conflict(f"{cohort.title} has been {cohort.status} and is no longer taking bookings")
    network_event = cohort.attendance_rule == AttendanceRule.NONE
    if network_event and cohort.region_id not in alumni_regions(session, user_id):
        raise Forbidden("Only alumni of this network can book its events")
    starts = sessions_of(session, cohort.id)
    if cohort.booking_closes_at <= now or (starts and starts[0].starts_at <= now):
        raise Conflict(f"Booking for {cohort.title} has closed")
    mine = session.exec(select(Booking).where(Booking.user_id == user_id)).all()
    existing = next((b for b in mine if b.cohort_id == cohort.id), None)
    if existing is not None and existing.status in (*HOLDS_A_PLACE, BookingStatus.WAITLISTED):
        raise Conflict("You already have a place on this cohort" if existing.status != BookingStatus.WAITLISTED
                       else "You are already on the waiting list for this cohort")
    other = [b.cohort_id for b in mine if b.status in HOLDS_A_PLACE and b.cohort_id != cohort.id]
    if other and not network_event and session.exec(select(Cohort.id).where(
            col(Cohort.id).in_(other), Cohort.module_id == cohort.module_id, Cohort.status == CohortStatus.OPEN,
            Cohort.attendance_rule != AttendanceRule.NONE)).first() is not None:
        raise Conflict("You already have a place on another cohort of this module: cancel it first")
    full = places_taken(session, cohort.id) >= cohort.capacity
    status = (BookingStatus.WAITLISTED if full else
              BookingStatus.AWAITING_APPROVAL if bundle.approval == "manager" else BookingStatus.BOOKED)
    booking = existing or Booking(cohort_id=cohort.id, user_id=user_id, bundle_id=bundle.id, status=status)
    booking.status, booking.bundle_id, booking.booked_at, booking.changed_at = status, bundle.id, now, now
    booking.decided_by_id = booking.promoted_at = None
    session.add(booking)
    session.flush()
    if status == BookingStatus.WAITLISTED:
        records.state(session, booking, cohort, "waitlisted", now, actor_id=user_id)
    else:
        records.state(session, booking, cohort, "registered", now, actor_id=user_id,
                      awaiting_approval=status == BookingStatus.AWAITING_APPROVAL)
    if status == BookingStatus.AWAITING_APPROVAL:
        _ask_for_approval(session, booking, cohort)
    return booking


def cancel(session: Session, user_id: int, booking_id: int, now: datetime) -> Booking:
    """The person gives up their place (before the cohort's cancellation deadline) or leaves the waiting list;
    a freed place goes to the next person waiting."""
    booking = _own(session, user_id, booking_id)
    cohort = lock_cohort(session, booking.cohort_id)
    if booking.status not in (*HOLDS_A_PLACE, BookingStatus.WAITLISTED):
        raise Conflict("You have no place on this cohort to cancel")
    frees = booking.status in HOLDS_A_PLACE
    if frees and cohort.cancel_by <= now:
        raise Conflict(f"The deadline for cancelling a place on {cohort.title} has passed: "
                       "ask the facilitator if you cannot come")
    booking.status, booking.changed_at = BookingStatus.CANCELLED, now
    session.add(booking)
    records.state(session, booking, cohort, "cancelled", now, actor_id=user_id)
    if frees:
        promote(session, cohort, now, actor_id=user_id)
    return booking


def promote(session: Session, cohort: Cohort, now: datetime, *, actor_id: int | None) -> list[Booking]:
    """Give each free place to the next person on the waiting list (first come, first served), recorded and told."""
    free = cohort.capacity - places_taken(session, cohort.id)
    if free <= 0 or cohort.status != CohortStatus.OPEN:
        return []
    waiting = session.exec(select(Booking).where(Booking.cohort_id == cohort.id,
                                                 Booking.status == BookingStatus.WAITLISTED)
                           .order_by(Booking.booked_at, Booking.id).limit(free)).all()
    for booking in waiting:
        booking.status, booking.changed_at, booking.promoted_at = BookingStatus.BOOKED, now, now
        session.add(booking)
        records.state(session, booking, cohort, "registered", now, actor_id=actor_id, from_waiting_list=True)
        records.tell(session, booking, cohort, "cohort.promoted", f"cohort.promoted:{booking.id}:{now.isoformat()}",
                     subject=f"You have a place on {cohort.title}",
                     body=f"A place became free on {cohort.title} and it is now yours, as you were next on the "
                          "waiting list. If you can no longer come, cancel it so the next person can have it.")
    session.flush()
    return list(waiting)


def _own(session: Session, user_id: int, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None or booking.user_id != user_id:
        raise NotFound("You have no such booking", field="booking")
    return booking


# Approval ----------------------------------------------------------------------------------------

def may_decide(session: Session, actor: Principal, person: User) -> bool:
    """The person's line manager (or anyone above them) decides; with no line manager, their organisation's admins."""
    if person.id == actor.id:
        return False
    if person.line_manager_id is not None:
        return manages(session, actor.id, person.id)
    return person.organisation_id is not None and actor.has_role(Role.ORG_ADMIN, person.organisation_id)


def _ask_for_approval(session: Session, booking: Booking, cohort: Cohort) -> None:
    person = session.get(User, booking.user_id)
    if person.line_manager_id is not None:
        approvers = [person.line_manager_id]
    else:
        approvers = list(session.exec(select(RoleAssignment.user_id).where(
            RoleAssignment.organisation_id == person.organisation_id, RoleAssignment.role == Role.ORG_ADMIN)).all())
    for approver in approvers:
        notify(session, approver, "cohort.approval_requested", dedupe_key=f"cohort.approval:{booking.id}:{booking.booked_at.isoformat()}",
               subject=f"{person.name} asks to attend {cohort.title}",
               body=f"{person.name} has booked a place on {cohort.title}. Their place is held until you approve "
                    "or refuse it.", link="/cohorts/approvals", essential=True)


def awaiting(session: Session, actor: Principal) -> list[tuple[Booking, User, Cohort]]:
    """Bookings waiting for this person's decision, oldest first."""
    rows = session.exec(select(Booking, User, Cohort).join(User, User.id == Booking.user_id)
                        .join(Cohort, Cohort.id == Booking.cohort_id)
                        .where(Booking.status == BookingStatus.AWAITING_APPROVAL)
                        .order_by(Booking.booked_at, Booking.id)).all()
    return [(b, u, c) for b, u, c in rows if may_decide(session, actor, u)]


def decide(session: Session, actor: Principal, booking_id: int, approve: bool, now: datetime) -> Booking:
    """Approve (the place is confirmed) or refuse (the place is freed for the next person waiting)."""
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("There is no such booking", field="booking")
    person = session.get(User, booking.user_id)
    if not may_decide(session, actor, person):
        raise Forbidden("Only the person's line manager, or their organisation's admin when they have none, "
                        "can decide on this booking")
    cohort = lock_cohort(session, booking.cohort_id)
    if booking.status != BookingStatus.AWAITING_APPROVAL:
        raise Conflict(f"This booking has already been decided ({booking.status.replace('_', ' ')})")
    booking.status = BookingStatus.BOOKED if approve else BookingStatus.REFUSED
    booking.changed_at, booking.decided_by_id = now, actor.id
    session.add(booking)
    audit(session, actor.id, "cohorts.booking_approved" if approve else "cohorts.booking_refused",
          f"booking:{booking.id}", organisation_id=person.organisation_id, user_id=person.id, cohort_id=cohort.id)
    records.tell(session, booking, cohort, "cohort.booking_decided", f"cohort.decided:{booking.id}:{now.isoformat()}",
                 subject=f"Your place on {cohort.title} is {'confirmed' if approve else 'not approved'}",
                 body=(f"{actor.name} approved your place on {cohort.title}." if approve else
                       f"{actor.name} did not approve your place on {cohort.title}. Talk to them about another cohort."))
    if not approve:
        records.state(session, booking, cohort, "cancelled", now, actor_id=actor.id, refused=True)
        promote(session, cohort, now, actor_id=actor.id)
    session.flush()
    return booking


def form_id(value: str, field: str) -> int:
    """A record id sent in a form, or a DomainError naming the field."""
    number = record_id(value)
    if number is None:
        raise DomainError("Choose one of the options shown", field=field)
    return number
