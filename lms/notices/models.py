"""A notice: one message to one person about one event, kept once (its dedupe key is unique)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from lms.db import utcnow


class Notice(SQLModel, table=True):
    __tablename__ = "notices"
    # A person's messages, newest first (their messages page; the unread count on their dashboard).
    __table_args__ = (Index("ix_notices_user_id_created_at", "user_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    event: str = Field(max_length=60, description="what happened, e.g. booking.cancelled")
    subject: str = Field(max_length=200)
    body: str = Field(max_length=4000, description="plain text, paragraphs separated by blank lines")
    link: str | None = Field(default=None, max_length=500, description="a path in the service to act on it")
    essential: bool = Field(default=False, description="security and account messages: never turned off")
    dedupe_key: str = Field(max_length=200, unique=True, description="one notice per person per event")
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
