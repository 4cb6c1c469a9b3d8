"""Who may see and download which certificates, and an organisation's certificates as one zip file."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path
from tempfile import SpooledTemporaryFile

from sqlmodel import Session, col, select

from certificates import codes, services
from certificates.models import Certificate
from lms.api import Forbidden, NotFound, Organisation, Principal, Role, audit, csv_text

MANAGING_ROLES = (Role.ORG_ADMIN, Role.ACCREDITOR)


def manageable_organisations(session: Session, actor: Principal) -> list[Organisation]:
    """Organisations whose certificates the actor looks after (all of them for a platform admin)."""
    query = select(Organisation).order_by(Organisation.name)
    if not actor.is_platform_admin:
        ids = set().union(*(actor.organisations_with(role) for role in MANAGING_ROLES))
        query = query.where(col(Organisation.id).in_(ids))
    return list(session.exec(query).all())


def organisation_for(session: Session, actor: Principal, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("There is no such organisation")
    if not any(actor.has_role(role, organisation_id) for role in MANAGING_ROLES):
        raise Forbidden("You do not look after this organisation's certificates")
    return organisation


def can_download(actor: Principal, certificate: Certificate) -> bool:
    return actor.id == certificate.user_id or any(
        actor.has_role(role, certificate.organisation_id) for role in MANAGING_ROLES)


def can_reissue(actor: Principal, certificate: Certificate) -> bool:
    return actor.id == certificate.user_id or actor.has_role(Role.ORG_ADMIN, certificate.organisation_id)


def stored_pdf(session: Session, actor: Principal, text: str, instance_path: Path) -> tuple[Certificate, Path]:
    """The stored PDF of a certificate the actor may download (never rendered again)."""
    certificate = services.by_code(session, text)
    if certificate is None:
        raise NotFound("There is no certificate with that code")
    if not can_download(actor, certificate):
        raise Forbidden("Only the holder and those who manage their organisation's certificates can download it")
    if certificate.pdf_path is None:
        raise NotFound("This certificate's PDF is still being prepared: try again in a minute")
    return certificate, instance_path / certificate.pdf_path


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "certificate"


INDEX_COLUMNS = ["code", "holder_name", "bundle_id", "bundle_version", "bundle_title", "status", "awarded_on",
                 "issued_on", "expires_on", "revoked_on", "revocation_reason", "sha256", "file"]


def organisation_zip(session: Session, actor: Principal, organisation: Organisation, instance_path: Path,
                     now: datetime) -> SpooledTemporaryFile:
    """Every stored certificate PDF of the organisation and an index.csv (audited: it is a bulk export)."""
    certificates = services.for_organisation(session, organisation.id)
    spool = SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    rows = []
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for c in certificates:
            name = None
            if c.pdf_path and (instance_path / c.pdf_path).is_file():
                name = f"{_slug(c.holder_name)}-{c.bundle_id}-{codes.display(c.code)}.pdf"
                archive.write(instance_path / c.pdf_path, name)
            day = lambda moment: moment.date().isoformat() if moment else ""  # noqa: E731
            rows.append([codes.display(c.code), c.holder_name, c.bundle_id, c.bundle_version, c.bundle_title,
                         c.status(now).value, day(c.awarded_at), day(c.issued_at), day(c.expires_at),
                         day(c.revoked_at), c.revocation_reason or "", c.pdf_sha256 or "", name or ""])
        # Names and reasons are typed by people: the shared writer keeps them from running as formulas.
        archive.writestr("index.csv", csv_text(INDEX_COLUMNS, rows))
    audit(session, actor.id, "certificate.bulk_download", f"organisation:{organisation.id}",
          organisation_id=organisation.id, count=len(certificates))
    spool.seek(0)
    return spool
