"""The certificate plugin's hooks: how the core issues, lists and links certificates without importing them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import has_request_context, render_template, url_for
from markupsafe import Markup

from certificates import api, codes, issuing, production, render, services, views
from certificates.cli import certificates_group
from certificates.demo import load_demo
# Offered here too: tests and benchmarks reach them through the plugin.
from certificates.issuing import extra_context, produce_after_commit, settings, verify_url  # noqa: F401
from certificates.models import Certificate  # noqa: F401  (registers the table on the shared metadata)
from lms.api import (Credential, NavItem, Problem, Role, db, hookimpl, register_footer_link, register_navigation,
                     utcnow)


@hookimpl
def lms_configure_app(app) -> None:  # noqa: ANN001
    if app.config.get("ENV") == "production" and not app.config.get("CERTIFICATE_SIGNING_P12"):
        raise RuntimeError("refusing to start in production: CERTIFICATE_SIGNING_P12 is not set "
                           "(certificates would be signed with a demo key)")
    app.extensions["certificates.settings"] = production.Settings.from_config(app.config)
    register_navigation(app, NavItem("My certificates", "certificates.mine"))
    register_footer_link(app, "Check a certificate", "certificates.verify")
    register_navigation(app, NavItem("Certificate records", "certificates.organisations",
                                     (Role.ORG_ADMIN, Role.ACCREDITOR), section=("certificates.revoke",)))


@hookimpl
def lms_blueprints() -> list[Any]:
    return [views.bp, api.bp]


@hookimpl
def lms_cli_commands() -> list[Any]:
    return [certificates_group]


@hookimpl
def lms_enrolment_completed(session, enrolment, bundle, actor_id) -> None:  # noqa: ANN001
    issuing.issue_on_completion(session, enrolment, bundle, actor_id)


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
    if slot == "start_page" and has_request_context():  # for anyone, signed in or not: employers and accreditors
        return Markup('<h2 class="nhsuk-heading-m">Check a certificate</h2><p>Employers and accreditors can check that '
                      'a certificate is genuine and still valid, with no account: <a href="{href}">check a '
                      'certificate</a> by its code, QR code or PDF.</p>').format(href=url_for("certificates.verify"))
    user = context.get("user")
    if not has_request_context() or user is None or not getattr(user, "is_authenticated", False):
        return None
    if slot == "bundle_completed":
        return completion_panel(context["bundle"], context["enrolment"])
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


def completion_panel(bundle, enrolment) -> Markup | None:  # noqa: ANN001
    """The certificate on the page that ends a bundle: issued, its download (or that it is being made), its check."""
    if bundle.certificate_template is None:
        return None
    certificate = services.for_enrolment(db.session(), enrolment.id)
    return Markup(render_template("certificates/_completed.html", certificate=certificate, bundle=bundle,
                                  display=codes.display, now=utcnow()))


@hookimpl
def lms_demo_data(session, people) -> None:  # noqa: ANN001
    load_demo(session, people)


@hookimpl
def lms_migration_locations() -> list[str]:
    """The plugin's tables are an Alembic branch of their own ("certificates")."""
    return [str(Path(__file__).parent / "migrations" / "versions")]
