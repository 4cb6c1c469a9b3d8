"""Whose work an assessor or accreditor may see and judge: organisations where they hold the role, the
bundles an assessor is listed for, and never their own work or that of anyone they manage."""

from __future__ import annotations

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from lms.auth.models import Role
from lms.auth.principal import Principal
from lms.errors import Forbidden
from lms.evidence.models import AssessorBundle
from lms.orgs.models import Organisation
from lms.people.hierarchy import manages, reports_of


def assessor_organisations(actor: Principal) -> set[int]:
    return actor.organisations_with(Role.ASSESSOR)


def accreditor_organisations(session: Session, actor: Principal) -> set[int]:
    """Where the actor quality-assures assessment: every organisation for a platform admin."""
    if actor.is_platform_admin:
        return set(session.exec(select(Organisation.id)).all())
    return actor.organisations_with(Role.ACCREDITOR)


def assessor_bundles(session: Session, user_id: int) -> set[str] | None:
    """The bundles an assessor is listed for; None: not limited to any (every bundle)."""
    found = set(session.exec(select(AssessorBundle.bundle_id).where(AssessorBundle.user_id == user_id)).all())
    return found or None


def require_assessor_of(session: Session, actor: Principal, learner_id: int, organisation_id: int | None,
                        bundle_id: str) -> None:
    """Refuse unless the actor may assess this learner's work in this bundle."""
    if learner_id == actor.id:
        raise Forbidden("You cannot assess your own work")
    if organisation_id not in assessor_organisations(actor):
        raise Forbidden("You do not assess work from this person's organisation")
    bundles = assessor_bundles(session, actor.id)
    if bundles is not None and bundle_id not in bundles:
        raise Forbidden("You do not assess this bundle")
    if manages(session, actor.id, learner_id):
        raise Forbidden("You cannot assess the work of someone you manage")


def assessors_work(session: Session, actor: Principal, query: SelectOfScalar, model) -> SelectOfScalar | None:  # noqa: ANN001
    """``query`` over ``model`` (a table with user_id, organisation_id and bundle_id) narrowed to the work the
    assessor may judge: their organisations and bundles, never their own nor their reports'. None: no work."""
    organisations = assessor_organisations(actor)
    if not organisations:
        return None
    query = query.where(col(model.organisation_id).in_(organisations), model.user_id != actor.id)
    bundles = assessor_bundles(session, actor.id)
    if bundles is not None:
        query = query.where(col(model.bundle_id).in_(bundles))
    managed = reports_of(session, actor.id, all_levels=True)
    return query.where(col(model.user_id).not_in(managed)) if managed else query
