"""The certificate plugin's hooks: how the core issues, lists and links certificates without importing them."""

from __future__ import annotations

from pathlib import Path

from typing import Any

from flask import current_app, has_request_context, url_for
from markupsafe import Markup
from sqlmodel import Session

from certificates import codes, production, render, services
from certificates.models import Certificate  # registers the table on the shared metadata
from lms.api import (Credential, Enrolment, NavItem, Problem, Role, User, catalog, db, external_url, hookimpl, hooks,
                     register_navigation, statements, utcnow)


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
            merged.update(render.plain(part or {}, "lms_certificate_context"))
    return merged


def produce_after_commit(certificate_id: int) -> None:
    """Render, sign and store the PDF once the issuing transaction has committed (retried by render-pending)."""
    engine, current = db.engine(), settings()
    db.after_commit(lambda: production.produce(engine, certificate_id, current, extra_context))


@hookimpl
def lms_configure_app(app) -> None:  # noqa: ANN001
    if app.config.get("ENV") == "production" and not app.config.get("CERTIFICATE_SIGNING_P12"):
        raise RuntimeError("refusing to start in production: CERTIFICATE_SIGNING_P12 is not set "
                           "(certificates would be signed with a demo key)")
    app.extensions["certificates.settings"] = production.Settings.from_config(app.config)
    register_navigation(app, NavItem("My certificates", "certificates.mine"))
    register_navigation(app, NavItem("Certificate records", "certificates.organisations",
                                     (Role.ORG_ADMIN, Role.ACCREDITOR), section=("certificates.revoke",)))


@hookimpl
def lms_blueprints() -> list[Any]:
    from certificates import api, views

    return [views.bp, api.bp]


@hookimpl
def lms_cli_commands() -> list[Any]:
    from certificates.cli import certificates_group

    return [certificates_group]


@hookimpl
def lms_enrolment_completed(session, enrolment, bundle, actor_id) -> None:  # noqa: ANN001
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


@hookimpl
def lms_enrolment_reopened(session, enrolment, reason, actor_id) -> None:  # noqa: ANN001
    """A completion taken back (an overturned acceptance): its certificate no longer stands."""
    services.revoke_for_enrolment(session, enrolment.id, enrolment.registration, actor_id, reason)


@hookimpl
def lms_credentials(session, user_id: int) -> list[Credential]:  # noqa: ANN001
    now = utcnow()
    return [
        Credential(kind="certificate", id=c.bundle_id, title=c.bundle_title, status=c.status(now).value,
                   issued_at=c.issued_at, expires_at=c.expires_at, standards=c.standard_ids, revoked_at=c.revoked_at)
        for c in services.held_by(session, user_id)
    ]


@hookimpl
def lms_validate_bundle(bundle, catalog) -> list[Problem]:  # noqa: ANN001
    template = bundle.certificate_template
    if template is None or render.template_exists(template):
        return []
    known = ", ".join(sorted(p.name for p in render.TEMPLATES.iterdir() if render.template_exists(p.name))) or "none"
    return [Problem(str(bundle.path / "bundle.toml"), "certificate.template",
                    f"no certificate template {template!r} in certificates/templates/ (known: {known})")]


@hookimpl
def lms_template_slot(slot: str, context: dict[str, Any]) -> Markup | None:
    user = context.get("user")
    if not has_request_context() or user is None or not getattr(user, "is_authenticated", False):
        return None
    if slot == "admin_menu" and any(user.has_role(r) for r in (Role.ORG_ADMIN, Role.ACCREDITOR)):
        return Markup('<li><a href="{href}">Certificate records and renewals</a></li>').format(
            href=url_for("certificates.organisations"))
    if slot != "dashboard_after_bundles":
        return None
    count = services.current_count(db.reader(), user.id)  # the dashboard only reads
    if not count:
        return None
    noun = "certificate" if count == 1 else "certificates"
    return Markup(
        '<h2>Certificates</h2><p>You hold {count} {noun}. <a href="{href}">View and download your certificates</a></p>'
    ).format(count=count, noun=noun, href=url_for("certificates.mine"))


@hookimpl
def lms_demo_data(session, people) -> None:  # noqa: ANN001
    from certificates.demo import load_demo

    load_demo(session, people)


@hookimpl
def lms_migration_locations() -> list[str]:
    """The plugin's tables are an Alembic branch of their own ("certificates")."""
    return [str(Path(__file__).parent / "migrations" / "versions")]
