"""The catalogue says what a gated bundle asks for, and offers enrolment only to those who meet it."""

from __future__ import annotations

import pytest

from tests.conftest import fixture_plugins
from tests.gates.conftest import FakeCredentials, cert
from tests.learning.conftest import main_html


@pytest.fixture
def credentials() -> FakeCredentials:
    return FakeCredentials()


@pytest.fixture
def plugins(credentials):  # noqa: ANN001
    return fixture_plugins("gated", hook_objects=[credentials])


def test_visitors_see_what_a_gated_bundle_asks_for(client):
    page = main_html(client.get("/catalogue/advanced"))
    assert "To enrol you need" in page and "Electives bundle" in page
    assert "Sign in to enrol" in page


def test_a_person_lacking_the_gate_sees_what_is_missing_and_no_enrol_button(make_user, login_as, credentials):
    client = login_as(make_user())
    page = main_html(client.get("/catalogue/advanced"))
    assert "You cannot enrol yet. You still need:" in page and "not held" in page
    assert 'action="/catalogue/advanced/enrol"' not in page
    assert client.post("/catalogue/advanced/enrol").status_code == 403  # and the server refuses it too
    index = main_html(client.get("/catalogue"))
    assert 'action="/catalogue/starter/enrol"' in index and 'action="/catalogue/advanced/enrol"' not in index


def test_a_person_meeting_the_gate_may_enrol(make_user, login_as, credentials):
    person = make_user()
    credentials.give(person, cert("electives"))
    client = login_as(person)
    page = main_html(client.get("/catalogue/advanced"))
    assert 'action="/catalogue/advanced/enrol"' in page and "You cannot enrol yet" not in page
    assert client.post("/catalogue/advanced/enrol").status_code == 302


def test_credentials_are_asked_for_once_per_catalogue_page(make_user, login_as, credentials):
    client = login_as(make_user())
    client.get("/catalogue")
    assert credentials.calls == 1
