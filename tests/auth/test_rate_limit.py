"""Sign-in attempts are limited per client address; the limit answers with a proper 429 page."""

from __future__ import annotations

import pytest

from lms import db
from tests.factories import PASSWORD


@pytest.fixture
def test_config(test_config):  # noqa: ANN001
    return {**test_config, "RATELIMIT_ENABLED": True, "SIGNIN_RATE_LIMIT": "3 per minute"}


def attempt(client, address: str, password: str = "wrong password"):  # noqa: ANN001, ANN201
    return client.post("/sign-in", data={"email": "jo@example.org", "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_too_many_sign_in_attempts_get_a_429_page(client, make_user):
    make_user(email="jo@example.org")
    db.commit()
    assert [attempt(client, "10.0.0.1").status_code for _ in range(3)] == [400, 400, 400]
    blocked = attempt(client, "10.0.0.1", PASSWORD)  # even the right password waits
    page = blocked.get_data(as_text=True)
    assert blocked.status_code == 429
    assert "<title>Too many attempts - Leadership and management training</title>" in page
    assert "Wait a minute, then try again" in page
    assert attempt(client, "10.0.0.2", PASSWORD).status_code == 302  # another address is not affected


def test_showing_the_sign_in_page_is_not_limited(client):
    assert {client.get("/sign-in").status_code for _ in range(6)} == {200}
