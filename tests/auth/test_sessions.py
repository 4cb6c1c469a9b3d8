"""A session ends everywhere its cookie was copied: on sign-out, and when the password changes elsewhere."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from lms import db
from lms.auth import services
from lms.testing import PASSWORD

NEW_PASSWORD = "a fresh long passphrase"
COOKIE = "session"


@pytest.fixture
def person(make_user):  # noqa: ANN001
    user = make_user(email="jo@example.org")
    db.commit()
    return user


def signed_in(app, email: str = "jo@example.org") -> FlaskClient:  # noqa: ANN001
    client = app.test_client()
    assert client.post("/sign-in", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def copy_of(app, client: FlaskClient) -> FlaskClient:  # noqa: ANN001
    """Another browser holding a copy of this one's session cookie, as taken before anything else happens."""
    cookie = client.get_cookie(COOKIE, domain="lms.test")
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value, domain="lms.test")
    return thief


def is_signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def test_a_copied_cookie_stops_working_when_its_session_signs_out(app, person):  # noqa: ANN001
    browser = signed_in(app)
    copy = copy_of(app, browser)
    # The copy works, and its dashboard is kept rendered for the person: neither may outlive the sign-out.
    assert is_signed_in(copy) and copy.get("/").status_code == 200
    assert browser.post("/sign-out").status_code == 302
    assert not is_signed_in(copy)
    assert copy.get("/").headers["Location"] == "/start"  # not the kept page
    assert not is_signed_in(browser)


def test_sign_out_ends_the_persons_other_sessions_too(app, person):  # noqa: ANN001
    phone, desk = signed_in(app), signed_in(app)
    phone.post("/sign-out")
    assert not is_signed_in(desk)
    assert "signed out on your other devices too" in phone.get("/start").get_data(as_text=True)
    assert is_signed_in(signed_in(app))  # signing in again starts afresh


def test_a_password_change_ends_every_other_session_and_its_copies(app, person):  # noqa: ANN001
    browser, elsewhere = signed_in(app), signed_in(app)
    copy = copy_of(app, browser)
    changed = elsewhere.post("/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert not is_signed_in(browser) and not is_signed_in(copy)
    assert is_signed_in(elsewhere)  # the session that changed it carries on


def test_a_copy_taken_after_a_password_change_still_ends_at_sign_out(app, person):  # noqa: ANN001
    browser = signed_in(app)
    browser.post("/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD})
    copy = copy_of(app, browser)
    assert is_signed_in(copy)
    browser.post("/sign-out")
    assert not is_signed_in(copy)


def test_ending_sessions_counts_every_call(session, person):  # noqa: ANN001
    before = person.session_version
    services.end_sessions(session, person)
    services.end_sessions(session, person)
    assert person.session_version == before + 2


def test_signing_out_when_not_signed_in_changes_nothing(app, client, person):  # noqa: ANN001
    before = person.session_version
    assert client.post("/sign-out").status_code == 302
    db.session().refresh(person)
    assert person.session_version == before
