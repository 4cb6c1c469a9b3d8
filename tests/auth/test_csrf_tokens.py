"""A session's signed CSRF token is reused for a minute, only for that session, and still accepted."""

from __future__ import annotations

import re

import pytest
from flask_wtf import csrf as flask_wtf_csrf

from lms import db
from lms.speedups.flask_wtf import REUSE_SECONDS, RecentTokens

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def csrf_on(app):  # noqa: ANN001
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _request(app, client, method: str, path: str, **kwargs):  # noqa: ANN001, ANN202
    # Each request in an app context of its own, as in a server: the tests' shared one would keep `g`.
    with app.app_context():
        return client.open(path, method=method, **kwargs)


def _token(app, client, path: str = "/account") -> str:  # noqa: ANN001
    return TOKEN.search(_request(app, client, "GET", path).get_data(as_text=True)).group(1)


@pytest.mark.speedups_on("flask_wtf")  # the device under test
def test_a_session_s_token_is_signed_once_a_minute_and_accepted(csrf_on, client, make_user, login_as, monkeypatch):
    login_as(make_user())
    _token(csrf_on, client)  # the first page makes the session's CSRF secret
    signed, real = [], flask_wtf_csrf.URLSafeTimedSerializer.dumps

    def counting(self, obj, salt=None):  # noqa: ANN001, ANN202
        signed.append(self.salt)
        return real(self, obj, salt)

    monkeypatch.setattr(flask_wtf_csrf.URLSafeTimedSerializer, "dumps", counting)
    tokens = {_token(csrf_on, client) for _ in range(3)}
    assert len(tokens) == 1 and signed == [b"wtf-csrf-token"]
    db.commit()  # end the test's own transaction (on SQLite it holds the write lock): signing out writes
    response = _request(csrf_on, client, "POST", "/sign-out", data={"csrf_token": tokens.pop()})
    assert response.status_code == 302 and response.headers["Location"] == "/start"


def test_each_session_gets_a_token_of_its_own(csrf_on, client, make_user, login_as):
    login_as(make_user())
    _token(csrf_on, client)
    mine = _token(csrf_on, client)
    # The same person signed in from another browser: a session with a CSRF secret of its own.
    other = csrf_on.test_client()
    with client.session_transaction() as own, other.session_transaction() as session:
        session.update({k: v for k, v in own.items() if k != "csrf_token"})
    _token(csrf_on, other)
    assert _token(csrf_on, other) != mine
    assert _request(csrf_on, other, "POST", "/sign-out", data={"csrf_token": mine}).status_code == 400


def test_signing_in_afresh_gives_a_token_for_the_new_session(csrf_on, client, make_user):
    from tests.conftest import PASSWORD

    make_user(email="fresh@example.org")
    db.commit()  # the requests below run in app contexts (and transactions) of their own
    _token(csrf_on, client, "/sign-in")
    before = _token(csrf_on, client, "/sign-in")
    signed_in = _request(csrf_on, client, "POST", "/sign-in",
                         data={"email": "fresh@example.org", "password": PASSWORD, "csrf_token": before})
    assert signed_in.status_code == 302
    after = _token(csrf_on, client)
    assert after != before
    assert _request(csrf_on, client, "POST", "/sign-out", data={"csrf_token": before}).status_code == 400
    assert _request(csrf_on, client, "POST", "/sign-out", data={"csrf_token": after}).status_code == 302


def test_a_token_is_signed_afresh_after_a_minute():
    now = [1000.0]
    tokens = RecentTokens(timer=lambda: now[0])
    tokens.keep(("key", "secret"), "signed-token")
    assert tokens.get(("key", "secret")) == "signed-token"
    assert tokens.get(("key", "other secret")) is None and tokens.get(("other key", "secret")) is None
    now[0] += REUSE_SECONDS
    assert tokens.get(("key", "secret")) is None


def test_reusing_a_token_does_not_extend_its_minute():
    now = [1000.0]
    tokens = RecentTokens(timer=lambda: now[0])
    tokens.keep(("key", "secret"), "signed-token")
    now[0] += REUSE_SECONDS - 1
    tokens.keep(("key", "secret"), "signed-token")  # served again, as every page within the minute does
    now[0] += 1
    assert tokens.get(("key", "secret")) is None


def test_the_current_token_is_the_one_flask_wtf_gives_and_pages_use(app):
    from flask import render_template_string
    from flask_wtf.csrf import generate_csrf

    from lms.speedups.flask_wtf import current_token

    with app.test_request_context("/"):
        app.preprocess_request()
        made = current_token()  # none yet: made by Flask-WTF
        assert made == generate_csrf() == current_token()
        assert render_template_string("{{ csrf_token() }}") == made
