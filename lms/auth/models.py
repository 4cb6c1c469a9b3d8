"""People, their roles scoped to organisations, and admin-issued password resets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms.db import utcnow


class Role(StrEnum):
    LEARNER = "learner"
    FACILITATOR = "facilitator"
    ASSESSOR = "assessor"
    ACCREDITOR = "accreditor"
    ORG_ADMIN = "org_admin"
    PLATFORM_ADMIN = "platform_admin"

    @property
    def label(self) -> str:
        return self.value.replace("org_", "organisation ").replace("_", " ").capitalize()


DEFAULT_TIME_ZONE = "Europe/London"


class User(SQLModel, table=True):
    __tablename__ = "users"
    # An organisation's people listed by name, a page at a time (admin pages, 100,000+ people).
    __table_args__ = (Index("ix_users_organisation_id_name", "organisation_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, description="stored lower-case")
    name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    job_title: str | None = Field(default=None, max_length=200)
    band: str | None = Field(default=None, max_length=20, description="Agenda for Change band, if any")
    # Their line manager, in the same organisation (lms.people.hierarchy keeps it so, and free of cycles).
    line_manager_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    is_active: bool = True
    # Bumped on password change or reset so every other session signs out.
    session_version: int = 1
    # Bumped with every change to the person's own records (lms.pages): their cached pages are then stale.
    learning_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The IANA time zone (zoneinfo) the person's transcript and learning record show times in.
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, max_length=64,
                           sa_column_kwargs={"server_default": DEFAULT_TIME_ZONE})
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None


class RoleAssignment(SQLModel, table=True):
    """A role held in one organisation; platform admin is held with no organisation."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    role: str = Field(max_length=30)


class PasswordReset(SQLModel, table=True):
    """A one-time link an admin issues so a person can choose a new password."""

    __tablename__ = "password_resets"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_by_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
