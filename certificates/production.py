"""Render, sign and store an issued certificate's PDF exactly once, after the issuing transaction has committed.

A certificate row with no PDF hash is its own job: the after-commit callback produces it at once, and
``lms certificates render-pending`` retries any a crash or an error left behind. The file is linked into
place without overwriting and the row is updated only while its hash is still empty, so two producers
racing on one certificate leave one file and never re-render a stored certificate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from certificates import codes, render, signing
from certificates.models import Certificate
from lms.api import utcnow

log = logging.getLogger(__name__)
STORE = "certificates"  # folder for issued PDFs inside the instance folder
DATA_FORMAT = "lms-certificate/1"


@dataclass(frozen=True)
class Settings:
    """What producing a PDF needs from the app's configuration."""

    instance_path: Path
    p12_path: Path
    p12_password: str | None
    issuer_name: str
    demo_key: bool  # no PKCS#12 configured: use (and on first use create) the instance's demo authority
    extra_roots: tuple[Path, ...] = ()
    public_base_url: str | None = None  # named in a demo signing certificate, vouching for the service's address

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        instance = Path(config["INSTANCE_PATH"])
        configured = config.get("CERTIFICATE_SIGNING_P12") or ""
        p12 = Path(configured) if configured else instance / signing.DEMO_FOLDER / signing.DEMO_P12
        roots = tuple(Path(p.strip()) for p in str(config.get("CERTIFICATE_TRUST_ROOTS") or "").split(",") if p.strip())
        return cls(instance, p12, config.get("CERTIFICATE_SIGNING_PASSWORD") or None,
                   config.get("CERTIFICATE_ISSUER_NAME") or "Leadership and management training", not configured, roots,
                   config.get("PUBLIC_BASE_URL") or None)

    def issuer(self) -> signing.Issuer:
        if self.demo_key and not self.p12_path.exists():
            log.warning("creating a demo certificate-signing authority in %s", self.p12_path.parent)
            signing.keygen(self.p12_path.parent, self.issuer_name, service_url=self.public_base_url)
        return signing.issuer(self.p12_path, self.p12_password)

    def trust_roots(self) -> list:
        """The authorities whose signatures verify: the signing key's root and any configured extras."""
        from pyhanko.keys import load_certs_from_pemder  # imported here: pyHanko loads only when it is needed

        return [*self.issuer().trust_roots, *load_certs_from_pemder([str(p) for p in self.extra_roots])]


def _day(moment) -> str | None:  # noqa: ANN001
    return f"{moment.day} {moment:%B %Y}" if moment else None


def template_values(certificate: Certificate, issuer_name: str, replaces_code: str | None,
                    extra: Mapping[str, Any]) -> dict[str, Any]:
    """The plain values a certificate template receives (plugins' extras first, so they cannot override these)."""
    code = codes.display(certificate.code)
    return {
        **extra,
        "issuer_name": issuer_name, "holder_name": certificate.holder_name, "bundle_id": certificate.bundle_id,
        "bundle_title": certificate.bundle_title, "bundle_version": certificate.bundle_version,
        "standards": [dict(s) for s in certificate.standards], "awarded_on": _day(certificate.awarded_at),
        "issued_on": _day(certificate.issued_at), "expires_on": _day(certificate.expires_at),
        "issued_iso": certificate.issued_at.isoformat(), "code": code, "verify_url": certificate.verify_url,
        "qr_data_uri": render.qr_data_uri(certificate.verify_url),
        "replaces_code": codes.display(replaces_code) if replaces_code else None,
    }


