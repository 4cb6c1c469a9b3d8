"""The session cookie: a sliding lifetime, re-signed once a minute rather than on every request."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from lms.auth.cookies import REFRESH_SECONDS

DOMAIN = "lms.test"  # the tests' SERVER_NAME


@pytest.fixture
def signed_in(client, make_user, login_as):  # noqa: ANN001
    """A client signed in with a permanent session, as sign-in makes it, that already holds its CSRF token."""
    login_as(make_user(name="Sam Sliding"))
    with client.session_transaction() as session:
        session.permanent = True
    client.get("/account")  # the first page with a form adds the CSRF token to the session
    return client


def _sign_cookie_seconds_ago(app, client, monkeypatch, seconds: float) -> None:  # noqa: ANN001
    """Replace the client's session cookie with the same session as if signed ``seconds`` ago."""
    with client.session_transaction() as session:
        data = dict(session)
    real = time.time()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real - seconds))
    value = app.session_interface.get_signing_serializer(app).dumps(data)
    monkeypatch.undo()
    client.set_cookie("session", value, domain=DOMAIN)


def test_a_recently_signed_cookie_is_not_sent_again(signed_in):
    response = signed_in.get("/account")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Cookie"  # the page depends on the cookie all the same


@pytest.mark.parametrize(("page_varies_on", "used", "expected"), [
    (None, True, ["Cookie"]), ("Accept-Language", True, ["Accept-Language, Cookie"]),
    ("Cookie", True, ["Cookie"]), (None, False, []), ("Accept-Language", False, ["Accept-Language"])])
def test_a_session_kept_as_it_is_adds_cookie_to_what_the_page_varies_on(app, page_varies_on, used, expected):
    from flask import Response
    from flask.sessions import SecureCookieSession

    session = SecureCookieSession({"_user_id": "1:1"})  # not permanent: never re-signed unless changed
    session.accessed = used  # as Flask marks a session read through the request context
    response = Response("ok", headers={"Vary": page_varies_on} if page_varies_on else {})
    with app.test_request_context("/"):
        app.session_interface.save_session(app, session, response)
    assert response.headers.get_all("Vary") == expected and "Set-Cookie" not in response.headers


def test_a_cookie_older_than_a_minute_is_re_signed_with_a_later_expiry(app, signed_in, monkeypatch):
    _sign_cookie_seconds_ago(app, signed_in, monkeypatch, REFRESH_SECONDS + 5)
    response = signed_in.get("/account")
    assert response.status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Expires=" in cookie and "HttpOnly" in cookie
    _, signed_at = app.session_interface.get_signing_serializer(app).loads(
        signed_in.get_cookie("session", domain=DOMAIN).value, return_timestamp=True)
    assert abs(time.time() - signed_at.timestamp()) < 5
    # The new cookie is fresh: the next request needs no re-signing.
    assert "Set-Cookie" not in signed_in.get("/account").headers


def test_a_cookie_past_the_session_lifetime_signs_the_person_out(app, signed_in, monkeypatch):
    lifetime = app.permanent_session_lifetime.total_seconds()
    _sign_cookie_seconds_ago(app, signed_in, monkeypatch, lifetime + 5)
    response = signed_in.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_changed_session_is_sent_however_fresh_its_cookie(signed_in):
    assert "Set-Cookie" not in signed_in.get("/account").headers
    response = signed_in.post("/sign-out", data={})  # signing out replaces the session with a farewell message
    assert response.headers["Set-Cookie"].startswith("session=")
    assert signed_in.get("/account").status_code == 302


def _count_checks(app, monkeypatch) -> list:  # noqa: ANN001
    """Count the cookie signature checks the app's serializer makes from now on."""
    serializer = app.session_interface.get_signing_serializer(app)
    checks, real = [], serializer.loads
    monkeypatch.setattr(serializer, "loads", lambda *a, **k: checks.append(1) or real(*a, **k))
    return checks


def test_a_cookie_is_checked_once_until_it_is_re_signed(app, signed_in, monkeypatch):
    _sign_cookie_seconds_ago(app, signed_in, monkeypatch, 10)
    checks = _count_checks(app, monkeypatch)
    for _ in range(3):
        assert signed_in.get("/account").status_code == 200
    assert len(checks) == 1


def test_a_remembered_cookie_still_ends_with_the_session_lifetime(app, signed_in, monkeypatch):
    _sign_cookie_seconds_ago(app, signed_in, monkeypatch, 30)
    assert signed_in.get("/account").status_code == 200  # checked and remembered
    app.permanent_session_lifetime = timedelta(seconds=20)  # the same cookie is now past the lifetime
    response = signed_in.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_tampered_cookie_is_refused_even_beside_a_remembered_one(app, signed_in):
    value = signed_in.get_cookie("session", domain=DOMAIN).value
    assert signed_in.get("/account").status_code == 200
    signed_in.set_cookie("session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"), domain=DOMAIN)
    response = signed_in.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_request_changing_its_session_leaves_the_remembered_cookie_as_it_was(app):
    value = app.session_interface.get_signing_serializer(app).dumps({"_flashes": [["info", "Welcome"]], "n": 1})
    interface = app.session_interface

    def opened():  # noqa: ANN202
        with app.test_request_context(headers={"Cookie": f"session={value}"}) as context:
            return interface.open_session(app, context.request)

    first = opened()
    first["_flashes"].append(["info", "Another"])
    first["n"] = 2
    again = opened()
    assert again["_flashes"] == [["info", "Welcome"]] and again["n"] == 1
