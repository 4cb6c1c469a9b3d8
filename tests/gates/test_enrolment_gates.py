"""Enrolment and assignment refuse a person who does not meet a bundle's gate, server-side, changing nothing.

These exercise lms.learning.services, which calls lms.learning.eligibility.require_gate(s).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from lms.auth.models import Role
from lms.auth.security import load_principal
from lms.db import utcnow
from lms.learning import services
from lms.learning.eligibility import GateNotMet
from lms.learning.models import Enrolment
from tests.gates.conftest import cert


def principal(session, user):  # noqa: ANN001, ANN201
    session.flush()
    return load_principal(session, user.id)


def enrolments(session, bundle_id: str) -> list[Enrolment]:  # noqa: ANN001
    return list(session.exec(select(Enrolment).where(Enrolment.bundle_id == bundle_id)).all())


def test_enrolling_yourself_needs_the_gate_met(session, make_user, credentials):
    person = make_user()
    with pytest.raises(GateNotMet, match="Not yet eligible for Advanced bundle: One of: Electives bundle certificate: "
                                         "not held"):
        services.enrol(session, principal(session, person), person.id, "advanced")
    assert enrolments(session, "advanced") == []
    credentials.give(person, cert("electives"))
    assert services.enrol(session, principal(session, person), person.id, "advanced").bundle_id == "advanced"


def test_assigning_refuses_everyone_when_anyone_lacks_the_gate(session, make_org, make_user, credentials):
    org = make_org()
    admin = make_user(roles=[Role.ORG_ADMIN], org=org)
    ready, not_ready = make_user(org=org), make_user(name="Nia New", org=org)
    credentials.give(ready, cert("electives"))
    due = utcnow() + timedelta(days=30)
    with pytest.raises(GateNotMet, match="Nia New"):
        services.assign(session, principal(session, admin), [ready.id, not_ready.id], "advanced", due)
    assert enrolments(session, "advanced") == []
    assert [e.user_id for e in services.assign(session, principal(session, admin), [ready.id], "advanced", due)] == [
        ready.id]


def test_ungated_bundles_are_unaffected(session, make_user):
    person = make_user()
    assert services.enrol(session, principal(session, person), person.id, "electives").bundle_id == "electives"
