"""One row per privileged action: who did what to which record, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from lms.db import utcnow
from lms.models import json_column


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    action: str = Field(max_length=80, index=True)
    target: str = Field(max_length=120, description="kind:id of the record acted on")
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
