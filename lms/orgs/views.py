"""Organisation administration pages: the admin home, organisations and regions, each organisation's overview.

People, invitations and staff import are in people_views.py; assignment, compliance, local modules
and the audit trail in training_views.py. All of them register on the blueprint of admin.py.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms import db
from lms.errors import DomainError
from lms.orgs import people_views, training_views  # noqa: F401  (their routes are on bp too)
from lms.orgs import services
from lms.orgs.admin import FORM_ERROR_STATUS, admin_page, bp, due_settings, field_error, org_page
from lms.orgs.forms import OrganisationForm, RegionForm
from lms.orgs.models import OrganisationKind, Region
from lms.paging import page_number

KIND_LABELS = {kind.value: kind.label for kind in OrganisationKind}


@bp.route("")
@admin_page
def home():
    """Go straight to the one organisation an admin looks after; otherwise let them choose."""
    session = db.session()
    page = services.organisations_page(session, current_user, page_number(request.args.get("page")),
                                       size=25)
    if page.total == 1 and not current_user.is_platform_admin:
        return redirect(url_for("orgs.organisation", org_id=page.items[0][0].id))
    counts = services.organisation_counts(session, [org.id for org, _ in page.items], **due_settings())
    return render_template("orgs/home.html", title="Administration", page=page, counts=counts)


@bp.route("/organisations")
@admin_page
def organisations():
    session = db.session()
    services.require_platform_admin(current_user)
    page = services.organisations_page(session, current_user, page_number(request.args.get("page")))
    return render_template("orgs/organisations.html", title="Organisations", page=page,
                           regions=services.regions(session), kinds=KIND_LABELS)


@bp.route("/organisations/new", methods=["GET", "POST"])
@admin_page
def new_organisation():
    session = db.session()
    services.require_platform_admin(current_user)
    form = OrganisationForm()
    form.region_id.choices = [SelectChoice(0, "Choose an integrated care system")] + [
        SelectChoice(r.id, f"{r.name} ({r.code})") for r in services.regions(session)]
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(session, current_user, code=form.code.data,
                                                        name=form.name.data, kind=form.kind.data,
                                                        region_id=form.region_id.data)
        except DomainError as error:
            field_error(form, error, "code")
        else:
            return redirect(url_for("orgs.organisation", org_id=organisation.id))
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("orgs/organisation_form.html", title="Add an organisation", form=form), status


@bp.route("/regions/new", methods=["GET", "POST"])
@admin_page
def new_region():
    session = db.session()
    services.require_platform_admin(current_user)
    form = RegionForm()
    if form.validate_on_submit():
        try:
            region = services.create_region(session, current_user, code=form.code.data, name=form.name.data)
        except DomainError as error:
            field_error(form, error, "code")
        else:
            flash(f"{region.name} added", "success")
            return redirect(url_for("orgs.organisations"))
    status = FORM_ERROR_STATUS if form.errors else 200
    return render_template("orgs/region_form.html", title="Add an integrated care system", form=form), status


@bp.route("/organisations/<id:org_id>")
@org_page
def organisation(org):  # noqa: ANN001
    session = db.session()
    counts = services.organisation_counts(session, [org.id], **due_settings())[org.id]
    return render_template("orgs/organisation.html", title=org.name, org=org, counts=counts,
                           region=session.get(Region, org.region_id), kind_label=KIND_LABELS.get(org.kind, org.kind))
