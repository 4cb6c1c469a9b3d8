"""Answers for verifiers: by code, and from a PDF (what the file proves, pdf_check.py, and the registry's hash)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select
from sqlmodel import Session

from certificates import codes, services
from certificates.models import Certificate, CertificateStatus, status_at
from certificates.pdf_check import PdfCheck, check_pdf


@dataclass(frozen=True)
class Answer:
    """What a verifier is told: the status and only the details needed to match it to the document."""

    status: CertificateStatus
    code: str | None = None
    holder_name: str | None = None
    bundle: dict[str, str] | None = None
    standards: tuple[dict[str, str], ...] = ()
    awarded_on: date | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    revoked_on: date | None = None
    revocation_reason: str | None = None
    replaced_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.status == CertificateStatus.UNKNOWN:
            return {"status": self.status.value}
        body: dict[str, Any] = {
            "status": self.status.value, "code": self.code, "holder_name": self.holder_name, "bundle": self.bundle,
            "standards": list(self.standards), "awarded_on": _iso(self.awarded_on),
            "issued_on": _iso(self.issued_on), "expires_on": _iso(self.expires_on),
        }
        if self.status == CertificateStatus.REVOKED:
            body.update(revoked_on=_iso(self.revoked_on), revocation_reason=self.revocation_reason)
        if self.status == CertificateStatus.SUPERSEDED:
            body["replaced_by"] = self.replaced_by
        return body


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


UNKNOWN = Answer(CertificateStatus.UNKNOWN)


# Verification is the busiest public endpoint: it reads rows with Core, built once, not ORM instances.
_CERTIFICATES = Certificate.__table__
_BY_CODE = select(_CERTIFICATES).where(_CERTIFICATES.c.code == bindparam("code"))
_REPLACEMENT_CODE = select(_CERTIFICATES.c.code).where(_CERTIFICATES.c.replaces_id == bindparam("id"))


def answer_for(connection: Connection, certificate: Certificate | Row | None, now: datetime) -> Answer:
    if certificate is None:
        return UNKNOWN
    status = status_at(certificate, now)
    replacement = (connection.execute(_REPLACEMENT_CODE, {"id": certificate.id}).scalar()
                   if status == CertificateStatus.SUPERSEDED else None)
    return Answer(
        status=status, code=codes.display(certificate.code), holder_name=certificate.holder_name,
        bundle={"id": certificate.bundle_id, "title": certificate.bundle_title, "version": certificate.bundle_version},
        standards=tuple({"id": s["id"], "title": s["title"]} for s in certificate.standards),
        awarded_on=_date(certificate.awarded_at), issued_on=_date(certificate.issued_at),
        expires_on=_date(certificate.expires_at), revoked_on=_date(certificate.revoked_at),
        revocation_reason=certificate.revocation_reason,
        replaced_by=codes.display(replacement) if replacement else None,
    )


def answer_for_code(connection: Connection, text: str, now: datetime) -> Answer:
    """The answer for a typed code; raises InvalidCode (a clear message) when it cannot be a code at all."""
    certificate = connection.execute(_BY_CODE, {"code": codes.parse(text)}).first()
    return answer_for(connection, certificate, now)


@dataclass(frozen=True)
class UploadResult:
    answer: Answer
    check: PdfCheck
    matches_registry: bool


def verify_upload(session: Session, pdf: bytes, trust_roots: list, now: datetime) -> UploadResult:
    """All three checks: the signature, the registry's hash of the issued file, and the current status."""
    check = check_pdf(pdf, trust_roots)
    if not check.genuine:
        return UploadResult(UNKNOWN, check, False)
    certificate = services.by_code(session, check.data["code"])
    if certificate is None:
        check.problems.append("This service has no record of the certificate in the file")
        return UploadResult(UNKNOWN, check, False)
    if certificate.pdf_sha256 != hashlib.sha256(pdf).hexdigest():
        check.problems.append("The file is not the one this service issued for that code")
        return UploadResult(UNKNOWN, check, False)
    return UploadResult(answer_for(session.connection(), certificate, now), check, True)
