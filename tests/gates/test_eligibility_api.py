"""GET /api/v1/people/<id>/eligibility: bearer tokens only, scoped to an organisation, JSON throughout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from lms import db
from lms.api_tokens import services
from lms.api_tokens.models import ApiToken
from tests.gates.conftest import cert

URL = "/api/v1/people/{}/eligibility"


@pytest.fixture
def token(session):  # noqa: ANN001
    """A token factory: platform-wide, or for one organisation; returns the secret."""

    def _make(org=None) -> str:  # noqa: ANN001
        issued = services.create(session, "HR system", organisation_code=org.code if org else None)
        db.commit()
        return issued.secret

    return _make


def ask(client, user_id: int, secret: str | None, target: str = "band-8a", **headers):  # noqa: ANN001, ANN003, ANN201
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return client.get(URL.format(user_id), query_string={"target": target}, headers=headers)


def test_the_answer_for_an_advancement_target(client, make_user, credentials, token):
    person = make_user()
    credentials.give(person, cert("starter", "expired", expires=datetime(2026, 3, 3, tzinfo=UTC)))
    response = ask(client, person.id, token(), "role-lead")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body.pop("checked_at").startswith("20")
    assert body == {
        "person": {"id": person.id},
        "target": {"id": "role-lead", "kind": "advancement", "title": "Service lead"},
        "eligible": False,
        "missing": ["Starter bundle certificate: expired on 3 March 2026", "Standard S-THREE (Standard three): not met"],
        "requires": {"all": [
            {"certificate": "starter", "title": "Starter bundle certificate", "met": False, "status": "expired",
             "detail": "expired on 3 March 2026"},
            {"standard": "S-THREE", "title": "Standard three", "met": False},
        ], "met": False},
    }


def test_the_answer_for_a_bundle_target(client, make_user, credentials, token):
    person = make_user()
    credentials.give(person, cert("electives"))
    body = ask(client, person.id, token(), "bundle:advanced").get_json()
    assert body["eligible"] is True and body["missing"] == []
    assert body["target"] == {"id": "bundle:advanced", "kind": "bundle", "title": "Advanced bundle"}
    ungated = ask(client, person.id, token(), "bundle:starter").get_json()
    assert ungated["eligible"] is True and ungated["requires"] is None


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer lms_not-a-real-token"}, {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer"},
])
def test_no_token_or_a_bad_one_is_401_without_a_basic_challenge(client, make_user, headers):
    response = client.get(URL.format(make_user().id), query_string={"target": "band-8a"}, headers=headers)
    assert response.status_code == 401 and response.mimetype == "application/json"
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="lms-api"')
    assert "basic" not in response.headers["WWW-Authenticate"].lower()
    assert "error" in response.get_json()


def test_a_revoked_token_stops_working(client, session, make_user, token):
    person, secret = make_user(), token()
    assert ask(client, person.id, secret).status_code == 200
    services.revoke(session, session.exec(select(ApiToken)).one().id)
    db.commit()
    response = ask(client, person.id, secret)
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_signed_in_browser_session_is_not_enough(client, login_as, make_user):
    person = make_user()
    login_as(person)
    assert ask(client, person.id, None).status_code == 401


def test_an_organisation_token_sees_only_its_own_people(client, make_org, make_user, token):
    home, elsewhere = make_org(), make_org()
    ours, theirs = make_user(org=home), make_user(org=elsewhere)
    secret = token(home)
    assert ask(client, ours.id, secret).status_code == 200
    outside = ask(client, theirs.id, secret)
    assert outside.status_code == 404 and outside.get_json() == {"error": f"There is no person with id {theirs.id}"}
    assert ask(client, 999_999, secret).status_code == 404


def test_a_platform_token_sees_everyone(client, make_org, make_user, token):
    secret = token()
    for org in (make_org(), make_org()):
        assert ask(client, make_user(org=org).id, secret).status_code == 200


@pytest.mark.parametrize(("target", "message"), [
    ("", "Give a target: bundle:<bundle id>, or an advancement target id"),
    ("band-9", "Unknown target 'band-9': use bundle:<bundle id> or one of band-8a, role-lead"),
])
def test_a_missing_or_unknown_target_is_400_naming_the_field(client, make_user, token, target, message):
    response = ask(client, make_user().id, token(), target)
    assert response.status_code == 400
    assert response.get_json() == {"error": message, "field": "target"}


def test_use_is_recorded_after_the_answer(client, session, make_user, token):
    person, secret = make_user(), token()
    stored = session.exec(select(ApiToken)).one()
    assert stored.last_used_at is None
    assert ask(client, person.id, secret).status_code == 200
    session.expire_all()
    assert session.get(ApiToken, stored.id).last_used_at is not None



@pytest.mark.parametrize("user_id", [2**31, 2**63, 10**30])
def test_an_id_no_person_can_have_is_a_json_404(client, token, user_id):
    """An id past what the id columns hold made the database or its driver raise: a 500 for any token holder."""
    response = ask(client, user_id, token())
    assert response.status_code == 404 and response.mimetype == "application/json" and response.get_json()["error"]
