"""Cohort pages: a person's bookings and calendar files, approvals, alumni networks, and the facilitator's
cohorts, scheduling and register."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlmodel import col, select

from lms import db
from lms.auth.models import Role, User
from lms.cohorts import alumni, booking as bookings, register as registers, schedule
from lms.cohorts.calendar import booking_calendar
from lms.cohorts.kind import CohortContent
from lms.cohorts.models import Booking, BookingStatus, Cohort
from lms.cohorts.records import place_path
from lms.auth.security import roles_required
from lms.db import utcnow
from lms.errors import DomainError, NotFound
from lms.learning.context import catalog
from lms.orgs.models import Organisation
from lms.paging import whole_number
from lms.public_urls import public_base_url

bp = Blueprint("cohorts", __name__)
LONDON = ZoneInfo("Europe/London")


@bp.app_template_filter("clock")
def clock(value: datetime) -> str:
    """A time as people in England read it: 09:30, in UK time."""
    return value.astimezone(LONDON).strftime("%H:%M")


@bp.app_template_filter("day")
def day(value: datetime) -> str:
    """A date with its weekday, in UK time: Tuesday 8 December 2026."""
    local = value.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y}"


# A learner's bookings, approvals and alumni -------------------------------------------------------

@bp.route("/cohorts")
@login_required
def home() -> str:
    session = db.session()
    mine = session.exec(select(Booking, Cohort).join(Cohort, Cohort.id == Booking.cohort_id)
                        .where(Booking.user_id == current_user.id).order_by(col(Booking.booked_at).desc())).all()
    return render_template("cohorts/home.html", title="Cohorts", bookings=[
        (b, c, bookings.sessions_of(session, c.id), place_path(b.bundle_id, c.module_id)) for b, c in mine],
        awaiting=len(bookings.awaiting(session, current_user)),
        networks=alumni.networks(session, session.get(User, current_user.id), utcnow()))


@bp.route("/cohorts/bookings/<id:booking_id>/calendar.ics")
@login_required
def calendar(booking_id: int) -> Response:
    session = db.session()
    booking = session.get(Booking, booking_id)
    if booking is None or booking.user_id != current_user.id or booking.status not in (
            BookingStatus.BOOKED, BookingStatus.AWAITING_APPROVAL):
        raise NotFound("You have no such booking")
    cohort = session.get(Cohort, booking.cohort_id)
    # The events' UIDs name this service by its public address, never the request's Host header.
    host = urlsplit(public_base_url()).hostname or "lms"
    body = booking_calendar(cohort, bookings.sessions_of(session, cohort.id), host)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="cohort-{cohort.id}.ics"'})


@bp.route("/cohorts/approvals")
@login_required
def approvals() -> str:
    return render_template("cohorts/approvals.html", title="Bookings to approve",
                           waiting=bookings.awaiting(db.session(), current_user))


@bp.post("/cohorts/bookings/<id:booking_id>/decision")
@login_required
def decide(booking_id: int) -> Response:
    decision = request.form.get("decision", "")
    if decision not in ("approve", "refuse"):
        raise DomainError("Choose approve or refuse", field="decision")
    booking = bookings.decide(db.session(), current_user, booking_id, decision == "approve", utcnow())
    flash("Place approved" if booking.status == BookingStatus.BOOKED else "Place refused; the person has been told",
          "success")
    return redirect(url_for("cohorts.approvals"))


@bp.route("/cohorts/alumni")
@login_required
def alumni_networks() -> str:
    session = db.session()
    return render_template("cohorts/alumni.html", title="Alumni networks",
                           networks=alumni.networks(session, session.get(User, current_user.id), utcnow()))


@bp.post("/cohorts/alumni/<id:region_id>/directory")
@login_required
def join_directory(region_id: int) -> Response:
    session = db.session()
    alumni.join_directory(session, session.get(User, current_user.id), region_id, request.form.get("contact", ""),
                          utcnow())
    flash("You are listed in the alumni directory", "success")
    return redirect(url_for("cohorts.alumni_networks"))


@bp.post("/cohorts/alumni/<id:region_id>/directory/leave")
@login_required
def leave_directory(region_id: int) -> Response:
    left = alumni.leave_directory(db.session(), current_user.id, region_id)
    flash("You have left the alumni directory" if left else "You were not listed in that directory", "success")
    return redirect(url_for("cohorts.alumni_networks"))


# Facilitators -------------------------------------------------------------------------------------

@bp.route("/facilitate")
@roles_required(Role.FACILITATOR)
def facilitate() -> str:
    session, now = db.session(), utcnow()
    cohorts = [(c, bookings.sessions_of(session, c.id), bookings.places_taken(session, c.id))
               for c in schedule.runs(session, current_user)]
    today = [(c, s) for c, sittings, _ in cohorts for s in sittings
             if s.cancelled_at is None and s.starts_at.astimezone(LONDON).date() == now.astimezone(LONDON).date()]
    return render_template("cohorts/facilitate.html", title="Your cohorts", cohorts=cohorts, today=today)


@bp.route("/facilitate/new", methods=["GET", "POST"])
@roles_required(Role.FACILITATOR)
def new_cohort() -> Response | tuple[str, int] | str:
    session = db.session()
    modules = [m for m in catalog().modules.values() if any(a.kind == "cohort" for a in m.activities)]
    organisations = list(session.exec(select(Organisation).where(
        col(Organisation.id).in_(current_user.organisations_with(Role.FACILITATOR))).order_by(Organisation.name)).all())
    if current_user.is_platform_admin and not organisations:
        organisations = list(session.exec(select(Organisation).order_by(Organisation.name)).all())
    values = request.form.to_dict() if request.method == "POST" else {
        "module": modules[0].id if modules else "", "capacity": "20", "spacing": "7", "starts": "09:30",
        "ends": "16:30", "rule": "every", "percent": "80",
        "organisation": str(organisations[0].id) if organisations else ""}
    if request.method == "POST":
        try:
            cohort = _schedule(session, values, modules)
        except DomainError as error:
            if type(error) is not DomainError:
                raise
            db.rollback()
            return render_template("cohorts/new.html", title="Schedule a cohort", modules=modules,
                                   organisations=organisations, values=values,
                                   errors={error.field or "module": [error.message]}), 400
        flash(f"{cohort.title} is scheduled and open for booking", "success")
        return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))
    return render_template("cohorts/new.html", title="Schedule a cohort", modules=modules,
                           organisations=organisations, values=values, errors={})


def _schedule(session, values: dict, modules: list) -> Cohort:  # noqa: ANN001
    module = next((m for m in modules if m.id == values.get("module")), None)
    if module is None:
        raise DomainError("Choose a programme", field="module")
    organisation = bookings.form_id(values.get("organisation", ""), "organisation")
    capacity = _whole(values.get("capacity", ""), "capacity", "Enter a number of places from 1 to 500")
    spacing = _whole(values.get("spacing", ""), "spacing", "Choose how far apart the days are")
    percent = _whole(values.get("percent", "") or "100", "percent", "Enter a percentage from 50 to 100")
    try:
        first = datetime(int(values.get("first_year", "")), int(values.get("first_month", "")),
                         int(values.get("first_day", "")), tzinfo=LONDON)
    except (TypeError, ValueError, OverflowError):
        raise DomainError("Enter the first day as a real date, for example 12 3 2027", field="first_day") from None
    plan: CohortContent = next(a for a in module.activities if a.kind == "cohort").content
    return schedule.schedule(
        session, current_user, module=module, days=[d.title for d in plan.days], organisation_id=organisation,
        title=values.get("title", "").strip()[:200], place=values.get("place", "").strip()[:200], capacity=capacity,
        first_day=first, spacing_days=spacing if spacing in (1, 7) else 7, starts=values.get("starts", ""),
        ends=values.get("ends", ""), venue=values.get("venue", "").strip()[:300],
        online_link=values.get("online_link", "").strip()[:500],
        accessibility=values.get("accessibility", "").strip()[:1000], rule=values.get("rule", ""), percent=percent,
        now=utcnow())


def _whole(text: str, field: str, message: str) -> int:
    number = whole_number(text, 0, 100_000)
    if number is None:
        raise DomainError(message, field=field)
    return number


@bp.route("/facilitate/cohorts/<id:cohort_id>")
@roles_required(Role.FACILITATOR)
def cohort(cohort_id: int) -> str:
    session = db.session()
    found = schedule.cohort_to_run(session, current_user, cohort_id)
    people = session.exec(select(Booking, User).join(User, User.id == Booking.user_id)
                           .where(Booking.cohort_id == found.id).order_by(Booking.booked_at, Booking.id)).all()
    return render_template("cohorts/cohort.html", title=found.title, cohort=found,
                           sessions=bookings.sessions_of(session, found.id), people=people, now=utcnow())


@bp.route("/facilitate/sessions/<id:session_id>/register", methods=["GET", "POST"])
@roles_required(Role.FACILITATOR)
def register(session_id: int) -> Response | tuple[str, int] | str:
    session, errors = db.session(), {}
    if request.method == "POST":
        try:
            changed = registers.take_register(session, current_user, session_id, request.form.to_dict(flat=False),
                                              utcnow())
        except DomainError as error:
            if type(error) is not DomainError:
                raise
            db.rollback()
            errors = {error.field or "marks": [error.message]}
        else:
            flash(f"Register saved: {changed} mark{'' if changed == 1 else 's'} recorded" if changed
                  else "Register saved: nothing had changed", "success")
            return redirect(url_for("cohorts.register", session_id=session_id))
    found, sitting, lines = registers.register(session, current_user, session_id)
    page = render_template("cohorts/register.html", title=f"Register: {sitting.title}", cohort=found,
                           sitting=sitting, lines=lines, errors=errors,
                           sent=request.form if errors else {})
    return (page, 400) if errors else page


@bp.post("/facilitate/sessions/<id:session_id>/cancel")
@roles_required(Role.FACILITATOR)
def cancel_session(session_id: int) -> Response:
    sitting = registers.cancel_session(db.session(), current_user, session_id, request.form.get("reason", ""), utcnow())
    flash(f"{sitting.title} is cancelled; everyone booked has been told", "success")
    return redirect(url_for("cohorts.cohort", cohort_id=sitting.cohort_id))


@bp.post("/facilitate/cohorts/<id:cohort_id>/cancel")
@roles_required(Role.FACILITATOR)
def cancel_cohort(cohort_id: int) -> Response:
    registers.cancel_cohort(db.session(), current_user, cohort_id, request.form.get("reason", ""), utcnow())
    flash("The cohort is cancelled; everyone booked has been told and their places freed", "success")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort_id))


@bp.post("/facilitate/cohorts/<id:cohort_id>/finish")
@roles_required(Role.FACILITATOR)
def finish(cohort_id: int) -> Response:
    made = registers.finish_cohort(db.session(), current_user, cohort_id, utcnow())
    flash(f"The cohort is finished: {len(made)} {'person is' if len(made) == 1 else 'people are'} now alumni", "success")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort_id))