def data_file(certificate: Certificate, issuer_name: str, replaces_code: str | None) -> bytes:
    """The embedded certificate.json that offline verification reads (covered by the signature)."""
    day = lambda moment: moment.date().isoformat() if moment else None  # noqa: E731
    return json.dumps({
        "format": DATA_FORMAT, "issuer": issuer_name, "code": codes.display(certificate.code),
        "holder_name": certificate.holder_name,
        "bundle": {"id": certificate.bundle_id, "title": certificate.bundle_title, "version": certificate.bundle_version},
        "standards": certificate.standards, "awarded_on": day(certificate.awarded_at),
        "issued_on": day(certificate.issued_at), "expires_on": day(certificate.expires_at),
        "replaces": codes.display(replaces_code) if replaces_code else None, "verify_url": certificate.verify_url,
    }, ensure_ascii=False, indent=1).encode()


def build_pdf(certificate: Certificate, settings: Settings, replaces_code: str | None = None,
              extra: Mapping[str, Any] | None = None) -> bytes:
    """Render the PDF/A and sign it (no storage): the slow part, run outside any transaction."""
    values = template_values(certificate, settings.issuer_name, replaces_code, extra or {})
    pdf = render.renderer(certificate.template).render(values, data_file(certificate, settings.issuer_name, replaces_code))
    return signing.sign_pdf(pdf, settings.issuer(), reason=f"Certificate {codes.display(certificate.code)}",
                            location=settings.issuer_name)


def store_file(instance_path: Path, certificate: Certificate, pdf: bytes) -> tuple[str, str]:
    """Write the PDF under the instance folder without ever replacing one; returns (relative path, SHA-256)."""
    relative = Path(STORE) / f"{certificate.issued_at:%Y}" / f"{certificate.code}.pdf"
    path = instance_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        with open(temporary, "wb") as fh:
            fh.write(pdf)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(temporary, path)
    except FileExistsError:
        pdf = path.read_bytes()  # another producer stored it first: theirs stands
    finally:
        temporary.unlink(missing_ok=True)
    return str(relative), hashlib.sha256(pdf).hexdigest()


def _writer(engine: Engine) -> Session:
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_immediate=True)
    return Session(engine, expire_on_commit=False)


def produce(engine: Engine, certificate_id: int, settings: Settings,
            context: Callable[[Certificate], Mapping[str, Any]] | None = None) -> bool:
    """Produce one certificate's PDF if it has none yet; True when this call stored it.

    Failures are recorded on the row (attempts and the error) for the retry command, never raised.
    """
    with Session(engine, expire_on_commit=False) as reader:
        certificate = reader.get(Certificate, certificate_id)
        if certificate is None or certificate.pdf_sha256 is not None:
            return False
        replaced = reader.get(Certificate, certificate.replaces_id) if certificate.replaces_id else None
    try:
        pdf = build_pdf(certificate, settings, replaced.code if replaced else None,
                        context(certificate) if context else None)
        relative, digest = store_file(settings.instance_path, certificate, pdf)
    except Exception as exc:  # noqa: BLE001  (recorded on the row; the retry command shows it)
        log.exception("could not produce certificate %s", certificate_id)
        with _writer(engine) as writer:
            writer.execute(update(Certificate).where(Certificate.id == certificate_id).values(
                render_attempts=Certificate.render_attempts + 1, render_error=f"{type(exc).__name__}: {exc}"[:500]))
            writer.commit()
        return False
    with _writer(engine) as writer:
        stored = writer.execute(
            update(Certificate).where(Certificate.id == certificate_id, col(Certificate.pdf_sha256).is_(None))
            .values(pdf_path=relative, pdf_sha256=digest, pdf_stored_at=utcnow(), render_error=None,
                    render_attempts=Certificate.render_attempts + 1)
        )
        writer.commit()
    return stored.rowcount == 1


def pending(engine: Engine, max_attempts: int, limit: int = 1000) -> list[int]:
    """Certificates still without a PDF, oldest first, skipping those that failed max_attempts times."""
    with Session(engine) as reader:
        return list(reader.exec(
            select(Certificate.id).where(col(Certificate.pdf_sha256).is_(None), Certificate.render_attempts < max_attempts)
            .order_by(Certificate.id).limit(limit)
        ).all())
