"""Eligibility pages (a person's profile of bands, roles and gated bundles) and the token-protected JSON answer."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user, login_required

from lms import db
from lms.api_tokens.auth import current_token, token_required
from lms.api_tokens.services import person_for
from lms.auth.security import csrf
from lms.learning import eligibility

bp = Blueprint("eligibility", __name__)


def _profile(user_id: int):  # noqa: ANN202
    session = db.session()
    person = eligibility.profile_person(session, current_user, user_id)
    answers = eligibility.overview(session, person.id)
    own = person.id == current_user.id
    return render_template(
        "eligibility/profile.html", title="Your eligibility" if own else f"Eligibility of {person.name}",
        person=person, own=own, advancement=[a for a in answers if a.target.kind == "advancement"],
        bundles=[a for a in answers if a.target.kind == "bundle"], prefix=eligibility.BUNDLE_PREFIX,
    )


@bp.route("/profile")
@login_required
def mine():
    return _profile(current_user.id)


@bp.route("/people/<id:user_id>/profile")
@login_required
def person(user_id: int):
    """A person's eligibility, for organisation admins of their organisation (and platform admins)."""
    return _profile(user_id)


@bp.get("/api/v1/people/<id:user_id>/eligibility")
@csrf.exempt  # other systems call it with a token, not a browser session: there is no CSRF to forge
@token_required
def api_eligibility(user_id: int):
    """``?target=bundle:<id>`` or an advancement target id such as ``band-8a``."""
    session = db.session()
    person_for(session, current_token(), user_id)
    answer = eligibility.eligibility(session, user_id, request.args.get("target", ""))
    return jsonify(answer.as_json())
