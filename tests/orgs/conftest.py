"""Fixtures for organisation administration: two organisations, their admins and people, as principals."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import func, select

from lms.audit.models import AuditEvent
from lms.auth.models import Role, RoleAssignment, User
from lms.auth.principal import Principal, load_principal
from lms.learning.models import Enrolment
from lms.orgs.models import Invitation, Organisation


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    admin_a: User
    admin_b: User
    platform: User
    learner_a: User
    learner_b: User


@pytest.fixture
def world(make_org, make_user) -> World:  # noqa: ANN001
    org_a, org_b = make_org(code="RA1", name="Alpha Trust"), make_org(code="RB2", name="Beta Care")
    return World(
        org_a, org_b,
        admin_a=make_user(email="admin.a@example.org", name="Ada Admin", roles=[Role.ORG_ADMIN], org=org_a),
        admin_b=make_user(email="admin.b@example.org", name="Bea Admin", roles=[Role.ORG_ADMIN], org=org_b),
        platform=make_user(email="platform@example.org", name="Pat Platform", roles=[Role.PLATFORM_ADMIN], org=org_a),
        learner_a=make_user(email="lee.a@example.org", name="Lee Learner", org=org_a),
        learner_b=make_user(email="lou.b@example.org", name="Lou Learner", org=org_b),
    )


@pytest.fixture
def as_principal(session):  # noqa: ANN001
    """The Principal a service receives for a user (what current_user is in a request)."""

    def _principal(user: User) -> Principal:
        session.flush()
        return load_principal(session, user.id)

    return _principal


@pytest.fixture
def table_counts(session):  # noqa: ANN001
    """Row counts of the tables an import or invitation may touch, to prove nothing changed."""

    def _counts() -> dict[str, int]:
        return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                for model in (User, RoleAssignment, Invitation, Enrolment, AuditEvent)}

    return _counts
