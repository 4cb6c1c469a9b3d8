"""The verification JSON API for HR systems, served by a lean app of its own (see ``lms.lean``)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from certificates import codes
from certificates.models import CertificateStatus
from certificates.views import counted_answer
from lms.api import json_api

PREFIX = "/api/v1/certificates"
bp = Blueprint("certificates_api", __name__, url_prefix=PREFIX)


@bp.record_once
def _mount(state) -> None:  # noqa: ANN001
    """Registered on the main app (where url_for finds it): serve the prefix from the lean app."""
    if state.app.name != "certificates.api":
        json_api(state.app, "certificates.api", PREFIX, [bp])


@bp.route("/<code>")
def certificate(code: str):
    """200 with the answer, 404 for an unknown code, 400 for a malformed one; limited like the pages."""
    try:
        answer = counted_answer(code)
    except codes.InvalidCode as error:
        return jsonify({"status": "unknown", "error": error.message, "field": "code"}), 400
    return jsonify(answer.to_json()), 404 if answer.status == CertificateStatus.UNKNOWN else 200
