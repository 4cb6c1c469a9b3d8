"""Admin pages: assigning training, compliance and its CSV, local modules, the audit trail, who may see what."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import select

from lms.audit.services import record
from lms.auth.models import Role
from lms.db import utcnow
from lms.learning.models import Enrolment, EnrolmentSource, EnrolmentStatus, OrganisationModule
from lms.orgs.forms import read_date


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def _future(days: int = 30) -> dict:
    day = utcnow().date() + timedelta(days=days)
    return {"due_day": str(day.day), "due_month": str(day.month), "due_year": str(day.year)}


def test_chosen_people_are_assigned_a_bundle_with_a_due_date(client, login_as, world, session):
    login_as(world.admin_a)
    url = f"/admin/organisations/{world.org_a.id}/assign"
    page = text(client.get(f"{url}?user={world.learner_a.id}&user={world.learner_b.id}"))
    assert "Lee Learner" in page and "Lou Learner" not in page  # another organisation's person is not offered
    response = client.post(url, data={"user": [world.learner_a.id], "emails": "ADMIN.A@example.org",
                                      "bundle_id": "electives", **_future(30)})
    assert response.status_code == 302
    assert response.location.endswith(f"/admin/organisations/{world.org_a.id}/compliance?bundle=electives")
    enrolments = session.exec(select(Enrolment).where(Enrolment.bundle_id == "electives")).all()
    assert {(e.user_id, e.source) for e in enrolments} == {(world.learner_a.id, EnrolmentSource.ASSIGNED),
                                                           (world.admin_a.id, EnrolmentSource.ASSIGNED)}
    due = utcnow().date() + timedelta(days=30)
    assert all(e.due_at.date() == due for e in enrolments)
    assert "Electives bundle assigned to 2 people" in text(client.get(response.location))


@pytest.mark.parametrize(("date", "message", "anchor"), [
    ({"due_day": "", "due_month": "", "due_year": ""}, "Enter the due date", "due_day"),
    ({"due_day": "3", "due_month": "", "due_year": ""}, "Due date must include a month and year", "due_month"),
    ({"due_day": "x", "due_month": "4", "due_year": "2031"}, "Due date must be a real date", "due_day"),
    ({"due_day": "1", "due_month": "13", "due_year": "2031"}, "Due date must be a real date", "due_month"),
    ({"due_day": "1", "due_month": "4", "due_year": "31"}, "Year must include 4 numbers", "due_year"),
    ({"due_day": "1", "due_month": "1", "due_year": "2020"}, "Due date must be in the future", "due_day"),
    # A day past what date() takes overflowed it (a 500); digits to isdigit() but not to int() raised too.
    ({"due_day": "1" + "0" * 30, "due_month": "4", "due_year": "2031"}, "Due date must be a real date", "due_day"),
    ({"due_day": "1", "due_month": "\u00b2", "due_year": "2031"}, "Due date must be a real date", "due_month"),
    ({"due_day": "1", "due_month": "4", "due_year": "\u0662\u0660\u0663\u0661"}, "Due date must be a real date",
     "due_year"),
])
def test_due_date_errors_are_summarised_and_nothing_is_assigned(client, login_as, world, session, date, message,
                                                                 anchor):
    login_as(world.admin_a)
    response = client.post(f"/admin/organisations/{world.org_a.id}/assign",
                           data={"user": [world.learner_a.id], "bundle_id": "electives", **date})
    page = text(response)
    assert response.status_code == 400 and "<title>Error: Assign training" in page
    assert f'<a href="#{anchor}"' in page and message in page
    assert session.exec(select(Enrolment).where(Enrolment.bundle_id == "electives")).first() is None


@pytest.mark.parametrize("chosen", ["\u00b2", str(2**31), str(2**63), "-1", "1" + "0" * 30])
def test_people_chosen_by_numbers_no_one_has_are_left_out(client, login_as, world, chosen):
    login_as(world.admin_a)
    url = f"/admin/organisations/{world.org_a.id}/assign"
    page = client.get(url, query_string={"user": [chosen, world.learner_a.id]})
    assert page.status_code == 200 and "Lee Learner" in text(page)
    refused = client.post(url, data={"user": [chosen], "bundle_id": "electives", **_future()})
    assert refused.status_code == 400 and "Choose at least one person" in text(refused)


def test_assignment_needs_people_of_this_organisation_and_a_bundle(client, login_as, world):
    login_as(world.admin_a)
    url = f"/admin/organisations/{world.org_a.id}/assign"
    page = text(client.post(url, data={"emails": "lou.b@example.org", "bundle_id": "electives", **_future()}))
    assert "Nobody in this organisation has the e-mail address lou.b@example.org" in page
    page = text(client.post(url, data={"user": [world.learner_b.id], "bundle_id": "electives", **_future()}))
    assert "Some of the people chosen are not in this organisation" in page
    page = text(client.post(url, data={"user": [world.learner_a.id], **_future()}))
    assert "Choose the training to assign" in page
    assert client.post(f"/admin/organisations/{world.org_b.id}/assign",
                       data={"user": [world.learner_b.id], "bundle_id": "electives", **_future()}).status_code == 403


@pytest.mark.parametrize(("parts", "expected"), [
    (("29", "2", "2028"), ("2028-02-29", None, "")),
    (("29", "2", "2027"), (None, "Due date must be a real date", "day")),
    (("", "5", ""), (None, "Due date must include a day and year", "day")),
    ((" 7 ", "03", "2027"), ("2027-03-07", None, "")),
    (("2", "1", "2026"), ("2026-01-02", None, "")),  # tomorrow
    (("1", "1", "2026"), (None, "Due date must be in the future", "all")),  # today
    (("1", "1", "2032"), (None, "Due date must be within the next 5 years", "all")),
])
def test_date_input_reading(parts, expected):
    from datetime import date

    chosen, message, part = read_date(*parts, label="Due date", today=date(2026, 1, 1))
    assert (chosen.isoformat() if chosen else None, message, part) == expected


def _enrol(session, user, bundle_id, due_at, completed_at=None):  # noqa: ANN001, ANN202
    session.add(Enrolment(user_id=user.id, bundle_id=bundle_id, bundle_version="1",
                          registration=f"r-{user.id}-{bundle_id}", due_at=due_at, completed_at=completed_at,
                          status=EnrolmentStatus.COMPLETED if completed_at else EnrolmentStatus.ACTIVE))
    session.flush()


@pytest.fixture
def assignments(session, world):  # noqa: ANN001
    now = utcnow()
    _enrol(session, world.learner_a, "electives", now - timedelta(days=2))  # overdue
    _enrol(session, world.admin_a, "electives", now + timedelta(days=3))  # due soon
    _enrol(session, world.platform, "starter", now + timedelta(days=60))  # on track
    _enrol(session, world.learner_a, "starter", now - timedelta(days=9), completed_at=now)  # completed
    _enrol(session, world.learner_b, "electives", now - timedelta(days=2))  # another organisation


def test_compliance_shows_counts_and_filters(client, login_as, world, assignments):
    login_as(world.admin_a)
    url = f"/admin/organisations/{world.org_a.id}/compliance"
    page = text(client.get(url))
    assert "4 assignments" in page and "Lou Learner" not in page
    for phrase in ["1 overdue", "1 due soon", "1 on track", "1 completed"]:
        assert phrase in page
    overdue = text(client.get(f"{url}?status=overdue"))
    assert "1 assignment<" in overdue.replace("\n", "").replace(" ", "").replace("1assignment", "1 assignment")
    assert "Lee Learner" in overdue and "Pat Platform" not in overdue
    starter = text(client.get(f"{url}?bundle=starter"))
    assert "Pat Platform" in starter and "Ada Admin</a>" not in starter
    assert "4 assignments" in text(client.get(f"{url}?status=nonsense&bundle=nonsense"))  # unknown filters ignored


def test_compliance_downloads_as_csv_with_the_same_filters(client, login_as, world, assignments):
    login_as(world.admin_a)
    response = client.get(f"/admin/organisations/{world.org_a.id}/compliance.csv?bundle=electives")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="compliance-RA1-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["name"], r["email"], r["bundle"], r["status"]) for r in rows] == [
        ("Lee Learner", "lee.a@example.org", "electives", "Overdue"),
        ("Ada Admin", "admin.a@example.org", "electives", "Due soon"),
    ]
    assert rows[0]["due_date"] == (utcnow() - timedelta(days=2)).date().isoformat()
    assert (rows[0]["modules_done"], rows[0]["modules_needed"], rows[0]["completed_date"]) == ("0", "3", "")
    assert client.get(f"/admin/organisations/{world.org_b.id}/compliance.csv").status_code == 403


def test_local_modules_are_added_and_removed(client, login_as, world, session):
    login_as(world.admin_a)
    url = f"/admin/organisations/{world.org_a.id}/local-modules"
    page = text(client.get(url))
    assert "Starter bundle" in page and "Local welcome" in page and "has added no local modules" in page
    response = client.post(f"{url}/add", data={"bundle_id": "starter", "module_id": "local-welcome"})
    assert response.status_code == 302
    assert "Local welcome added to Starter bundle" in text(client.get(url))
    assert session.exec(select(OrganisationModule.module_id)).all() == ["local-welcome"]
    response = client.post(f"{url}/add", data={"bundle_id": "starter", "module_id": "alpha"})
    assert response.status_code == 400 and "not a local module available" in text(response)
    assert client.post(f"{url}/remove", data={"bundle_id": "starter", "module_id": "local-welcome"}).status_code == 302
    assert session.exec(select(OrganisationModule)).all() == []
    assert client.post(f"/admin/organisations/{world.org_b.id}/local-modules/add",
                       data={"bundle_id": "starter", "module_id": "local-welcome"}).status_code == 403


def test_the_audit_trail_pages_newest_first(client, login_as, world, session):
    for n in range(52):
        record(session, world.admin_a.id, f"test.event{n:02}", f"x:{n}", organisation_id=world.org_a.id)
    record(session, world.admin_b.id, "test.elsewhere", "x:b", organisation_id=world.org_b.id)
    login_as(world.admin_a)
    page = text(client.get(f"/admin/organisations/{world.org_a.id}/audit"))
    assert "52 events, newest first" in page and "test.event51" in page and "test.event01" not in page
    assert "test.elsewhere" not in page and "Page 1 of 2" in page
    assert "test.event01" in text(client.get(f"/admin/organisations/{world.org_a.id}/audit?page=2"))
    login_as(world.platform)
    assert "test.elsewhere" in text(client.get("/admin/audit"))


def test_csrf_is_required_on_admin_forms(client, login_as, world, app):
    app.config["WTF_CSRF_ENABLED"] = True
    login_as(world.admin_a)
    response = client.post(f"/admin/organisations/{world.org_a.id}/people/{world.learner_a.id}/password-reset")
    assert response.status_code == 400


PAGES = ["", "/people", "/people/{person}", "/invite", "/import", "/assign", "/compliance", "/compliance.csv",
         "/local-modules", "/audit"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("who", "own", "other"), [
    ("anonymous", 302, 302), ("learner_a", 403, 403), ("admin_a", 200, 403), ("platform", 200, 200),
])
def test_who_may_open_each_organisation_page(client, login_as, world, page, who, own, other):
    if who != "anonymous":
        login_as(getattr(world, who))
    for org, person, expected in [(world.org_a, world.learner_a, own), (world.org_b, world.learner_b, other)]:
        response = client.get(f"/admin/organisations/{org.id}" + page.format(person=person.id))
        assert response.status_code == expected, (who, org.code, page)
        if expected == 302:
            assert "/sign-in" in response.location


@pytest.mark.parametrize(("who", "home", "organisations"), [
    ("anonymous", 302, 302), ("learner_a", 403, 403), ("admin_a", 302, 403), ("platform", 200, 200),
])
def test_who_may_open_the_admin_home_and_organisation_list(client, login_as, world, make_user, who, home,
                                                           organisations):
    if who != "anonymous":
        login_as(getattr(world, who))
    assert client.get("/admin").status_code == home
    assert client.get("/admin/organisations").status_code == organisations
    assert client.get("/admin/audit").status_code == organisations


def test_a_facilitator_or_assessor_is_not_an_admin(client, login_as, world, make_user):
    login_as(make_user(roles=[Role.FACILITATOR, Role.ASSESSOR, Role.ACCREDITOR], org=world.org_a))
    assert client.get("/admin").status_code == 403
    assert client.get(f"/admin/organisations/{world.org_a.id}/people").status_code == 403
