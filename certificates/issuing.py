"""Issuing a certificate: the address its QR code points to, what other plugins add to it, and its PDF produced
once the issuing transaction commits."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlmodel import Session

from certificates import codes, production, services, template_rules
from certificates.models import Certificate
from lms.api import Enrolment, User, catalog, db, external_url, hooks, statements


def settings() -> production.Settings:
    return current_app.extensions["certificates.settings"]


def verify_url(code: str) -> str:
    """Where the QR code points, signed into the certificate: the verification page at PUBLIC_BASE_URL.

    Never the address of the request that completed the bundle: its Host header is the learner's to choose.
    """
    return external_url("certificates.verify_code", code=codes.display(code))


def extra_context(certificate: Certificate) -> dict[str, Any]:
    """Plain values other plugins add to a certificate's template (lms_certificate_context)."""
    bundle = catalog().bundles.get(certificate.bundle_id)
    with Session(db.engine()) as session:
        enrolment = session.get(Enrolment, certificate.enrolment_id)
        user = session.get(User, certificate.user_id)
        merged: dict[str, Any] = {}
        for part in reversed(hooks().lms_certificate_context(bundle=bundle, enrolment=enrolment, user=user)):
            merged.update(template_rules.plain(part or {}, "lms_certificate_context"))
    return merged


def produce_after_commit(certificate_id: int) -> None:
    """Render, sign and store the PDF once the issuing transaction has committed (retried by render-pending)."""
    engine, current = db.engine(), settings()
    db.after_commit(lambda: production.produce(engine, certificate_id, current, extra_context))


def issue_on_completion(session: Session, enrolment: Enrolment, bundle, actor_id: int | None) -> None:  # noqa: ANN001
    """Issue the certificate a completed enrolment earns (if its bundle awards one), in the same transaction."""
    user = session.get(User, enrolment.user_id)
    standards = catalog().standards
    titles = {s: standards[s].title for s in bundle.standards if s in standards}
    certificate = services.issue_for_completion(session, enrolment, user, bundle, titles, verify_url, actor_id)
    if certificate is not None:
        # The learning record, in the same transaction: the person earned this certificate.
        statements.earned(session, statements.Person(user.id, user.name, user.email),
                          statements.Thing(codes.display(certificate.code), f"Certificate: {bundle.title}"),
                          bundle=statements.Thing(bundle.id, bundle.title), registration=enrolment.registration,
                          at=certificate.issued_at)
        produce_after_commit(certificate.id)
