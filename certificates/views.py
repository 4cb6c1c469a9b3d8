"""Verification without signing in: look up a code (or follow the QR link), upload a PDF, or ask the JSON API.

The holder's and administrators' pages are in manage_views.py, on the same blueprint.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from certificates import codes, manage_views, verification  # noqa: F401  (manage_views: its pages are on bp too)
from certificates.blueprint import FORM_ERROR_STATUS, bp
from certificates.forms import CodeForm, UploadForm
from certificates.models import CertificateStatus
from lms.api import db, spend, utcnow

LIMIT = "CERTIFICATE_VERIFY_RATE_LIMIT"
SCOPE = "certificate-verification"
UNCONFIRMED_STATUS = 422  # the file was read, but it is not a certificate this service can confirm
# Tag colours of the NHS.UK tag component for each answer.
COLOURS = {"valid": "green", "expired": "orange", "revoked": "red", "superseded": "yellow", "unknown": "grey"}


def spend_budget() -> None:
    """One budget per client address across the code page, the upload and the JSON API, so switching between
    them does not multiply the guesses anyone can make; past it, 429."""
    spend(LIMIT, SCOPE)


def trust_roots() -> list:
    return current_app.extensions["certificates.settings"].trust_roots()


@bp.app_template_global()
def certificate_colour(status) -> str:  # noqa: ANN001
    """The tag colour of a status (a global, so imported macros can use it too)."""
    return COLOURS[getattr(status, "value", status)]


@bp.route("/verify")
def verify():
    """The start page for verifiers: type a code, or go to the upload page."""
    form = CodeForm(request.args, meta={"csrf": False})
    if "code" not in request.args:
        return render_template("certificates/verify.html", title="Check a certificate", form=form)
    if form.validate():
        try:
            return redirect(url_for(".verify_code", code=codes.display(codes.parse(form.code.data))))
        except codes.InvalidCode as error:
            form.code.errors = [error.message]
    return render_template("certificates/verify.html", title="Check a certificate", form=form), FORM_ERROR_STATUS


@bp.route("/verify/<code>")
def verify_code(code: str):
    """The answer for one code: where the QR code on a certificate leads."""
    try:
        answer = counted_answer(code)
    except codes.InvalidCode as error:
        form = CodeForm(data={"code": code}, meta={"csrf": False})
        form.code.errors = [error.message]
        return render_template("certificates/verify.html", title="Check a certificate", form=form), 404
    status = 404 if answer.status == CertificateStatus.UNKNOWN else 200
    return render_template("certificates/answer.html", title=_title(answer), answer=answer, typed=code), status


@bp.route("/verify/upload", methods=["GET", "POST"])
def verify_upload():
    """Upload a PDF: the signature, the registry's hash of the issued file and the current status."""
    form = UploadForm()
    if request.method == "GET":
        return _upload_page(form, 200)
    spend_budget()
    if not form.validate_on_submit():
        return _upload_page(form, FORM_ERROR_STATUS)
    result = verification.verify_upload(db.session(), form.pdf.data.read(), trust_roots(), utcnow())
    if not result.check.readable:  # not examined at all: say why on the field, as for any other bad file
        form.pdf.errors = list(result.check.problems)
        return _upload_page(form, FORM_ERROR_STATUS)
    return render_template("certificates/upload_result.html", title=_title(result.answer), result=result,
                           answer=result.answer), 200 if result.matches_registry else UNCONFIRMED_STATUS


def _upload_page(form: UploadForm, status: int) -> tuple[str, int]:
    return render_template("certificates/upload.html", title="Check a certificate PDF", form=form), status


def counted_answer(code: str) -> verification.Answer:
    """Count the attempt against the client's verification budget, then look the code up. Read on the
    request's reading connection: a read-only lookup needs no ORM session or request transaction."""
    spend_budget()
    return verification.answer_for_code(db.reader(), code, utcnow())


def _title(answer: verification.Answer) -> str:
    return {
        "valid": "This certificate is valid",
        "expired": "This certificate has expired",
        "revoked": "This certificate has been revoked",
        "superseded": "This certificate has been replaced",
        "unknown": "We cannot confirm this certificate",
    }[answer.status.value]

