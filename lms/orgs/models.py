"""Regions (integrated care systems), organisations and invitations to join them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from lms.db import utcnow


class OrganisationKind(StrEnum):
    NHS_TRUST = "nhs-trust"
    CARE_PROVIDER = "care-provider"
    LOCAL_AUTHORITY = "local-authority"
    PRIMARY_CARE = "primary-care"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "nhs-trust": "NHS trust",
            "care-provider": "Care provider",
            "local-authority": "Local authority",
            "primary-care": "Primary care",
            "other": "Other",
        }[self.value]


class Region(SQLModel, table=True):
    """An integrated care system: the unit in which programmes are delivered locally."""

    __tablename__ = "regions"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisations"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True, description="ODS or CQC code")
    name: str = Field(max_length=200)
    kind: str = Field(max_length=30)
    region_id: int = Field(foreign_key="regions.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Invitation(SQLModel, table=True):
    """A single-use link that lets a person join an organisation with a role."""

    __tablename__ = "invitations"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True)
    email: str = Field(max_length=254, index=True)
    role: str = Field(max_length=30)
    token_hash: str = Field(max_length=64, unique=True)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_user_id: int | None = Field(default=None, foreign_key="users.id")
