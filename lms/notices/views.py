"""A person's messages from the service, newest first, and marking them read."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms import db
from lms.notices import services

bp = Blueprint("notices", __name__)


@bp.route("/messages")
@login_required
def index() -> str:
    return render_template("notices/index.html", title="Messages",
                           notices=services.messages(db.session(), current_user.id))


@bp.post("/messages/read")
@login_required
def read_all() -> Response:
    marked = services.mark_read(db.session(), current_user.id)
    flash(f"{marked} message{'' if marked == 1 else 's'} marked as read" if marked else "You have no unread messages",
          "success")
    return redirect(url_for("notices.index"))


@bp.post("/messages/<id:notice_id>/read")
@login_required
def read_one(notice_id: int) -> Response:
    services.mark_read(db.session(), current_user.id, notice_id)
    return redirect(url_for("notices.index"))
