"""A small world for cohort tests: a region, an organisation, a facilitator, and cohorts of the test module."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from lms.auth.models import Role
from lms.auth.security import load_principal
from lms.cohorts.models import Cohort, CohortSession
from lms.db import utcnow
from lms.learning import services as learning
from tests.conftest import fixture_plugins

MODULE, ACTIVITY = "gathering", "days"


@pytest.fixture
def plugins():
    return fixture_plugins("cohorts")


@pytest.fixture
def org(make_org):  # noqa: ANN001
    return make_org()


@pytest.fixture
def facilitator(make_user, org):  # noqa: ANN001
    return make_user(org=org, roles=(Role.LEARNER, Role.FACILITATOR), name="Fay Facilitator")


@pytest.fixture
def make_cohort(session, org):  # noqa: ANN001
    """A cohort of the test module with a session per day from ``first_in`` (days from now; 0: today)."""

    def _make(capacity: int = 2, first_in: float = 10, sessions: int = 2, host=None, **fields) -> Cohort:  # noqa: ANN001, ANN003
        host = host or org
        now = utcnow()
        first = now + timedelta(days=first_in)
        cohort = Cohort(module_id=MODULE, title=fields.pop("title", "Test cohort"), region_id=host.region_id,
                        organisation_id=host.id, capacity=capacity,
                        booking_closes_at=fields.pop("booking_closes_at", first - timedelta(days=2)),
                        cancel_by=fields.pop("cancel_by", first - timedelta(days=2)), **fields)
        session.add(cohort)
        session.flush()
        for n in range(sessions):
            starts = first + timedelta(days=n)
            session.add(CohortSession(cohort_id=cohort.id, title=f"Day {n + 1}", starts_at=starts,
                                      ends_at=starts + timedelta(hours=6), venue="The Hub, Northshire",
                                      accessibility="Step-free access"))
        session.flush()
        return cohort

    return _make


@pytest.fixture
def enrolled(session, make_user, org):  # noqa: ANN001
    """A learner enrolled on a test bundle (opencohort by default), as a principal."""

    def _make(bundle: str = "opencohort", **fields):  # noqa: ANN003, ANN202
        user = make_user(org=fields.pop("org", org), **fields)
        principal = load_principal(session, user.id)
        learning.enrol(session, principal, user.id, bundle)
        return principal

    return _make


def statements(session) -> list[dict]:  # noqa: ANN001
    session.flush()
    return [json.loads(row[0]) for row in session.connection().execute(text("SELECT body FROM xapi_statements ORDER BY seq"))]


def verbs_of(session, user_id: int) -> list[str]:  # noqa: ANN001
    """The last path part of each cohort statement's verb about the person, in order."""
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements(session)
            if s["actor"].get("account", {}).get("name") == str(user_id) and "/parts/cohort-" in s["object"]["id"]]
