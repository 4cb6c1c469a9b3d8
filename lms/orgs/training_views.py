"""Assigning training, the compliance list and its CSV, local modules and the audit trail."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms import db
from lms.api import catalog
from lms.csvfile import csv_response
from lms.errors import DomainError
from lms.learning.due import DueStatus
from lms.learning.eligibility import GateNotMet
from lms.orgs import training
from lms.orgs.forms import AssignForm, LocalModuleForm, end_of_day
from lms.paging import Page, fit_page, page_number, record_id
from lms.orgs.views import FORM_ERROR_STATUS, admin_page, bp, due_settings, field_error, org_page
from lms.web import format_date

COMPLIANCE_PAGE_SIZE = 50
STATUS_FILTERS = (DueStatus.OVERDUE, DueStatus.DUE_SOON, DueStatus.ON_TRACK, DueStatus.NO_DUE_DATE,
                  DueStatus.COMPLETED)


def _chosen_ids() -> list[int]:
    source = request.form if request.method == "POST" else request.args
    return [found for found in map(record_id, source.getlist("user")) if found is not None][:training.MAX_ASSIGN]


@bp.route("/organisations/<id:org_id>/assign", methods=["GET", "POST"])
@org_page
def assign(org):  # noqa: ANN001
    session = db.session()
    form = AssignForm()
    form.bundle_id.choices = [SelectChoice(b.id, b.title) for b in catalog().bundles.values()]
    chosen = _chosen_ids()
    refused: list[training.Refusal] = []
    ways: tuple[tuple[str, str], ...] = ()  # the training whose certificates meet what the refused lack
    if request.method == "POST":
        valid = form.validate_on_submit()
        if form.validate_due(db.utcnow().date()) and valid:
            try:
                ids = training.resolve_people(session, current_user, org.id, chosen, form.emails.data or "")
                training.assign_training(session, current_user, org.id, ids, form.bundle_id.data,
                                         end_of_day(form.due_on))
            except GateNotMet as refusal:  # back to the form, naming each person and what they lack
                refused, ways = training.refusals(session, org.id, refusal), refusal.ways
            except DomainError as error:
                if not error.field or not hasattr(form, error.field):
                    raise
                field_error(form, error, "emails")
            else:
                title = catalog().bundle(form.bundle_id.data).title
                flash(f"{title} assigned to {len(ids)} {'person' if len(ids) == 1 else 'people'}, "
                      f"due {format_date(form.due_on)}", "success")
                return redirect(url_for("orgs.compliance", org_id=org.id, bundle=form.bundle_id.data))
    people = training.names_of(session, org.id, chosen)
    status = FORM_ERROR_STATUS if form.errors or refused else 200
    bundle = catalog().bundles.get(form.bundle_id.data or "")
    return render_template("orgs/assign.html", title="Assign training", org=org, form=form, people=people,
                           refused=refused, ways=ways, has_errors=bool(refused), bundle_title=bundle.title if bundle else "",
                           today_year=db.utcnow().year), status


def _compliance_filters() -> tuple[str, str]:
    status = request.args.get("status", "")
    bundle = request.args.get("bundle", "")
    if status and status not in {s.value for s in STATUS_FILTERS}:
        status = ""
    if bundle and bundle not in catalog().bundles:
        bundle = ""
    return status, bundle


@bp.route("/organisations/<id:org_id>/compliance")
@org_page
def compliance(org):  # noqa: ANN001
    status, bundle = _compliance_filters()
    view = training.compliance_view(db.session(), current_user, org.id, status=status, bundle_id=bundle,
                                    **due_settings())
    number = fit_page(page_number(request.args.get("page")), len(view.rows), COMPLIANCE_PAGE_SIZE)
    start = (number - 1) * COMPLIANCE_PAGE_SIZE
    page = Page(view.rows[start:start + COMPLIANCE_PAGE_SIZE], len(view.rows), number, COMPLIANCE_PAGE_SIZE)
    certificates = training.certificate_states(db.session(), training.completed_assignments(page.items))
    return render_template("orgs/compliance.html", title="Compliance", org=org, page=page, counts=view.counts,
                           certificates=certificates,
                           statuses=STATUS_FILTERS, status=status, bundle=bundle, bundles=catalog().bundles.values(),
                           args={k: v for k, v in {"status": status, "bundle": bundle}.items() if v})


@bp.route("/organisations/<id:org_id>/compliance.csv")
@org_page
def compliance_csv(org):  # noqa: ANN001
    status, bundle = _compliance_filters()
    view = training.compliance_view(db.session(), current_user, org.id, status=status, bundle_id=bundle,
                                    **due_settings())
    certificates = training.certificate_states(db.session(), training.completed_assignments(view.rows))
    header = ("name", "email", "bundle", "bundle_title", "status", "due_date", "completed_date",
              "modules_done", "modules_needed", "source", "certificate")
    rows = ((r.name, r.email, r.bundle_id, r.bundle_title, r.due.label, _iso(r.due_at), _iso(r.completed_at),
             r.progress.done_count, r.progress.needed_count, r.source,
             certificates[r.enrolment_id].words if r.enrolment_id in certificates else "") for r in view.rows)
    return csv_response(f"compliance-{org.code}-{db.utcnow():%Y-%m-%d}.csv", header, rows)


def _iso(moment) -> str:  # noqa: ANN001
    return moment.date().isoformat() if moment else ""


@bp.route("/organisations/<id:org_id>/local-modules")
@org_page
def local_modules(org):  # noqa: ANN001
    return _local_modules_page(org, LocalModuleForm())


def _local_modules_page(org, form: LocalModuleForm, status: int = 200):  # noqa: ANN001
    groups = training.local_modules(db.session(), current_user, org, catalog())
    return render_template("orgs/local_modules.html", title="Local modules", org=org, groups=groups,
                           form=form), status


@bp.post("/organisations/<id:org_id>/local-modules/<any(add, remove):change>")
@org_page
def change_local_module(org, change: str):  # noqa: ANN001
    form = LocalModuleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        training.change_local_module(db.session(), current_user, org.id, form.bundle_id.data, form.module_id.data,
                                     add=change == "add")
    except DomainError as error:
        if error.status == 403:
            raise
        form.module_id.errors = [error.message]
        return _local_modules_page(org, form, error.status)
    module = catalog().modules.get(form.module_id.data)
    title = module.title if module else form.module_id.data
    flash(f"{title} {'added to' if change == 'add' else 'removed from'} "
          f"{catalog().bundle(form.bundle_id.data).title}", "success")
    return redirect(url_for("orgs.local_modules", org_id=org.id))


@bp.route("/organisations/<id:org_id>/audit")
@org_page
def audit(org):  # noqa: ANN001
    page = training.audit_page(db.session(), current_user, org.id, page_number(request.args.get("page")))
    return render_template("orgs/audit.html", title="Audit trail", org=org, page=page)


@bp.route("/audit")
@admin_page
def audit_all():
    page = training.audit_page(db.session(), current_user, None, page_number(request.args.get("page")))
    return render_template("orgs/audit.html", title="Audit trail: every organisation", org=None, page=page)
