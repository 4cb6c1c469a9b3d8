"""My learning record: own statements only, newest first, paged, and the xAPI JSON download."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from lms import db
from lms.xapi import keys, platform
from lms.xapi.platform import Outcome, Person, Thing
from lms.xapi.validation import validate_statements
from tests.xapi.conftest import Lrs

ALPHA = Thing("alpha", "Alpha")
STARTER = Thing("starter", "Starter bundle")
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def person(user) -> Person:  # noqa: ANN001
    return Person(user.id, user.name, user.email)


def test_signing_in_is_required(client):  # noqa: ANN001
    for path in ("/my-learning-record/", "/my-learning-record/download"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/sign-in?next=" in response.headers["Location"]


def test_the_record_shows_only_my_statements_newest_first(session, make_user, login_as):  # noqa: ANN001
    me, other = make_user(), make_user()
    platform.enrolled(session, person(me), STARTER, "6fa459ea-ee8a-4ca4-894e-db77e160355e", at=START)
    platform.completed_module(session, person(me), ALPHA, bundle=STARTER, at=START + timedelta(days=1),
                              outcome=Outcome(scaled=0.8, success=True, completion=True))
    platform.completed_module(session, person(other), Thing("secret", "Someone else's module"))
    client = login_as(me)
    page = client.get("/my-learning-record/").get_data(as_text=True)
    assert page.index("Completed Alpha") < page.index("Enrolled on Starter bundle")
    assert "Score 80%, passed" in page
    assert "Someone else" not in page
    assert "2 records, newest first" in page
    assert "6 January 2026" in page


def test_an_assignment_reads_from_my_side(session, make_user, login_as):  # noqa: ANN001
    me, admin = make_user(), make_user(name="Grace Admin")
    platform.assigned(session, person(me), STARTER, "6fa459ea-ee8a-4ca4-894e-db77e160355e", assigned_by=person(admin))
    page = login_as(me).get("/my-learning-record/").get_data(as_text=True)
    assert "Grace Admin assigned you: Starter bundle" in page


def test_the_record_is_paged(session, make_user, login_as, monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(keys, "ERA_BITS", 2)  # the statements fall in eight eras, read newest first
    me = make_user()
    for day in range(30):
        platform.experienced(session, person(me), Thing(f"page-{day}", f"Lesson {day}"), module=ALPHA,
                             at=START + timedelta(days=day))
    client = login_as(me)
    first = client.get("/my-learning-record/").get_data(as_text=True)
    assert "Experienced Lesson 29" in first and "Experienced Lesson 5" in first and "Lesson 4<" not in first
    second = client.get("/my-learning-record/?page=2").get_data(as_text=True)
    assert "Experienced Lesson 4" in second and "Experienced Lesson 29" not in second
    assert "Page 2 of 2" in second
    assert client.get("/my-learning-record/?page=99").status_code == 200  # clamped to the last page


def test_an_empty_record_says_so(make_user, login_as):  # noqa: ANN001
    page = login_as(make_user()).get("/my-learning-record/").get_data(as_text=True)
    assert "Nothing has been recorded yet" in page


def test_download_is_my_record_as_xapi_json(session, make_user, login_as):  # noqa: ANN001
    me, other = make_user(), make_user()
    ids = [platform.completed_module(session, person(me), ALPHA, at=START + timedelta(hours=h)) for h in range(3)]
    platform.completed_module(session, person(other), ALPHA)
    db.commit()
    response = login_as(me).get("/my-learning-record/download")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="learning-record-{me.id}.json"'
    body = json.loads(response.data)
    assert [s["id"] for s in body["statements"]] == list(reversed(ids))
    validate_statements(body["statements"])


def test_what_another_system_recorded_is_labelled_with_its_source(app, session, make_user, login_as, client,
                                                                  make_lrs_client):  # noqa: ANN001
    """Any LRS client could record that a learner completed the accredited induction, shown as the platform's own."""
    me = make_user()
    platform.enrolled(session, person(me), STARTER, "6fa459ea-ee8a-4ca4-894e-db77e160355e", at=START)
    db.commit()
    tool = Lrs(client, make_lrs_client(name="Acme Training Tool"))
    tool.store({"actor": {"objectType": "Agent", "account": {"homePage": app.config["XAPI_HOMEPAGE"],
                                                             "name": str(me.id)}},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-GB": "completed"}},
                "object": {"id": "https://lms.example.org/xapi/activities/bundle/induction",
                           "definition": {"name": {"en-GB": "Accredited induction"}}},
                "timestamp": (START + timedelta(days=1)).isoformat()})
    page = login_as(me).get("/my-learning-record/").get_data(as_text=True)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)
    completed = next(row for row in rows if "Completed Accredited induction" in row)
    enrolled = next(row for row in rows if "Enrolled on Starter bundle" in row)
    assert "Acme Training Tool (another system)" in completed and "This service" not in completed
    assert "This service" in enrolled
    assert "Recorded by" in page
