"""An API token: only its hash is stored; scoped to one organisation or to the whole platform."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from lms.db import utcnow


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, description="what the token is for, e.g. the HR system's name")
    token_hash: str = Field(max_length=64, unique=True, description="SHA-256 of the token, hex")
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id", index=True,
                                        description="empty: platform-wide (every organisation's people)")
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
