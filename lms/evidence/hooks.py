"""Assessed evidence as an internal plugin: its activity kind, and recognised prior learning on certificates."""

from __future__ import annotations

from typing import Any

from lms import db
from lms.evidence.kind import EvidenceKind
from lms.evidence.prior_learning import waived_titles
from lms.plugins.hookspecs import hookimpl


@hookimpl
def lms_activity_kinds():  # noqa: ANN201
    return [EvidenceKind()]


@hookimpl
def lms_certificate_context(bundle, enrolment, user) -> dict[str, Any]:  # noqa: ANN001
    """The modules recognised from prior learning, which a certificate lists as such, never as completed."""
    if bundle is None or user is None:
        return {}
    with db.engine().connect() as connection:  # called after the issuing transaction has committed
        return {"recognised_prior_learning": waived_titles(connection, user.id, bundle.id)}
