"""The learning log page: the signed-in person's completed bundles, newest first."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlmodel import col, func, select

from lms.api import Enrolment, EnrolmentStatus, catalog, db

bp = Blueprint("learning_log", __name__, template_folder="templates")


def completed_count(user_id: int) -> int:
    """Read on the page's reading connection: the dashboard opens no ORM session."""
    query = select(func.count()).select_from(Enrolment).where(
        Enrolment.user_id == user_id, Enrolment.status == EnrolmentStatus.COMPLETED)
    return db.reader().execute(query).scalar_one()


@bp.route("/learning-log")
@login_required
def page():
    done = db.session().exec(
        select(Enrolment).where(Enrolment.user_id == current_user.id, Enrolment.status == EnrolmentStatus.COMPLETED)
        .order_by(col(Enrolment.completed_at).desc())
    ).all()
    bundles = catalog().bundles
    entries = [(bundles[e.bundle_id].title if e.bundle_id in bundles else e.bundle_id, e.completed_at) for e in done]
    return render_template("learning_log/page.html", title="Learning log", entries=entries)
