"""My learning record: the person's transcript (page, CSV, PDF), their statements newest first, and the xAPI download."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user, login_required

from lms import db
from lms.csvfile import csv_response
from lms.db import utcnow
from lms.learning import transcript
from lms.paging import page_number
from lms.timezones import local, zone
from lms.xapi import record

bp = Blueprint("learning_record", __name__, url_prefix="/my-learning-record")


def _ifi() -> str:
    return record.person_ifi(current_app.config, current_user.id, current_user.email)


@bp.get("/")
@login_required
def index():
    session = db.session()
    summary = transcript.build(session, current_user.id, utcnow())
    page = record.page(session.connection(), _ifi(), page_number(request.args.get("page")))
    where = zone(summary.time_zone)
    entries = [(local(entry.at, where), entry) for entry in page.items]
    return render_template("xapi/record.html", title="My learning record", transcript=summary, page=page,
                           entries=entries)


@bp.get("/transcript.csv")
@login_required
def transcript_csv():
    summary = transcript.build(db.session(), current_user.id, utcnow())
    return csv_response(f"transcript-{summary.made_at:%Y-%m-%d}.csv", transcript.CSV_HEADER, summary.csv_rows())


@bp.get("/transcript.pdf")
@login_required
def transcript_pdf():
    # WeasyPrint is imported here, on first use, not at start-up: it loads Pango and its fonts, which every
    # process would otherwise pay for whether or not anyone downloads a transcript.
    from weasyprint import HTML

    summary = transcript.build(db.session(), current_user.id, utcnow())
    html = render_template("xapi/transcript_pdf.html", transcript=summary)
    pdf = HTML(string=html, url_fetcher=_no_fetching).write_pdf(pdf_tags=True)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="transcript-{summary.made_at:%Y-%m-%d}.pdf"',
        "Cache-Control": "no-store"})


def _no_fetching(url: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
    """The transcript is self-contained: a PDF made from it fetches nothing (names come from people)."""
    raise ValueError(f"the transcript loads no resources ({url[:40]!r})")


@bp.get("/download")
@login_required
def download():
    bodies = record.everything(db.session().connection(), _ifi())
    text = '{"statements":[' + ",".join(bodies) + '],"more":""}'
    return Response(text, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="learning-record-{current_user.id}.json"',
        "X-Experience-API-Version": "1.0.3",
    })
