"""``lms certificates``: keygen, verify a PDF offline, issue and render what is due, and list renewals."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import select

from certificates import codes, live_status, pdf_check, production, services, signing
from certificates.issuing import extra_context, verify_url
from certificates.models import Certificate
from lms.api import Enrolment, EnrolmentStatus, Organisation, User, catalog, db, utcnow


@click.group("certificates", cls=AppGroup)
def certificates_group() -> None:
    """Certificates: signing keys, offline verification, issuing, renewals."""


def _settings() -> production.Settings:
    return current_app.extensions["certificates.settings"]


@certificates_group.command("keygen")
@click.option("--organisation", default=None, help="issuer organisation name (default CERTIFICATE_ISSUER_NAME)")
@click.option("--force", is_flag=True, help="replace an existing demo key (certificates signed before stay valid "
                                            "only while the old authority is in CERTIFICATE_TRUST_ROOTS)")
@click.option("--url", "service_url", default=None,
              help="the service's address, named in the signing certificate (default PUBLIC_BASE_URL)")
def keygen_command(organisation: str | None, force: bool, service_url: str | None) -> None:
    """Create a demo issuer authority and signing certificate in the instance folder.

    The signing certificate names the service's address, so `lms certificates verify` anywhere that trusts
    this authority may ask that address for a certificate's live status. Production uses a PKCS#12 file
    from a real authority (ask it to put PUBLIC_BASE_URL in the certificate as a subjectAltName URI): set
    CERTIFICATE_SIGNING_P12 and LMS_CERTIFICATE_SIGNING_PASSWORD instead.
    """
    settings = _settings()
    folder = Path(current_app.instance_path) / signing.DEMO_FOLDER
    existed = (folder / signing.DEMO_P12).exists()
    p12, ca = signing.keygen(folder, organisation or settings.issuer_name, replace=force,
                             service_url=service_url or current_app.config["PUBLIC_BASE_URL"])
    if existed and not force:
        click.echo(f"A demo signing key already exists: {p12} (use --force to replace it)")
        return
    click.echo(f"Signing key and certificate: {p12}\nIssuer authority (give this to verifiers): {ca}")
    if not settings.demo_key:
        click.echo("Note: CERTIFICATE_SIGNING_P12 is set, so certificates are signed with that file, not this one.")


# Exit statuses of `lms certificates verify`.
EXIT_VALID, EXIT_NOT_GENUINE, EXIT_NOT_CURRENT, EXIT_NOT_CHECKED = 0, 1, 2, 3


@certificates_group.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--server", default=None, help="base URL of the service to ask for the live status (trusted because "
                                             "you name it); default: the certificate's own, if trusted")
@click.option("--trust", "trust", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="issuer authority certificate (PEM); default: this instance's")
@click.option("--offline", is_flag=True, help="do not ask any server for the live status")
def verify_command(pdf: Path, server: str | None, trust: tuple[str, ...], offline: bool) -> None:
    """Check a certificate PDF: its signature and embedded details (no network), then the live status.

    The live status is asked of --server, or else of the server whose address the certificate carries, but
    only when that address is this instance's PUBLIC_BASE_URL, one of CERTIFICATE_STATUS_SERVERS, or named
    in the signing certificate (subjectAltName URI) of a trusted issuer. Any other address is not asked.

    \b
    Exit status:
      0  genuine, and the live status is valid
      1  not genuine (signature changed, untrusted or missing, details missing), or the server does not know it
      2  genuine, but expired (by its own date or the server), revoked or superseded
      3  genuine and in date by the file alone, but the live status was NOT checked (--offline, no trusted
         server, or it did not answer): it may have been revoked or replaced since
    """
    check = pdf_check.check_pdf(pdf.read_bytes(), _trust_roots(trust))
    click.echo(f"Signature: {'valid, file unchanged since signing' if check.intact and check.whole_file else 'NOT VALID'}")
    click.echo(f"Signer: {check.signer or 'none'} ({'trusted' if check.trusted else 'NOT TRUSTED'})")
    for problem in check.problems:
        click.echo(f"Problem: {problem}")
    if not check.genuine:
        sys.exit(EXIT_NOT_GENUINE)
    data = check.data
    expires = data.get("expires_on")
    click.echo(f"Code: {data['code']}\nHolder: {data['holder_name']}\n"
               f"Bundle: {data['bundle']['title']} ({data['bundle']['id']} {data['bundle']['version']})\n"
               f"Standards: {', '.join(s['id'] for s in data['standards']) or 'none'}\n"
               f"Awarded: {data['awarded_on']}  Issued: {data['issued_on']}  Valid until: {expires or 'does not expire'}")
    offline_status = "expired" if expires and date.fromisoformat(expires) <= date.today() else "valid"
    config = current_app.config
    live = (live_status.LiveStatus(reason="--offline was given") if offline else live_status.live_status(
        data, server=server, configured=[config["PUBLIC_BASE_URL"], *config["CERTIFICATE_STATUS_SERVERS"]],
        signer_urls=check.signer_urls))
    if live.answer is None:
        click.echo(f"Status (from the file alone): {offline_status}\nLive status not checked: {live.reason}")
        if offline_status == "valid":
            click.echo("Do not rely on it as current: it may have been revoked or replaced since it was issued.")
        sys.exit(EXIT_NOT_CHECKED if offline_status == "valid" else EXIT_NOT_CURRENT)
    answer = live.answer
    click.echo(f"Live status: {answer['status']} (from {live.server})")
    if answer.get("revocation_reason"):
        click.echo(f"Revoked on {answer.get('revoked_on')}: {answer['revocation_reason']}")
    if answer.get("replaced_by"):
        click.echo(f"Replaced by: {answer['replaced_by']}")
    sys.exit({"valid": EXIT_VALID, "unknown": EXIT_NOT_GENUINE}.get(answer["status"], EXIT_NOT_CURRENT))


def _trust_roots(paths: tuple[str, ...]) -> list:
    from pyhanko.keys import load_certs_from_pemder  # imported here: pyHanko loads only when it is needed

    if paths:
        return list(load_certs_from_pemder(list(paths)))
    settings = _settings()
    if settings.demo_key and not settings.p12_path.exists():
        return list(load_certs_from_pemder([str(p) for p in settings.extra_roots]))  # never create a key here
    return settings.trust_roots()


@certificates_group.command("issue-due")
def issue_due_command() -> None:
    """Issue certificates for completed enrolments that have none (e.g. completed before a bundle awarded one),
    then render every PDF still to be produced."""
    issued = 0
    with db.transaction() as session:
        has_certificate = select(Certificate.id).where(Certificate.enrolment_registration == Enrolment.registration)
        due = session.exec(select(Enrolment).where(Enrolment.status == EnrolmentStatus.COMPLETED,
                                                   ~has_certificate.exists())).all()
        content, standards = catalog(), catalog().standards
        for enrolment in due:
            bundle = content.bundles.get(enrolment.bundle_id)
            if bundle is None or bundle.certificate_template is None:
                continue
            titles = {s: standards[s].title for s in bundle.standards if s in standards}
            if services.issue_for_completion(session, enrolment, session.get(User, enrolment.user_id), bundle,
                                             titles, verify_url, None):
                issued += 1
    click.echo(f"Issued {issued} certificate(s).")
    _render_pending()


@certificates_group.command("render-pending")
def render_pending_command() -> None:
    """Render, sign and store PDFs that a crash or an error left unproduced (safe to run any time)."""
    _render_pending()


def _render_pending() -> None:
    attempts = current_app.config["CERTIFICATE_RENDER_ATTEMPTS"]
    ids = production.pending(db.engine(), attempts)
    stored = sum(production.produce(db.engine(), i, _settings(), extra_context) for i in ids)
    click.echo(f"Stored {stored} of {len(ids)} pending certificate PDF(s).")
    if stored < len(ids):
        sys.exit(1)


@certificates_group.command("renewals")
@click.option("--days", type=int, default=None, help="window in days (default CERTIFICATE_RENEWAL_DAYS)")
@click.option("--organisation", "organisation_code", default=None, help="only this organisation (its code)")
def renewals_command(days: int | None, organisation_code: str | None) -> None:
    """List certificates that have expired or expire soon and have not been renewed."""
    session = db.session()
    org_ids = None
    if organisation_code:
        org = session.exec(select(Organisation).where(Organisation.code == organisation_code)).first()
        if org is None:
            raise click.BadParameter(f"no organisation with code {organisation_code!r}", param_hint="--organisation")
        org_ids = {org.id}
    now = utcnow()
    due = services.due_for_renewal(session, now, days if days is not None else current_app.config["CERTIFICATE_RENEWAL_DAYS"], org_ids)
    for c in due:
        click.echo(f"{c.expires_at.date().isoformat()}  {c.status(now).value:8}  {codes.display(c.code)}  "
                   f"{c.holder_name}  {c.bundle_title}")
    click.echo(f"{len(due)} certificate(s) due for renewal.")

