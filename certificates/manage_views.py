"""The holder's "My certificates", downloads, re-issue and revocation, and each organisation's certificates."""

from __future__ import annotations

import io
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlmodel import select

from certificates import admin, codes, services
from certificates.forms import ConfirmForm, RevokeForm
from certificates.issuing import produce_after_commit, verify_url
from certificates.blueprint import FORM_ERROR_STATUS, bp
from lms.api import DomainError, Forbidden, NotFound, Role, User, db, roles_required, utcnow

MANAGERS = (Role.ORG_ADMIN, Role.ACCREDITOR, Role.PLATFORM_ADMIN)


def _instance() -> Path:
    return Path(current_app.instance_path)


@bp.route("/certificates")
@login_required
def mine():
    session = db.session()
    held = services.held_by(session, current_user.id)
    user = session.get(User, current_user.id)
    return render_template("certificates/mine.html", title="My certificates", certificates=held, now=utcnow(),
                           current_name=user.name, form=ConfirmForm(), display=codes.display)


@bp.route("/certificates/<code>.pdf")
@login_required
def download(code: str):
    certificate, path = admin.stored_pdf(db.session(), current_user, code, _instance())
    # Read whole (about 35 kB) so no file handle outlives the response, whatever the server does with it.
    return send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf", as_attachment=True,
                     download_name=f"certificate-{codes.display(certificate.code)}.pdf")


@bp.route("/certificates/<code>/reissue", methods=["POST"])
@login_required
def reissue(code: str):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for(".mine"))
    new = services.reissue(db.session(), current_user, code, verify_url)
    produce_after_commit(new.id)
    flash(f"A new certificate with the name {new.holder_name} has been issued: code {codes.display(new.code)}. "
          "The old one is marked as replaced.", "success")
    return redirect(request.form.get("next") if _local(request.form.get("next")) else url_for(".mine"))


def _local(target: str | None) -> bool:
    return bool(target) and target.startswith("/") and not target.startswith("//")


@bp.route("/certificates/<code>/revoke", methods=["GET", "POST"])
@roles_required(Role.ACCREDITOR, Role.PLATFORM_ADMIN)
def revoke(code: str):
    session = db.session()
    certificate = services.by_code(session, code)
    if certificate is None:
        raise NotFound("There is no certificate with that code")
    if not services.can_revoke(current_user, certificate):
        raise Forbidden("Only an accreditor of the holder's organisation or a platform administrator can revoke it")
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(session, current_user, code, form.reason.data)
        except DomainError as error:
            form.reason.errors = [*form.reason.errors, error.message]
        else:
            flash(f"Certificate {codes.display(certificate.code)} has been revoked.", "success")
            target = url_for(".organisation", org_id=certificate.organisation_id) if certificate.organisation_id \
                else url_for(".verify_code", code=codes.display(certificate.code))
            return redirect(target)
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("certificates/revoke.html", title="Revoke a certificate", form=form,
                           certificate=certificate, now=utcnow(), display=codes.display), status


@bp.route("/certificates/organisations")
@roles_required(*MANAGERS)
def organisations():
    found = admin.manageable_organisations(db.session(), current_user)
    if len(found) == 1:
        return redirect(url_for(".organisation", org_id=found[0].id))
    return render_template("certificates/organisations.html", title="Certificates by organisation", organisations=found)


@bp.route("/certificates/organisations/<id:org_id>")
@roles_required(*MANAGERS)
def organisation(org_id: int):
    session, now = db.session(), utcnow()
    org = admin.organisation_for(session, current_user, org_id)
    days = current_app.config["CERTIFICATE_RENEWAL_DAYS"]
    names = dict(session.exec(select(User.id, User.name).where(User.organisation_id == org.id)).all())
    return render_template(
        "certificates/organisation.html", title=f"Certificates: {org.name}", org=org, now=now, days=days,
        certificates=services.for_organisation(session, org.id), renewals=services.due_for_renewal(session, now, days, {org.id}),
        current_names=names, form=ConfirmForm(), display=codes.display,
        can_revoke=lambda c: services.can_revoke(current_user, c), can_reissue=lambda c: admin.can_reissue(current_user, c),
    )


@bp.route("/certificates/organisations/<id:org_id>/certificates.zip")
@roles_required(*MANAGERS)
def organisation_zip(org_id: int):
    session = db.session()
    org = admin.organisation_for(session, current_user, org_id)
    archive = admin.organisation_zip(session, current_user, org, _instance(), utcnow())
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=f"certificates-{org.code}-{utcnow():%Y-%m-%d}.zip")
