"""Pages of assessed evidence: attaching files, the assessors' queue and decisions, accreditors' quality
assurance, and asking for prior learning to be recognised."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms import db
from lms.auth.models import Role, User
from lms.auth.security import roles_required
from lms.db import utcnow
from lms.errors import Conflict, DomainError, Forbidden, NotFound
from lms.evidence import assessment, files, prior_learning, scope, submissions
from lms.evidence import quality as second_review
from lms.evidence.models import EvidenceFile, PriorLearningReason, Submission
from lms.learning import services as learning
from lms.learning.context import catalog
from lms.learning.views import render_step
from lms.paging import MAX_ID, whole_number
from lms.people.hierarchy import manages, reports_of

bp = Blueprint("evidence", __name__)


def _text(name: str) -> str:
    return request.form.get(name, "").strip()


def _back_with(message: str, endpoint: str, **values: object) -> Response:
    db.rollback()
    flash(message, "info")
    return redirect(url_for(endpoint, **values))


def _handle(act: Callable[[], str], done: str, repeated: tuple[str, dict], field: str) -> tuple[Response | None, dict]:
    """Run a form's action. Done: its message is flashed and the person goes to ``done``. Already done (a
    ``Conflict``): they are told and sent to the ``repeated`` endpoint (with its values), nothing changed.
    Bad input: nothing changed, and the errors by field (``field`` when the error names none) are returned
    for the page to show again with a 400."""
    try:
        message = act()
    except Conflict as conflict:
        endpoint, values = repeated
        return _back_with(conflict.message, endpoint, **values), {}
    except DomainError as error:
        if type(error) is not DomainError:
            raise  # not found, forbidden: the error page
        db.rollback()
        return None, {error.field or field: [error.message]}
    flash(message, "success")
    return redirect(done), {}


def _chosen(name: str, allowed: tuple[str, ...], message: str) -> str:
    value = request.form.get(name, "")
    if value not in allowed:
        raise DomainError(message, field=name)
    return value


# The learner's files ----------------------------------------------------------------------------------------

@bp.post("/evidence/<bundle_id>/<module_id>/<activity_id>/files")
@login_required
def upload(bundle_id: str, module_id: str, activity_id: str) -> Response | tuple[str, int]:
    where = dict(bundle_id=bundle_id, module_id=module_id, activity_id=activity_id)
    sent = request.files.get(files.FIELD)
    if sent is None or not sent.filename:
        return _back_with("Choose a file to attach", "learning.activity", **where)
    upload = files.Upload(sent.filename, sent.read(current_app.config["EVIDENCE_MAX_FILE_BYTES"] + 1))
    try:
        row = submissions.attach(db.session(), current_user, bundle_id, module_id, activity_id, upload,
                                 Path(current_app.config["INSTANCE_PATH"]), current_app.config["EVIDENCE_MAX_FILE_BYTES"],
                                 utcnow())
    except Conflict as refused:
        return _back_with(refused.message, "learning.activity", **where)
    except DomainError as refused:
        if type(refused) is not DomainError:
            raise
        db.rollback()
        page = learning.activity_page(db.session(), current_user, bundle_id, module_id, activity_id, "", utcnow())
        return render_step(page, refused), 400
    flash(f"{row.name} is attached", "success")
    return redirect(url_for("learning.activity", **where))


@bp.post("/evidence/files/<id:file_id>/remove")
@login_required
def remove_file(file_id: int) -> Response:
    row = submissions.detach(db.session(), current_user, file_id)
    submission = db.session().get(Submission, row.submission_id)
    flash(f"{row.name} is removed", "success")
    return redirect(url_for("learning.activity", bundle_id=submission.bundle_id, module_id=submission.module_id,
                            activity_id=submission.activity_id))


def _may_read(session, row: EvidenceFile, submission: Submission) -> bool:  # noqa: ANN001
    if row.user_id == current_user.id:
        return True
    if submission.organisation_id in scope.accreditor_organisations(session, current_user):
        return True
    try:
        scope.require_assessor_of(session, current_user, submission.user_id, submission.organisation_id,
                                  submission.bundle_id)
    except Forbidden:
        return False
    return True


@bp.route("/evidence/files/<id:file_id>")
@login_required
def download(file_id: int) -> Response:
    """A file as an attachment, never shown in the platform's origin: a stored HTML or SVG file cannot run."""
    session = db.session()
    row = session.get(EvidenceFile, file_id)
    submission = session.get(Submission, row.submission_id) if row else None
    if row is None or not _may_read(session, row, submission):
        raise NotFound("There is no such file")
    stored = Path(current_app.config["INSTANCE_PATH"]) / row.path
    if not stored.is_file():
        raise NotFound("This file is no longer stored")
    response = send_file(stored, mimetype=row.media_type,
                         as_attachment=True, download_name=row.name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Assessors ---------------------------------------------------------------------------------------------------

@bp.route("/assessment")
@roles_required(Role.ASSESSOR)
def queue() -> str:
    session = db.session()
    return render_template("evidence/queue.html", title="Assessment", items=assessment.queue(session, current_user),
                           requests=prior_learning.queue(session, current_user), module_title=submissions.module_title)


@bp.route("/assessment/submissions/<id:submission_id>", methods=["GET", "POST"])
@roles_required(Role.ASSESSOR)
def assess(submission_id: int) -> Response | str | tuple[str, int]:
    session = db.session()
    submission = assessment.submission_for(session, current_user, submission_id)
    module, activity, content = assessment.content_of(submission)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        def act() -> str:
            outcome = _chosen("outcome", ("accept", "refer"), "Choose to accept or refer the evidence")
            met = {c.id: {"yes": True, "no": False}.get(request.form.get(f"met-{c.id}", "")) for c in content.criteria}
            assessment.decide(session, current_user, submission.id, accept=outcome == "accept", met=met,
                              comments={c.id: _text(f"comment-{c.id}") for c in content.criteria},
                              feedback=_text("feedback"), now=utcnow())
            return f"Your decision is recorded: {'accepted' if outcome == 'accept' else 'referred'}"

        done, errors = _handle(act, url_for("evidence.queue"), ("evidence.assess", {"submission_id": submission_id}),
                               "outcome")
        if done:
            return done
        submission = assessment.submission_for(session, current_user, submission_id)
    learner = session.get(User, submission.user_id)
    page = render_template(
        "evidence/assess.html", title=f"Assess {activity.title}", submission=submission, learner=learner,
        module=module, activity=activity, content=content, files=submissions.files_of(session, submission.id),
        judgements=submissions.judgements_of(session, submission.id), errors=errors, values=request.form,
        standards=catalog().standards)
    return (page, 400) if errors else page


@bp.route("/assessment/prior-learning/<id:request_id>", methods=["GET", "POST"])
@roles_required(Role.ASSESSOR)
def prior_learning_decision(request_id: int) -> Response | str | tuple[str, int]:
    session = db.session()
    asked = prior_learning.request_for(session, current_user, request_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        def act() -> str:
            outcome = _chosen("outcome", ("grant", "refuse"), "Choose to grant or refuse the request")
            prior_learning.decide(session, current_user, asked.id, grant=outcome == "grant", reason=_text("reason"),
                                  now=utcnow())
            return f"Your decision is recorded: {'granted' if outcome == 'grant' else 'refused'}"

        done, errors = _handle(act, url_for("evidence.queue"), ("evidence.queue", {}), "outcome")
        if done:
            return done
        asked = prior_learning.request_for(session, current_user, request_id)
    page = render_template("evidence/prior_learning_decision.html", title="Recognition of prior learning",
                           asked=asked, learner=session.get(User, asked.user_id),
                           module=catalog().module(asked.module_id), reason=PriorLearningReason(asked.reason_code),
                           errors=errors, values=request.form)
    return (page, 400) if errors else page


# Learners and their managers: asking for recognition ----------------------------------------------------------

@bp.route("/prior-learning/<bundle_id>/<module_id>", methods=["GET", "POST"])
@login_required
def prior_learning_request(bundle_id: str, module_id: str) -> Response | str | tuple[str, int]:
    session = db.session()
    bundle = catalog().bundle(bundle_id)
    module = catalog().modules.get(module_id)
    if module is None:
        raise NotFound(f"There is no module {module_id}")
    people = [(current_user.id, "Yourself")] + [
        (u.id, u.name) for u in (session.get(User, i) for i in reports_of(session, current_user.id, all_levels=True))]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        def act() -> str:
            chosen = whole_number(request.form.get("person"), 1, MAX_ID) or current_user.id
            if chosen != current_user.id and not manages(session, current_user.id, chosen):
                raise DomainError("Choose yourself or someone you manage", field="person")
            prior_learning.ask(session, current_user, chosen, bundle.id, module.id,
                               reason_code=request.form.get("reason_code", ""), evidence=_text("evidence"),
                               now=utcnow())
            return f"Your request to recognise {module.title} is with an assessor"

        done, errors = _handle(act, url_for("learning.dashboard"), ("learning.dashboard", {}), "evidence")
        if done:
            return done
    if not module.recognisable:
        raise Conflict(f"{module.title} cannot be recognised from prior learning: it must be completed")
    page = render_template("evidence/prior_learning_request.html", title=f"Recognise {module.title}",
                           bundle=bundle, module=module, people=people, reasons=list(PriorLearningReason),
                           errors=errors, values=request.form)
    return (page, 400) if errors else page


# Accreditors ------------------------------------------------------------------------------------------------

@bp.route("/quality-assurance")
@roles_required(Role.ACCREDITOR)
def quality() -> str:
    session = db.session()
    if not scope.accreditor_organisations(session, current_user):
        raise Forbidden("You are not an accreditor of any organisation")
    return render_template("evidence/quality.html", title="Quality assurance",
                           assessors=second_review.assessors(session, current_user),
                           reviews=second_review.pending_reviews(session, current_user),
                           share=current_app.config["EVIDENCE_SAMPLE_SHARE"], module_title=submissions.module_title)


@bp.route("/quality-assurance/assessors/<id:assessor_id>")
@roles_required(Role.ACCREDITOR)
def assessor_decisions(assessor_id: int) -> str:
    session = db.session()
    assessor = session.get(User, assessor_id)
    found = second_review.decisions(session, current_user, assessor_id)
    if assessor is None or not found:
        raise NotFound("This assessor has made no decisions on work from your organisations")
    summary = next(s for s in second_review.assessors(session, current_user) if s.assessor_id == assessor_id)
    return render_template("evidence/assessor_decisions.html", title=f"Decisions by {assessor.name}",
                           assessor=assessor, decisions=found, summary=summary, module_title=submissions.module_title)


@bp.post("/quality-assurance/assessors/<id:assessor_id>/sample")
@roles_required(Role.ACCREDITOR)
def draw_sample(assessor_id: int) -> Response:
    try:
        drawn = second_review.draw_sample(db.session(), current_user, assessor_id, utcnow())
    except Conflict as repeated:
        return _back_with(repeated.message, "evidence.assessor_decisions", assessor_id=assessor_id)
    flash(f"{len(drawn)} decision{'' if len(drawn) == 1 else 's'} drawn for second review", "success")
    return redirect(url_for("evidence.quality"))


@bp.route("/quality-assurance/reviews/<id:review_id>", methods=["GET", "POST"])
@roles_required(Role.ACCREDITOR)
def review(review_id: int) -> Response | str | tuple[str, int]:
    session = db.session()
    sample, submission = second_review.review_for(session, current_user, review_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        def act() -> str:
            outcome = _chosen("outcome", ("uphold", "overturn"), "Choose to uphold or overturn the decision")
            second_review.conclude(session, current_user, sample.id, overturn=outcome == "overturn",
                                   reason=_text("reason"), now=utcnow())
            return f"The decision is {'overturned' if outcome == 'overturn' else 'upheld'}"

        done, errors = _handle(act, url_for("evidence.quality"), ("evidence.quality", {}), "outcome")
        if done:
            return done
        sample, submission = second_review.review_for(session, current_user, review_id)
    module, activity, content = assessment.content_of(submission)
    page = render_template(
        "evidence/review.html", title="Second review", sample=sample, submission=submission,
        learner=session.get(User, submission.user_id), assessor=session.get(User, sample.assessor_id), module=module,
        activity=activity, content=content, files=submissions.files_of(session, submission.id),
        judgements=submissions.judgements_of(session, submission.id), errors=errors, values=request.form)
    return (page, 400) if errors else page
