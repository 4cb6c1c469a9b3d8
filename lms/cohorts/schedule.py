"""Who runs which cohorts (facilitators, by organisation or region), and scheduling a new cohort."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from lms.audit.services import record as audit
from lms.auth.models import Role
from lms.auth.principal import Principal
from lms.catalog.registry import Module
from lms.cohorts.models import AttendanceRule, Cohort, CohortSession, CohortStatus
from lms.errors import DomainError, Forbidden, NotFound
from lms.orgs.models import Organisation


def facilitated_regions(session: Session, actor: Principal) -> set[int]:
    orgs = actor.organisations_with(Role.FACILITATOR)
    if not orgs:
        return set()
    return set(session.exec(select(Organisation.region_id).where(col(Organisation.id).in_(orgs))).all())


def may_run(session: Session, actor: Principal, cohort: Cohort) -> bool:
    """A facilitator runs their organisations' cohorts, and a region's shared ones (no host organisation) in
    the regions of those organisations; a platform admin runs any."""
    if actor.is_platform_admin:
        return True
    if cohort.organisation_id is not None:
        return cohort.organisation_id in actor.organisations_with(Role.FACILITATOR)
    return cohort.region_id in facilitated_regions(session, actor)


def cohort_to_run(session: Session, actor: Principal, cohort_id: int) -> Cohort:
    """The cohort, if this person may run it."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("There is no such cohort")
    if not may_run(session, actor, cohort):
        raise Forbidden("You can only run the cohorts of your organisations and their regions")
    return cohort


def session_to_run(session: Session, actor: Principal, session_id: int) -> tuple[Cohort, CohortSession]:
    sitting = session.get(CohortSession, session_id)
    if sitting is None:
        raise NotFound("There is no such session")
    return cohort_to_run(session, actor, sitting.cohort_id), sitting


def runs(session: Session, actor: Principal) -> list[Cohort]:
    """The cohorts this person runs, newest first (a platform admin: all)."""
    query = select(Cohort)
    if not actor.is_platform_admin:
        orgs, regions = actor.organisations_with(Role.FACILITATOR), facilitated_regions(session, actor)
        query = query.where(or_(col(Cohort.organisation_id).in_(orgs),
                                (col(Cohort.organisation_id).is_(None)) & col(Cohort.region_id).in_(regions)))
    return list(session.exec(query.order_by(col(Cohort.id).desc())).all())


def schedule(session: Session, actor: Principal, *, module: Module, days: list[str], organisation_id: int,
             title: str, place: str, capacity: int, first_day: datetime, spacing_days: int, starts: str, ends: str,
             venue: str, online_link: str, accessibility: str, rule: str, percent: int, now: datetime) -> Cohort:
    """A new cohort of a module for a facilitator's organisation: one session per day of the module's plan,
    ``spacing_days`` apart from ``first_day`` (local dates; times given as HH:MM, in UTC as stored).

    Booking closes, and places can no longer be cancelled, two days before the first session.
    """
    if not (actor.is_platform_admin or organisation_id in actor.organisations_with(Role.FACILITATOR)):
        raise Forbidden("You can only schedule cohorts for an organisation you facilitate in")
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("There is no such organisation", field="organisation")
    if not 1 <= capacity <= 500:
        raise DomainError("Enter a number of places from 1 to 500", field="capacity")
    if first_day <= now:
        raise DomainError("The first day must be in the future", field="first_day")
    if rule not in (AttendanceRule.EVERY_SESSION, AttendanceRule.MOST_SESSIONS):
        raise DomainError("Choose an attendance rule", field="rule")
    if rule == AttendanceRule.MOST_SESSIONS and not 50 <= percent <= 100:
        raise DomainError("Enter a percentage from 50 to 100", field="percent")
    start, end = _time(starts, "starts"), _time(ends, "ends")
    if end <= start:
        raise DomainError("The finishing time must be after the starting time", field="ends")
    if not venue and not online_link:
        raise DomainError("Enter a venue, an online link, or both", field="venue")
    if online_link and not online_link.startswith("https://"):
        raise DomainError("Enter an online link starting https://", field="online_link")
    cohort = Cohort(module_id=module.id, title=title or module.title, region_id=organisation.region_id, place=place,
                    organisation_id=organisation.id, capacity=capacity,
                    booking_closes_at=first_day - timedelta(days=2), cancel_by=first_day - timedelta(days=2),
                    attendance_rule=rule, attendance_percent=100 if rule == AttendanceRule.EVERY_SESSION else percent,
                    status=CohortStatus.OPEN, created_by_id=actor.id, created_at=now)
    session.add(cohort)
    session.flush()
    for n, day_title in enumerate(days):
        day = first_day + timedelta(days=n * spacing_days)
        session.add(CohortSession(cohort_id=cohort.id, title=day_title, starts_at=day + start, ends_at=day + end,
                                  venue=venue, online_link=online_link, accessibility=accessibility))
    audit(session, actor.id, "cohorts.scheduled", f"cohort:{cohort.id}", organisation_id=organisation.id,
          module_id=module.id, capacity=capacity, first_day=first_day.date().isoformat())
    session.flush()
    return cohort


def _time(text: str, field: str) -> timedelta:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()
            and len(hours) <= 2 and len(minutes) == 2 and int(hours) < 24 and int(minutes) < 60):
        raise DomainError("Enter a time such as 09:30", field=field)
    return timedelta(hours=int(hours), minutes=int(minutes))
