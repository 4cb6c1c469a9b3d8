"""Factory fixtures: callables that create regions, organisations and people with sensible defaults."""

from __future__ import annotations

import itertools

import pytest
from werkzeug.security import generate_password_hash

from lms.auth.models import Role, RoleAssignment, User
from lms.orgs.models import Organisation, Region

__all__ = ["make_region", "make_org", "make_user", "PASSWORD"]

PASSWORD = "correct horse battery"
# Hash once: a fresh scrypt hash per test user would dominate the suite's run time.
_PASSWORD_HASH = generate_password_hash(PASSWORD)
_counter = itertools.count(1)


@pytest.fixture
def make_region(session):  # noqa: ANN001
    def _make(code: str | None = None, name: str | None = None) -> Region:
        n = next(_counter)
        region = Region(code=code or f"ICS{n}", name=name or f"Test integrated care system {n}")
        session.add(region)
        session.flush()
        return region

    return _make


@pytest.fixture
def make_org(session, make_region):  # noqa: ANN001
    def _make(code: str | None = None, name: str | None = None, kind: str = "nhs-trust", region=None) -> Organisation:  # noqa: ANN001
        n = next(_counter)
        org = Organisation(code=code or f"ORG{n}", name=name or f"Test organisation {n}", kind=kind,
                           region_id=(region or make_region()).id)
        session.add(org)
        session.flush()
        return org

    return _make


@pytest.fixture
def make_user(session, make_org):  # noqa: ANN001
    def _make(email: str | None = None, name: str | None = None, roles=(Role.LEARNER,), org=None, **fields) -> User:  # noqa: ANN001, ANN003
        n = next(_counter)
        org = org or make_org()
        user = User(email=email or f"person{n}@example.org", name=name or f"Test Person {n}",
                    password_hash=_PASSWORD_HASH, organisation_id=org.id, **fields)
        session.add(user)
        session.flush()
        for role in roles:
            scope = None if role == Role.PLATFORM_ADMIN else org.id
            session.add(RoleAssignment(user_id=user.id, organisation_id=scope, role=role))
        session.flush()
        return user

    return _make
