"""Admin pages that depend on the credentials people hold (a fake credentials plugin stands in for certificates):
assigning a gated bundle, and the certificates of completed assignments in the compliance list."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlmodel import func, select

from lms.audit.models import AuditEvent
from lms.db import utcnow
from lms.learning.models import Enrolment, EnrolmentStatus
from tests.gates.conftest import cert, credentials, plugins  # noqa: F401  (the gated content, a fake credentials plugin)


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
    # And the training whose certificate would let them through, linked.
    after = page[page.index("</ul>", page.index("nhsuk-error-summary")):]
    assert re.search(r'Training that counts towards this:</p>\s*<ul><li><a href="/catalogue/electives">Electives bundle</a>',
                     after)
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


def completed(session, user, bundle_id: str) -> Enrolment:  # noqa: ANN001
    enrolment = Enrolment(user_id=user.id, bundle_id=bundle_id, bundle_version="1", registration=f"r-{user.id}",
                          status=EnrolmentStatus.COMPLETED, completed_at=utcnow() - timedelta(days=40))
    session.add(enrolment)
    session.flush()
    return enrolment


def test_compliance_and_the_person_page_show_when_a_completed_assignments_certificate_no_longer_counts(
        client, login_as, world, make_user, session, credentials):  # noqa: ANN001
    revoked_on = utcnow() - timedelta(days=3)
    valid = make_user(name="Val Valid", org=world.org_a)
    for person in (world.learner_a, valid, world.admin_a):
        completed(session, person, "electives")
    credentials.give(world.learner_a, cert("electives", "revoked", revoked=revoked_on))
    credentials.give(valid, cert("electives"))  # the admin holds none: a bundle that awards no certificate
    login_as(world.admin_a)
    url = f"/admin/organisations/{world.org_a.id}/compliance"
    rows = {name: " ".join(cells.split()) for name, cells in re.findall(
        r'>([A-Z][a-z]+ [A-Z][a-z]+)</a>(.*?)</tr>', client.get(url).get_data(as_text=True), re.S)}
    assert "Completed – certificate revoked" in rows["Lee Learner"]
    assert f"Certificate revoked on {revoked_on.day} " in rows["Lee Learner"]
    assert "Completed" in rows["Val Valid"] and "certificate" not in rows["Val Valid"].lower()
    assert "Completed" in rows["Ada Admin"] and "certificate" not in rows["Ada Admin"].lower()

    person = " ".join(client.get(f"/admin/organisations/{world.org_a.id}/people/{world.learner_a.id}")
                      .get_data(as_text=True).split())
    assert "Completed – certificate revoked" in person and "Certificate revoked on " in person

    download = client.get(f"{url.replace('/compliance', '/compliance.csv')}?status=completed")
    found = {r["name"]: (r["status"], r["certificate"])
             for r in csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff")))}
    assert found["Lee Learner"][0] == "Completed" and found["Lee Learner"][1].startswith("revoked on ")
    assert found["Val Valid"] == ("Completed", "valid") and found["Ada Admin"] == ("Completed", "")
