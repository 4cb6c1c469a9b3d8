"""The cohorts of the demo world: open cohorts in two regions, a full one with a waiting list, one under way
with a register to take today, one finished whose members are alumni, a network event, and a booking
waiting for the demo manager's approval."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel import Session, select

from lms.auth.models import Role, RoleAssignment, User
from lms.auth.principal import Principal
from lms.auth.security import load_principal
from lms.cohorts import booking as bookings, register as registers
from lms.cohorts.models import AlumniListing, AttendanceRule, BookingStatus, Cohort, CohortSession
from lms.db import utcnow
from lms.learning import services as learning
from lms.learning.context import catalog
from lms.orgs.models import Organisation

BUNDLE, MODULE = "mid-career", "midcareer-in-person-cohort"
FACILITATOR, MANAGER = "facilitator@example.org", "manager@example.org"
ACCESS = "Step-free access throughout, a hearing loop in the main room, a quiet room, and accessible parking by the entrance."


def seed_cohorts(session: Session, people: dict[str, User]) -> None:
    """Only when the mid-career bundle and its cohort module are loaded (an instance may leave them out)."""
    if BUNDLE not in catalog().bundles or MODULE not in catalog().bundle(BUNDLE).all_module_ids:
        return
    orgs = {o.code: o for o in session.exec(select(Organisation)).all()}
    staff = {o.id: [u for u in session.exec(select(User).where(User.organisation_id == o.id,
                                                                User.email.like("staff%"))).all()]
             for o in orgs.values()}
    north, south = orgs["RX1"], orgs["RX2"]
    now = utcnow()
    facilitator = load_principal(session, people[FACILITATOR].id)
    plan = [d.title for d in catalog().module(MODULE).activity("cohort").content.days]
    north_people = staff[orgs["1-101000001"].id] + staff[orgs["NSC"].id] + staff[north.id][:-1]

    finished = _cohort(session, north, plan, "Mid-career programme: Northshire, autumn", "Northshire and Cumbria",
                       capacity=16, first=now + timedelta(days=20))
    alumni = north_people[:6]
    _book(session, finished, alumni, now)
    _move(session, finished, now - timedelta(days=60))
    for sitting in bookings.sessions_of(session, finished.id):
        marks = {f"mark-{p.id}": ["attended"] for p in alumni[:5]} | {f"mark-{alumni[5].id}": ["absent"]}
        registers.take_register(session, facilitator, sitting.id, marks, now)
    registers.finish_cohort(session, facilitator, finished.id, now)
    for person in alumni[:3]:
        session.add(AlumniListing(user_id=person.id, region_id=finished.region_id, contact=f"{person.email}, or Teams"))

    under_way = _cohort(session, north, plan, "Mid-career programme: Northshire, winter", "Northshire place",
                        capacity=12, first=now + timedelta(days=20))
    _book(session, under_way, north_people[6:12], now)
    _move(session, under_way, now - timedelta(days=7))  # day 2 is today: a register to take
    first = bookings.sessions_of(session, under_way.id)[0]
    registers.take_register(session, facilitator, first.id,
                            {f"mark-{p.id}": ["attended"] for p in north_people[6:12]}, now)

    full = _cohort(session, north, plan, "Mid-career programme: West Cumbria place", "West Cumbria place",
                   capacity=4, first=now + timedelta(days=35))
    _book(session, full, north_people[12:18], now)  # four places, two on the waiting list

    spring = _cohort(session, north, plan, "Mid-career programme: Northshire, spring", "Northshire and Cumbria",
                     capacity=20, first=now + timedelta(days=49))
    southvale = _cohort(session, south, plan, "Mid-career programme: Southvale, spring", "Southvale",
                        capacity=18, first=now + timedelta(days=42))
    _book(session, southvale, staff[south.id][:3], now)

    _cohort(session, north, ["Alumni evening"], "Northshire alumni network: spring evening",
            "Northshire and Cumbria", capacity=40, first=now + timedelta(days=28), rule=AttendanceRule.NONE)

    # A report of the demo manager asks to attend: the booking waits for their approval.
    report = staff[north.id][-1]
    report.line_manager_id = people[MANAGER].id
    session.add(report)
    _enrol(session, people[MANAGER])
    _book(session, spring, [report], now)


def _cohort(session: Session, host: Organisation, days: list[str], title: str, place: str, *, capacity: int,
            first: datetime, rule: str = AttendanceRule.EVERY_SESSION) -> Cohort:
    start = datetime.combine(first.date(), time(9, 30), first.tzinfo)
    cohort = Cohort(module_id=MODULE, title=title, region_id=host.region_id, place=place, organisation_id=host.id,
                    capacity=capacity, booking_closes_at=start - timedelta(days=2), cancel_by=start - timedelta(days=2),
                    attendance_rule=rule, attendance_percent=100)
    session.add(cohort)
    session.flush()
    for n, day in enumerate(days):
        starts = start + timedelta(days=7 * n)
        session.add(CohortSession(cohort_id=cohort.id, title=day, starts_at=starts, ends_at=starts + timedelta(hours=7),
                                  venue=f"{host.name}, Education Centre, Room 2", accessibility=ACCESS))
    session.flush()
    return cohort


def _enrol(session: Session, person: User) -> None:
    principal = load_principal(session, person.id)
    if BUNDLE not in learning.enrolled_bundle_ids(session, person.id):
        learning.enrol(session, principal, person.id, BUNDLE)


def _book(session: Session, cohort: Cohort, people: list[User], now: datetime) -> None:
    """Each books as they would; with no line manager, their organisation's admin (or the platform admin, where
    the organisation has none) has approved it. A person with a line manager waits for them."""
    bundle = catalog().bundle(BUNDLE)
    for person in people:
        _enrol(session, person)
        booking = bookings.book(session, person.id, cohort.id, bundle, now)
        if booking.status == BookingStatus.AWAITING_APPROVAL and person.line_manager_id is None:
            bookings.decide(session, _approver(session, person), booking.id, True, now)
    session.flush()


def _approver(session: Session, person: User) -> Principal:
    admin = session.exec(select(RoleAssignment.user_id).where(
        RoleAssignment.organisation_id == person.organisation_id, RoleAssignment.role == Role.ORG_ADMIN)).first()
    if admin is None:
        admin = session.exec(select(RoleAssignment.user_id).where(RoleAssignment.role == Role.PLATFORM_ADMIN)).first()
    return load_principal(session, admin)


def _move(session: Session, cohort: Cohort, first: datetime) -> None:
    """Time passes: the cohort's sessions now start from ``first`` (its bookings were made while it was open)."""
    start = datetime.combine(first.date(), time(9, 30), first.tzinfo)
    for n, sitting in enumerate(bookings.sessions_of(session, cohort.id)):
        sitting.starts_at = start + timedelta(days=7 * n)
        sitting.ends_at = sitting.starts_at + timedelta(hours=7)
        session.add(sitting)
    cohort.booking_closes_at = cohort.cancel_by = start - timedelta(days=2)
    session.add(cohort)
    session.flush()
