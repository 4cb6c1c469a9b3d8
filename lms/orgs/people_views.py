"""An organisation's people: search, a person's roles and reset link, invitations and staff import."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms import db
from lms.auth.links import join_url, reset_url
from lms.auth.models import Role
from lms.csvfile import csv_response
from lms.errors import DomainError
from lms.learning.due import DueStatus
from lms.orgs import people, training
from lms.orgs.forms import ActionForm, InviteForm, RoleForm, StaffImportForm
from lms.paging import page_number
from lms.orgs.staff_import import BANDS, COLUMNS, MAX_PEOPLE, StaffListRejected, import_staff
from lms.orgs.admin import FORM_ERROR_STATUS, bp, due_settings, field_error, org_page
from lms.runtime import catalog


@bp.route("/organisations/<id:org_id>/people")
@org_page
def people_list(org):  # noqa: ANN001
    query = request.args.get("q", "")[:200]
    page = people.people_page(db.session(), current_user, org.id, catalog(), query=query,
                              number=page_number(request.args.get("page")), **due_settings())
    return render_template("orgs/people.html", title="People", org=org, page=page, query=query)


@bp.route("/organisations/<id:org_id>/people/<id:user_id>")
@org_page
def person(org, user_id: int):  # noqa: ANN001
    return _person_page(org, user_id, RoleForm())


def _person_page(org, user_id: int, form: RoleForm, status: int = 200, reset_url: str | None = None):  # noqa: ANN001
    session = db.session()
    detail = people.person_detail(session, current_user, org.id, user_id, catalog(), **due_settings())
    completed = [(row.enrolment.id, user_id, row.enrolment.bundle_id) for row in detail.enrolments
                 if row.status == DueStatus.COMPLETED]
    return render_template("orgs/person.html", title=detail.user.name, org=org, detail=detail, form=form,
                           certificates=training.certificate_states(session, completed), reset_url=reset_url), status


@bp.post("/organisations/<id:org_id>/people/<id:user_id>/roles/<any(grant, revoke):change>")
@org_page
def change_role(org, user_id: int, change: str):  # noqa: ANN001
    form = RoleForm()
    if form.validate_on_submit():
        try:
            people.change_role(db.session(), current_user, org.id, user_id, form.role.data, grant=change == "grant")
        except DomainError as error:
            if not error.field:
                raise
            field_error(form, error, "role")
        else:
            verb = "given" if change == "grant" else "removed"
            flash(f"Role {verb}: {Role(form.role.data).label.lower()}", "success")
            return redirect(url_for("orgs.person", org_id=org.id, user_id=user_id))
    return _person_page(org, user_id, form, FORM_ERROR_STATUS)


@bp.post("/organisations/<id:org_id>/people/<id:user_id>/password-reset")
@org_page
def password_reset(org, user_id: int):  # noqa: ANN001
    if not ActionForm().validate_on_submit():
        abort(400)
    token = people.password_reset_link_token(db.session(), current_user, org.id, user_id)
    return _person_page(org, user_id, RoleForm(formdata=None), reset_url=reset_url(token))


@bp.route("/organisations/<id:org_id>/invite", methods=["GET", "POST"])
@org_page
def invite(org):  # noqa: ANN001
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation, token = people.invite(db.session(), current_user, org.id, email=form.email.data,
                                              name=form.name.data, role=form.role.data)
        except DomainError as error:
            if not error.field:
                raise
            field_error(form, error, "email")
        else:
            return render_template("orgs/invite_done.html", title="Invitation created", org=org,
                                   invitation=invitation, name=form.name.data, link=join_url(token),
                                   role_label=Role(form.role.data).label,
                                   days=current_app.config["INVITATION_DAYS"])
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("orgs/invite.html", title="Invite a person", org=org, form=form), status


@bp.route("/organisations/<id:org_id>/import", methods=["GET", "POST"])
@org_page
def staff_import(org):  # noqa: ANN001
    form = StaffImportForm()
    problems = []
    limit = min(current_app.config["MAX_CONTENT_LENGTH"] or 2 * 1024 * 1024, 2 * 1024 * 1024)
    if form.validate_on_submit():
        data = form.file.data.read(limit + 1)
        try:
            imported = import_staff(db.session(), current_user, org.id, data, max_bytes=limit)
        except StaffListRejected as rejected:
            problems = rejected.problems
            form.file.errors = [rejected.message]
        else:
            links = [(p.row.email, p.row.name, join_url(p.token), p.token) for p in imported]
            return render_template("orgs/import_done.html", title="Staff imported", org=org, links=links,
                                   days=current_app.config["INVITATION_DAYS"])
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("orgs/import.html", title="Import staff", org=org, form=form, problems=problems,
                           columns=COLUMNS, bands=BANDS, limit_kb=limit // 1024, max_people=MAX_PEOPLE), status


@bp.post("/organisations/<id:org_id>/import/join-links.csv")
@org_page
def join_links_csv(org):  # noqa: ANN001
    if not ActionForm().validate_on_submit():
        abort(400)
    rows = people.pending_join_links(db.session(), current_user, org.id, request.form.getlist("token"))
    return csv_response(f"join-links-{org.code}.csv", ("email", "name", "join_link"),
                        [(email, name, join_url(token)) for email, name, token in rows])
