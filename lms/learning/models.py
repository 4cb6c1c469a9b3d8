"""Enrolments (self, assigned or automatic), local modules, and progress through modules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms.db import utcnow
from lms.models import json_column


class EnrolmentSource(StrEnum):
    SELF = "self"  # the person enrolled themselves from the catalogue
    ASSIGNED = "assigned"  # an organisation admin assigned it with a due date
    AUTOMATIC = "automatic"  # pushed to every new joiner (the induction)


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class ProgressStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WAIVED = "waived"


class Enrolment(SQLModel, table=True):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "bundle_id"), Index("ix_enrolments_due", "status", "due_at"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    bundle_id: str = Field(max_length=80, index=True)
    bundle_version: str = Field(max_length=40, description="the manifest version enrolled against")
    status: str = Field(default=EnrolmentStatus.ACTIVE, max_length=20)
    source: str = Field(default=EnrolmentSource.SELF, max_length=20)
    registration: str = Field(max_length=36, unique=True, description="xAPI registration UUID")
    # The organisation's local modules added to this enrolment, fixed when it was made.
    local_module_ids: list[str] = Field(default_factory=list, sa_column=json_column())
    enrolled_at: datetime = Field(default_factory=utcnow)
    due_at: datetime | None = None
    assigned_by_id: int | None = Field(default=None, foreign_key="users.id")
    completed_at: datetime | None = None


class OrganisationModule(SQLModel, table=True):
    """A local module an organisation adds to a bundle that allows local variation."""

    __tablename__ = "organisation_modules"
    __table_args__ = (UniqueConstraint("organisation_id", "bundle_id", "module_id"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    bundle_id: str = Field(max_length=80)
    module_id: str = Field(max_length=80)
    position: int = 0
    added_by_id: int | None = Field(default=None, foreign_key="users.id")
    added_at: datetime = Field(default_factory=utcnow)


class ModuleProgress(SQLModel, table=True):
    """A person's progress through one module; it counts in every bundle that uses the module."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    module_id: str = Field(max_length=80)
    module_version: str = Field(max_length=40)
    status: str = Field(default=ProgressStatus.NOT_STARTED, max_length=20)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class ActivityProgress(SQLModel, table=True):
    """Where a person is within one activity: the page reached, kind-specific state, the result."""

    __tablename__ = "activity_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "activity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    module_id: str = Field(max_length=80)
    activity_id: str = Field(max_length=80)
    status: str = Field(default=ProgressStatus.NOT_STARTED, max_length=20)
    position: int = 0
    state: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    score: float | None = None
    completed_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class QuizAttempt(SQLModel, table=True):
    """One attempt at a knowledge check: the questions drawn, the answers given so far, the result."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "activity_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    module_id: str = Field(max_length=80)
    activity_id: str = Field(max_length=80)
    number: int = 1
    question_ids: list[str] = Field(default_factory=list, sa_column=json_column())
    answers: dict[str, list[str]] = Field(default_factory=dict, sa_column=json_column())
    started_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    score: float | None = None
    passed: bool | None = None
