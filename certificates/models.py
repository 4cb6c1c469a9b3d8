"""Issued certificates: what was certified as at issue, the stored signed PDF, and the lifecycle."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Row, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms.api import json_column, utcnow


class CertificateStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    UNKNOWN = "unknown"  # only ever an answer to a verifier: no such certificate

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Certificate(SQLModel, table=True):
    """One issued certificate. Rows are never rewritten except to record revocation, supersession and the PDF."""

    __tablename__ = "certificates"
    __table_args__ = (
        # Exactly once per completion: an enrolment started afresh gets a new registration, and a
        # re-issue takes the next number. Concurrent completions collide here, not in application code.
        UniqueConstraint("enrolment_registration", "issue_number"),
        Index("ix_certificates_expires_at", "expires_at"),
        Index("ix_certificates_pending", "pdf_sha256", "render_attempts"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, description="verification code, canonical (no separators)")
    enrolment_id: int = Field(foreign_key="enrolments.id", index=True)
    enrolment_registration: str = Field(max_length=36, description="the enrolment's registration when completed")
    issue_number: int = Field(default=1, description="1 on completion; each re-issue takes the next")
    replaces_id: int | None = Field(default=None, foreign_key="certificates.id", unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisations.id", index=True,
                                        description="the holder's organisation at issue")
    holder_name: str = Field(max_length=200, description="the holder's name as at issue")
    bundle_id: str = Field(max_length=80, index=True)
    bundle_version: str = Field(max_length=40)
    bundle_title: str = Field(max_length=200)
    standards: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column(),
                                            description="[{id, title}] met, titles from the catalogue at issue")
    template: str = Field(max_length=64)
    verify_url: str = Field(max_length=300, description="what the QR code and the printed address point to")
    awarded_at: datetime = Field(description="when the bundle was completed (kept by re-issues)")
    issued_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    issued_by_id: int | None = Field(default=None, foreign_key="users.id")
    revoked_at: datetime | None = None
    revoked_by_id: int | None = Field(default=None, foreign_key="users.id")
    revocation_reason: str | None = Field(default=None, max_length=500)
    superseded_at: datetime | None = None
    # The signed PDF, written once after the issuing transaction commits; NULL means still to render.
    pdf_path: str | None = Field(default=None, max_length=300, description="relative to the instance folder")
    pdf_sha256: str | None = Field(default=None, max_length=64)
    pdf_stored_at: datetime | None = None
    render_attempts: int = 0
    render_error: str | None = Field(default=None, max_length=500)

    def status(self, now: datetime) -> CertificateStatus:
        return status_at(self, now)

    @property
    def standard_ids(self) -> tuple[str, ...]:
        return tuple(s["id"] for s in self.standards)


def status_at(certificate: Certificate | Row, now: datetime) -> CertificateStatus:
    """A certificate's status (an instance, or a row read without the ORM): revocation outranks
    supersession, which outranks expiry."""
    if certificate.revoked_at is not None:
        return CertificateStatus.REVOKED
    if certificate.superseded_at is not None:
        return CertificateStatus.SUPERSEDED
    if certificate.expires_at is not None and certificate.expires_at <= now:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID
