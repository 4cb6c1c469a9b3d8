"""The learner's dashboard and journey through bundles, modules and activities."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.local import LocalProxy
from werkzeug.wrappers import Response

from lms import db
from lms.auth.principal import current_person
from lms.pages import personal_page
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.learning import services
from lms.learning.eligibility import opened_by
from lms.notices.services import unread_count

bp = Blueprint("learning", __name__)


@bp.route("/")
@login_required
@personal_page
def dashboard() -> str:
    person_id = current_person().id
    board = services.dashboard(db.reader(), person_id, utcnow())
    return render_template("learning/dashboard.html", title="My learning", board=board,
                           unread=unread_count(db.reader(), person_id))


@bp.post("/catalogue/<bundle_id>/enrol")
@login_required
def enrol(bundle_id: str) -> Response:
    # The only input is the bundle in the address; CSRFProtect has already checked the token.
    try:
        enrolment = services.enrol(db.session(), current_user, current_user.id, bundle_id)
    except Conflict as already:
        flash(already.message, "info")
        return redirect(url_for("learning.bundle", bundle_id=bundle_id))
    flash(f"You are enrolled on {services.catalog().bundle(enrolment.bundle_id).title}", "success")
    return redirect(url_for("learning.bundle", bundle_id=bundle_id))


@bp.route("/learning/<bundle_id>")
@login_required
@personal_page
def bundle(bundle_id: str) -> str:
    overview = services.bundle_overview(db.session(), current_user.id, bundle_id, utcnow())
    return render_template("learning/bundle.html", title=overview.context.bundle.title, overview=overview)


@bp.route("/learning/<bundle_id>/completed")
@login_required
def completed(bundle_id: str) -> Response | str:
    """The end of a bundle: done, the certificate (from plugins' bundle_completed slot) and what it opens up.

    Not kept rendered: a certificate's PDF is made after the completing request commits, and this page says
    when it is ready.
    """
    session = db.session()
    enrolment = services.completed_enrolment(session, current_user.id, bundle_id)
    if enrolment is None:  # not completed (yet): the bundle's own page says where things stand
        return redirect(url_for("learning.bundle", bundle_id=bundle_id))
    bundle = services.catalog().bundle(bundle_id)
    return render_template("learning/completed.html", title=f"You have completed {bundle.title}", bundle=bundle,
                           enrolment=enrolment, opened=opened_by(session, current_user.id, bundle))


@bp.route("/learning/<bundle_id>/<module_id>")
@login_required
@personal_page
def module(bundle_id: str, module_id: str) -> str:
    overview = services.module_overview(db.session(), current_user.id, bundle_id, module_id, utcnow())
    return render_template("learning/module.html", title=overview.module.title, overview=overview)


@bp.route("/learning/<bundle_id>/<module_id>/<activity_id>", methods=["GET", "POST"])
@bp.route("/learning/<bundle_id>/<module_id>/<activity_id>/<path:step>", methods=["GET", "POST"])
@login_required
@personal_page
def activity(bundle_id: str, module_id: str, activity_id: str, step: str = "") -> Response | tuple[str, int] | str:
    where = dict(bundle_id=bundle_id, module_id=module_id, activity_id=activity_id)
    if request.method == "GET":
        # The ORM session is made only if the step uses it (a quiz reads its attempt there): a lesson page
        # reads through db.reader(), and making and dropping an unused session was 4 % of its cost.
        return render_step(services.activity_page(LocalProxy(db.session), current_person(), *where.values(), step,
                                                   utcnow(), reads=db.reader()))
    session = db.session()
    try:
        result = services.submit_step(session, current_user, *where.values(), step,
                                      request.form.to_dict(flat=False), utcnow())
    except Conflict as repeated:  # e.g. a question answered twice (a double click): show where things stand
        flash(repeated.message, "info")
        return redirect(url_for("learning.activity", **where))
    except DomainError as error:
        if type(error) is not DomainError:
            raise  # not found, forbidden: the error page
        db.rollback()
        page = services.activity_page(session, current_user, *where.values(), step, utcnow(), reads=db.reader())
        return render_step(page, error), 400
    completed = list(result.completed_enrolments)
    # The certificate moment: an activity that ends a bundle leads to the bundle's completion page, at once when
    # the activity is finished, else from its last step (a knowledge check's result: see kinds/quiz/result.html).
    finished_here = completed.pop(0) if completed and result.next_step is None else None
    for enrolment in completed:
        flash(f"You have completed {services.catalog().bundle(enrolment.bundle_id).title}", "success")
    if finished_here is not None:
        return redirect(url_for("learning.completed", bundle_id=finished_here.bundle_id))
    if result.next_step is not None:
        return redirect(url_for("learning.activity", **where, **({"step": result.next_step} if result.next_step else {})))
    if result.module_completed or result.next_activity is None:
        return redirect(url_for("learning.module", bundle_id=bundle_id, module_id=module_id))
    return redirect(url_for("learning.activity", bundle_id=bundle_id, module_id=module_id,
                            activity_id=result.next_activity.id))


def render_step(page: services.ActivityPage, error: DomainError | None = None) -> str:
    errors = {error.field or "action": [error.message]} if error else {}
    where = dict(bundle_id=page.context.bundle.id, module_id=page.module.id, activity_id=page.activity.id)
    return render_template(
        page.screen.template, title=page.screen.title, page=page, form={"errors": errors}, errors=errors,
        activity_url=url_for("learning.activity", **where),
        action_url=url_for("learning.activity", **where, **({"step": page.step} if page.step else {})),
        **page.screen.context,
    )
