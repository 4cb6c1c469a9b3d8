"""Cohorts and their sessions, bookings (with the waiting list), attendance, and alumni networks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms.db import utcnow


class CohortStatus(StrEnum):
    OPEN = "open"  # taking bookings until its booking deadline, then running
    CANCELLED = "cancelled"
    FINISHED = "finished"  # its members are alumni


class AttendanceRule(StrEnum):
    EVERY_SESSION = "every"  # attended every session that took place
    MOST_SESSIONS = "most"  # attended at least attendance_percent of the sessions that took place
    NONE = "none"  # an alumni network event: nothing to complete


class BookingStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  # holds a place until the line manager decides
    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    REFUSED = "refused"  # the line manager (or organisation admin) said no


HOLDS_A_PLACE = (BookingStatus.AWAITING_APPROVAL, BookingStatus.BOOKED)


class Mark(StrEnum):
    ATTENDED = "attended"
    PARTLY = "partly"  # came for part of the session; the note says which
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {"attended": "Attended", "partly": "Partly attended", "absent": "Absent"}[self.value]


class Cohort(SQLModel, table=True):
    """One scheduled run of a cohort module (or an alumni network's event), in one region."""

    __tablename__ = "cohorts"
    __table_args__ = (Index("ix_cohorts_region_id_status", "region_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    module_id: str = Field(max_length=80, index=True)
    title: str = Field(max_length=200)
    region_id: int = Field(foreign_key="regions.id")
    place: str = Field(default="", max_length=200, description="the place within the region it serves")
    # The organisation hosting it: its facilitators run it (none: any facilitator of the region).
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    capacity: int
    booking_closes_at: datetime
    cancel_by: datetime
    attendance_rule: str = Field(default=AttendanceRule.EVERY_SESSION, max_length=10)
    attendance_percent: int = 100
    status: str = Field(default=CohortStatus.OPEN, max_length=20)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    cancelled_reason: str | None = Field(default=None, max_length=500)
    finished_at: datetime | None = None


class CohortSession(SQLModel, table=True):
    __tablename__ = "cohort_sessions"
    __table_args__ = (Index("ix_cohort_sessions_cohort_id_starts_at", "cohort_id", "starts_at"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohorts.id")
    title: str = Field(max_length=200)
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    venue: str = Field(default="", max_length=300)
    online_link: str = Field(default="", max_length=500)
    accessibility: str = Field(default="", max_length=1000)
    cancelled_at: datetime | None = None


class Booking(SQLModel, table=True):
    """A person's place on a cohort (or on its waiting list, first come first served by id)."""

    __tablename__ = "cohort_bookings"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"), Index("ix_cohort_bookings_cohort_id_status", "cohort_id", "status"))
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohorts.id")
    user_id: int = Field(foreign_key="users.id", index=True)
    bundle_id: str = Field(max_length=80, description="the bundle it was booked through")
    status: str = Field(max_length=20)
    booked_at: datetime = Field(default_factory=utcnow)
    changed_at: datetime = Field(default_factory=utcnow)
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    promoted_at: datetime | None = None  # moved from the waiting list to a place


class Attendance(SQLModel, table=True):
    __tablename__ = "cohort_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="cohort_sessions.id")
    user_id: int = Field(foreign_key="users.id", index=True)
    mark: str = Field(max_length=10)
    note: str = Field(default="", max_length=500)
    recorded_by_id: int = Field(foreign_key="users.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class AlumniMembership(SQLModel, table=True):
    """A person who finished a cohort: an alum of it and of its region's network."""

    __tablename__ = "alumni_memberships"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"), Index("ix_alumni_memberships_region_id", "region_id"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    cohort_id: int = Field(foreign_key="cohorts.id")
    region_id: int = Field(foreign_key="regions.id")
    since: datetime = Field(default_factory=utcnow)


class AlumniListing(SQLModel, table=True):
    """An alum's opt-in entry in their region's directory (none: not listed)."""

    __tablename__ = "alumni_listings"
    __table_args__ = (UniqueConstraint("user_id", "region_id"), Index("ix_alumni_listings_region_id", "region_id"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    region_id: int = Field(foreign_key="regions.id")
    contact: str = Field(max_length=300, description="how they prefer to be contacted")
    listed_at: datetime = Field(default_factory=utcnow)
