"""Assigning a gated bundle to people not yet eligible comes back to the form, naming each and what they lack."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import func, select

from lms.audit.models import AuditEvent
from lms.db import utcnow
from lms.learning.models import Enrolment
from tests.conftest import fixture_plugins
from tests.gates.conftest import FakeCredentials, cert


@pytest.fixture
def credentials() -> FakeCredentials:
    return FakeCredentials()


@pytest.fixture
def plugins(credentials):  # noqa: ANN001
    return fixture_plugins("gated", hook_objects=[credentials])


def due(days: int = 30) -> dict:
    day = utcnow().date() + timedelta(days=days)
    return {"due_day": str(day.day), "due_month": str(day.month), "due_year": str(day.year)}


def test_people_not_eligible_are_named_with_what_they_lack_and_nothing_is_assigned(
        client, login_as, world, make_user, session, credentials):  # noqa: ANN001
    ready = make_user(name="Rae Ready", org=world.org_a)
    typed = make_user(email="tia.typed@example.org", name="Tia Typed", org=world.org_a)
    credentials.give(ready, cert("electives"))
    credentials.give(typed, cert("electives", "revoked", revoked=utcnow() - timedelta(days=3)))
    login_as(world.admin_a)
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    form = {"user": [world.learner_a.id, ready.id], "emails": "tia.typed@example.org", "bundle_id": "advanced", **due()}
    response = client.post(f"/admin/organisations/{world.org_a.id}/assign", data=form)
    page = response.get_data(as_text=True)

    assert response.status_code == 400 and "<title>Error: Assign training" in page
    summary = " ".join(re.search(r'class="nhsuk-error-summary".*?</ul>', page, re.S).group(0).split())
    assert "These people are not yet eligible for Advanced bundle." in summary
    # Each person, linked to where they were chosen, with what the eligibility service says they lack.
    assert re.search(rf'<a href="#user-{world.learner_a.id}" > Lee Learner: One of: Electives bundle certificate: '
                     r"not held; or Standard S-THREE \([^)]*\): not met", summary)
    assert re.search(r'<a href="#emails" > Tia Typed: One of: Electives bundle certificate: revoked on', summary)
    assert "Rae Ready" not in summary
    # What was entered is kept.
    assert re.search(rf'id="user-{world.learner_a.id}" name="user" type="checkbox" value="{world.learner_a.id}" checked',
                     page)
    assert re.search(rf'id="user-{ready.id}" name="user" type="checkbox" value="{ready.id}" checked', page)
    assert ">tia.typed@example.org</textarea>" in page
    assert re.search(r'value="advanced" checked', page)
    assert f'value="{due()["due_year"]}"' in page
    # Nothing was assigned, to anyone, and nothing recorded.
    session.rollback()
    assert session.exec(select(Enrolment).where(Enrolment.bundle_id == "advanced")).all() == []
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == events


def test_people_who_are_all_eligible_are_assigned(client, login_as, world, session, credentials):  # noqa: ANN001
    credentials.give(world.learner_a, cert("electives"))
    login_as(world.admin_a)
    response = client.post(f"/admin/organisations/{world.org_a.id}/assign",
                           data={"user": [world.learner_a.id], "bundle_id": "advanced", **due()})
    assert response.status_code == 302
    assert [e.user_id for e in session.exec(select(Enrolment).where(Enrolment.bundle_id == "advanced"))] == [
        world.learner_a.id]
