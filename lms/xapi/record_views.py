"""My learning record: a signed-in person's own statements, newest first, and their download as xAPI JSON."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user, login_required

from lms import db
from lms.paging import page_number
from lms.xapi import record

bp = Blueprint("learning_record", __name__, url_prefix="/my-learning-record")


def _ifi() -> str:
    return record.person_ifi(current_app.config, current_user.id, current_user.email)


@bp.get("/")
@login_required
def index():
    page = record.page(db.session().connection(), _ifi(), page_number(request.args.get("page")))
    return render_template("xapi/record.html", title="My learning record", page=page)


@bp.get("/download")
@login_required
def download():
    bodies = record.everything(db.session().connection(), _ifi())
    text = '{"statements":[' + ",".join(bodies) + '],"more":""}'
    return Response(text, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="learning-record-{current_user.id}.json"',
        "X-Experience-API-Version": "1.0.3",
    })
