"""The organisation admin blueprint and what its pages share: who may see them, due dates, form errors."""

from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Blueprint, current_app
from flask_login import current_user

from lms import db
from lms.auth.models import Role
from lms.auth.security import roles_required
from lms.errors import DomainError
from lms.orgs import services

bp = Blueprint("orgs", __name__, url_prefix="/admin")

FORM_ERROR_STATUS = 400  # a form sent back with errors: nothing is committed (see lms/app.py)


def admin_page(view: Callable) -> Callable:
    """Signed in as an organisation or platform admin; other people get 403."""
    return roles_required(Role.ORG_ADMIN, Role.PLATFORM_ADMIN)(view)


def org_page(view: Callable) -> Callable:
    """An admin page of one organisation: passes the organisation in, 403 unless the actor administers it."""

    @admin_page
    @wraps(view)
    def wrapped(org_id: int, **kwargs):  # noqa: ANN003
        organisation = services.get_organisation(db.session(), current_user, org_id)
        return view(organisation, **kwargs)

    return wrapped


def due_settings() -> dict:
    return {"now": db.utcnow(), "soon_days": current_app.config["DUE_SOON_DAYS"]}


def field_error(form, error: DomainError, default: str) -> None:  # noqa: ANN001
    """Show a service's refusal on the field it names (or the default field) of the form."""
    field = form[error.field] if error.field and error.field in form else form[default]
    field.errors = [*field.errors, error.message]


@bp.app_template_filter("role_label")
def role_label(role: str) -> str:
    """'org_admin' -> 'Organisation admin'."""
    return Role(role).label if role in Role.__members__.values() else role
