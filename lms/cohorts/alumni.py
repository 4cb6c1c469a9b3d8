"""Alumni networks: who finished a cohort in a region, the opt-in directory fellow alumni see, and the
network's events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from lms.auth.models import User
from lms.cohorts.booking import sessions_of
from lms.cohorts.models import AlumniListing, AlumniMembership, AttendanceRule, Booking, Cohort, CohortStatus
from lms.cohorts.records import place_path
from lms.errors import Forbidden
from lms.orgs.models import Organisation, Region
from lms.written import written

CONTACT_LIMIT = 300


@dataclass(frozen=True)
class Entry:
    """One listed alum as fellow alumni see them."""

    name: str
    job_title: str | None
    organisation: str | None
    contact: str
    same_organisation: bool


@dataclass(frozen=True)
class Network:
    region: Region
    cohorts: list[Cohort]  # the person's own cohorts in it
    listing: AlumniListing | None
    directory: list[Entry]  # alumni near the person (their own organisation) first
    events: list[tuple[Cohort, datetime | None]]
    book_at: str | None  # the page where the person books the network's events (their cohort activity)


def networks(session: Session, user: User, now: datetime) -> list[Network]:
    """Every region's network the person is an alum of, with its directory and future events."""
    mine = session.exec(select(AlumniMembership, Cohort).join(Cohort, Cohort.id == AlumniMembership.cohort_id)
                        .where(AlumniMembership.user_id == user.id).order_by(AlumniMembership.since)).all()
    booked_through = dict(session.exec(select(Booking.cohort_id, Booking.bundle_id).where(
        Booking.user_id == user.id, col(Booking.cohort_id).in_([c.id for _, c in mine]))).all())
    regions: dict[int, list[Cohort]] = {}
    for membership, cohort in mine:
        regions.setdefault(membership.region_id, []).append(cohort)
    found = []
    for region_id, cohorts in regions.items():
        listing = session.exec(select(AlumniListing).where(AlumniListing.user_id == user.id,
                                                           AlumniListing.region_id == region_id)).first()
        last = cohorts[-1]
        found.append(Network(session.get(Region, region_id), cohorts, listing, directory(session, user, region_id),
                             events(session, region_id, now),
                             place_path(booked_through[last.id], last.module_id) if last.id in booked_through else None))
    return found


def directory(session: Session, user: User, region_id: int) -> list[Entry]:
    """The region's listed alumni: those in the person's own organisation first, then by name."""
    rows = session.exec(select(AlumniListing, User, Organisation).join(User, User.id == AlumniListing.user_id)
                        .outerjoin(Organisation, Organisation.id == User.organisation_id)
                        .where(AlumniListing.region_id == region_id, User.is_active)
                        .order_by(User.name, User.id)).all()
    entries = [Entry(person.name, person.job_title, org.name if org else None, listing.contact,
                     person.organisation_id == user.organisation_id) for listing, person, org in rows]
    return sorted(entries, key=lambda e: not e.same_organisation)


def events(session: Session, region_id: int, now: datetime) -> list[tuple[Cohort, datetime | None]]:
    """The network's future events (cohorts with no attendance rule), soonest first."""
    found = []
    for cohort in session.exec(select(Cohort).where(Cohort.region_id == region_id, Cohort.status == CohortStatus.OPEN,
                                                    Cohort.attendance_rule == AttendanceRule.NONE)).all():
        sittings = sessions_of(session, cohort.id)
        if sittings and sittings[-1].starts_at > now:
            found.append((cohort, sittings[0].starts_at))
    return sorted(found, key=lambda e: e[1])


def is_alum(session: Session, user_id: int, region_id: int) -> bool:
    return session.exec(select(AlumniMembership.id).where(AlumniMembership.user_id == user_id,
                                                          AlumniMembership.region_id == region_id)).first() is not None


def join_directory(session: Session, user: User, region_id: int, contact: str, now: datetime) -> AlumniListing:
    """List the person in their network's directory (or change how they prefer to be contacted)."""
    if not is_alum(session, user.id, region_id):
        raise Forbidden("Only alumni of this network can join its directory")
    contact = written(contact, "contact", limit=CONTACT_LIMIT, missing="Say how fellow alumni can contact you")
    listing = session.exec(select(AlumniListing).where(AlumniListing.user_id == user.id,
                                                       AlumniListing.region_id == region_id)).first()
    listing = listing or AlumniListing(user_id=user.id, region_id=region_id, contact=contact)
    listing.contact, listing.listed_at = contact, now
    session.add(listing)
    session.flush()
    return listing


def leave_directory(session: Session, user_id: int, region_id: int) -> bool:
    """Take the person out of a network's directory (one click); True if they were listed."""
    listing = session.exec(select(AlumniListing).where(AlumniListing.user_id == user_id,
                                                       AlumniListing.region_id == region_id)).first()
    if listing is None:
        return False
    session.delete(listing)
    session.flush()
    return True


def alumni_counts(session: Session, region_ids: list[int]) -> dict[int, int]:
    """How many alumni each region's network has (for pages listing networks)."""
    rows = session.exec(select(AlumniMembership.region_id, AlumniMembership.user_id)
                        .where(col(AlumniMembership.region_id).in_(region_ids))).all()
    counts: dict[int, set[int]] = {}
    for region_id, user_id in rows:
        counts.setdefault(region_id, set()).add(user_id)
    return {r: len(u) for r, u in counts.items()}
