"""Sign-in, sign-out, account, invitations and password resets."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import TooManyRequests

from lms import db
from lms.auth import services
from lms.auth.forms import ChangePasswordForm, JoinForm, ResetPasswordForm, SignInForm
from lms.auth.principal import current_person, load_principal
from lms.auth.security import start_session
from lms.auth.throttle import count_failure, first_in_a_while, forgive, spend, wait_for
from lms.errors import DomainError
from lms.timezones import zone_names
from lms.orgs.models import Organisation
from lms.web import SERVICE_NAME

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = "The e-mail address or password is not right"
ACCOUNT_LIMIT = "SIGNIN_ACCOUNT_RATE_LIMIT"
ACCOUNT_WAIT = "There have been too many failed attempts to sign in to this account. Wait {wait}, then try again."


def safe_next(target: str | None) -> str | None:
    """A path on this site to go to after signing in; anything else (another site, //host) is dropped."""
    if not target or any(ch in target for ch in "\\\r\n\t") or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def home() -> str:
    """Where a signed-in person lands: their learning, or their account if that area is absent."""
    return url_for("learning.dashboard") if "learning.dashboard" in current_app.view_functions else url_for(".account")


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error on the form field it names, or on the form as a whole."""
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        form.form_errors.append(error.message)


@bp.route("/start")
def start():
    return render_template("auth/start.html", title=SERVICE_NAME)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    next_url = safe_next(request.args.get("next"))
    form = SignInForm()
    if request.method == "POST":
        try:
            spend("SIGNIN_RATE_LIMIT")
        except TooManyRequests:
            _audit_refusal(form.email.data or "", "too many sign-ins from this client address", request.remote_addr)
            raise
        if form.validate():
            email = services.normalise_email(form.email.data)
            wait = wait_for(ACCOUNT_LIMIT, "sign-in account", email)
            if wait:
                _audit_refusal(email, "too many failed sign-ins for this account", email)
                minutes = math.ceil(wait / 60)
                form.email.errors = [ACCOUNT_WAIT.format(wait="a minute" if minutes == 1 else f"{minutes} minutes")]
                page = render_template("auth/sign_in.html", title="Sign in", form=form, next_url=next_url)
                return page, 429, {"Retry-After": str(wait)}
            attempt = services.attempt_sign_in(db.session(), email, form.password.data)
            if attempt.principal is not None:
                forgive(ACCOUNT_LIMIT, "sign-in account", email)
                start_session(attempt.principal)
                return redirect(next_url or home())
            count_failure(ACCOUNT_LIMIT, "sign-in account", email)
            _keep_audit(email, "sign_in.failed", attempt.reason)
            form.email.errors = [SIGN_IN_FAILED]
    elif current_user.is_authenticated:
        return redirect(next_url or home())
    # A form with errors answers 400, which also rolls back anything the attempt wrote.
    status = 400 if form.errors else 200
    return render_template("auth/sign_in.html", title="Sign in", form=form, next_url=next_url), status


def _audit_refusal(email: str, reason: str, limited: str | None) -> None:
    """Audit a refused sign-in once a minute per what was limited (the client address, or the account): a flood
    of refusals is one line, and each kind is bounded by the other limit as failures are."""
    if first_in_a_while("sign-in refused", reason, limited or "unknown"):
        _keep_audit(email, "sign_in.refused", reason)


def _keep_audit(email: str, action: str, reason: str) -> None:
    # The answer is an error, which rolls the request back (lms/app.py): commit the audit row now. The attempt
    # itself changed nothing (authenticate writes only on success).
    services.audit_sign_in(db.session(), action, email, request.remote_addr, reason)
    db.commit()


@bp.post("/sign-out")
def sign_out():
    person = current_person()
    if person.is_authenticated:
        # A copy of the cookie (another tab, a stolen one) must not outlive this: end them all.
        services.sign_out(db.session(), person.id)
    logout_user()
    session.clear()
    flash("You have signed out. You are signed out on your other devices too.", "success")
    return redirect(url_for(".start"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(db.session(), current_user.id, form.current_password.data, form.new_password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            # Other sessions end with the old version; this one carries on with the new one.
            start_session(load_principal(db.session(), current_user.id))
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for(".account"))
    summary = services.account_summary(db.session(), current_user.id)
    status = 400 if form.errors else 200
    return render_template("auth/account.html", title="Your account", form=form, summary=summary,
                           zones=zone_names()), status


@bp.post("/account/time-zone")
@login_required
def time_zone():
    """Set the zone the person's transcript and record show times in (a choice from a list: anything else, 400)."""
    chosen = services.set_time_zone(db.session(), current_user.id, request.form.get("time_zone", ""))
    flash(f"Times in your learning record are now shown in {chosen.replace('_', ' ')} time.", "success")
    return redirect(url_for(".account"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    invitation = services.invitation_for_token(db.session(), token)
    organisation = db.session().get(Organisation, invitation.organisation_id)
    form = JoinForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(db.session(), token, form.name.data, form.password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            start_session(load_principal(db.session(), user.id))
            flash(f"Welcome, {user.name}. You have joined {organisation.name}.", "success")
            return redirect(home())
    status = 400 if form.errors else 200
    return render_template("auth/join.html", title=f"Join {organisation.name}", form=form, invitation=invitation,
                           organisation=organisation), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    services.password_reset_for_token(db.session(), token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(db.session(), token, form.password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for(".sign_in"))
    status = 400 if form.errors else 200
    return render_template("auth/reset_password.html", title="Choose a new password", form=form), status
