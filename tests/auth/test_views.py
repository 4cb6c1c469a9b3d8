"""Sign-in, sign-out, account, joining and resetting through the pages."""

from __future__ import annotations

import pytest

from lms import db
from lms.auth import links, services
from lms.auth.models import Role
from lms.auth.principal import load_principal
from lms.testing import PASSWORD

NEW_PASSWORD = "a fresh long passphrase"


def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):  # noqa: ANN001, ANN201
    query = {"next": next_url} if next_url else {}
    return client.post("/sign-in", query_string=query, data={"email": email, "password": password})


@pytest.fixture
def learner(make_user):  # noqa: ANN001
    user = make_user(email="learner@example.org", name="Lee Learner")
    db.commit()
    return user


def test_start_page_invites_visitors_to_sign_in(client):
    page = client.get("/start").get_data(as_text=True)
    assert "<title>Leadership and management training</title>" in page
    assert 'href="/sign-in"' in page


def test_without_the_certificates_plugin_no_page_links_to_verification(client):
    page = client.get("/start").get_data(as_text=True)
    assert "/verify" not in page and "Accessibility statement" in page


def test_home_sends_visitors_to_the_start_page_and_protected_pages_to_sign_in(client):
    assert client.get("/").headers["Location"] == "/start"
    assert client.get("/account").headers["Location"] == "/sign-in?next=%2Faccount"


def test_sign_in_succeeds_and_starts_a_fresh_permanent_session(client, learner):
    with client.session_transaction() as planted:
        planted["planted"] = "by an attacker"
    response = sign_in(client, "Learner@Example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with client.session_transaction() as current:
        assert "planted" not in current
        assert current.permanent
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Lee Learner" in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(("email", "password"), [("learner@example.org", "wrong password"),
                                                 ("nobody@example.org", PASSWORD)])
def test_failed_sign_in_gives_one_generic_error(client, learner, email, password):
    response = sign_in(client, email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Sign in - " in page
    assert 'href="#email"' in page and "The e-mail address or password is not right" in page
    assert f'value="{email}"' in page  # the address is kept, the password is not
    assert client.get("/account").status_code == 302


def test_empty_sign_in_names_both_fields(client):
    page = client.post("/sign-in", data={}).get_data(as_text=True)
    assert "Enter your e-mail address" in page and "Enter your password" in page
    assert 'href="#email"' in page and 'href="#password"' in page


def test_inactive_people_cannot_sign_in(client, make_user):
    make_user(email="gone@example.org", is_active=False)
    db.commit()
    assert sign_in(client, "gone@example.org").status_code == 400


@pytest.mark.parametrize(
    ("next_url", "lands"),
    [
        ("/account", "/account"),
        ("/learning/x?y=1", "/learning/x?y=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("account", "/"),
    ],
)
def test_next_only_leads_to_paths_on_this_site(client, learner, next_url, lands):
    assert sign_in(client, "learner@example.org", next_url=next_url).headers["Location"] == lands


def test_signed_in_people_visiting_sign_in_go_home(client, learner):
    sign_in(client, "learner@example.org")
    assert client.get("/sign-in").headers["Location"] == "/"


def test_sign_out_ends_the_session(client, learner):
    sign_in(client, "learner@example.org")
    response = client.post("/sign-out")
    assert response.headers["Location"] == "/start"
    assert "You have signed out." in client.get("/start").get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_sign_out_needs_post(client):
    assert client.get("/sign-out").status_code == 405


def test_account_shows_details_organisation_and_roles(client, make_org, make_user, login_as):
    org = make_org(name="Hillside Care")
    user = make_user(org=org, name="Ola Admin", roles=[Role.LEARNER, Role.ORG_ADMIN], job_title="Manager")
    page = login_as(user).get("/account").get_data(as_text=True)
    for text in ("Ola Admin", user.email, "Hillside Care", "Manager", "Organisation admin (Hillside Care)"):
        assert text in page


def test_changing_password_keeps_this_session_and_ends_the_others(app, learner):
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, "learner@example.org")
    sign_in(elsewhere, "learner@example.org")
    response = here.post("/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                           "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/account"
    assert "Your password has been changed" in here.get("/account").get_data(as_text=True)
    assert elsewhere.get("/account").headers["Location"].startswith("/sign-in")
    assert sign_in(app.test_client(), "learner@example.org", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"current_password": "wrong", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
         "Your current password is not right"),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": "something else"},
         "The passwords do not match"),
        ({"current_password": PASSWORD, "new_password": "password123", "confirm": "password123"}, "too common"),
    ],
)
def test_change_password_errors_are_shown_on_the_form(client, learner, data, message):
    sign_in(client, "learner@example.org")
    response = client.post("/account", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert sign_in(client, "learner@example.org").status_code == 302  # the old password still works


# --- joining and resetting ---------------------------------------------------------------------


@pytest.fixture
def invitation_token(session, make_org, make_user):  # noqa: ANN001
    org = make_org(name="Lakeside NHS Trust")
    admin = load_principal(session, make_user(org=org, roles=[Role.ORG_ADMIN]).id)
    _, token = links.create_invitation(session, admin, org.id, "joiner@example.org", Role.LEARNER)
    db.commit()
    return token


def test_joining_creates_the_account_and_signs_in(client, invitation_token):
    page = client.get(f"/join/{invitation_token}").get_data(as_text=True)
    assert "Join Lakeside NHS Trust" in page and "joiner@example.org" in page
    response = client.post(f"/join/{invitation_token}", data={"name": "Jo Joiner", "password": NEW_PASSWORD,
                                                                "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/"
    assert "Jo Joiner" in client.get("/account").get_data(as_text=True)
    used = client.get(f"/join/{invitation_token}")
    assert used.status_code == 400 and "already been used" in used.get_data(as_text=True)


def test_joining_with_errors_changes_nothing(client, invitation_token):
    response = client.post(f"/join/{invitation_token}", data={"name": "", "password": "short", "confirm": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter your full name" in page
    response = client.post(f"/join/{invitation_token}", data={"name": "Jo", "password": "short", "confirm": "short"})
    assert "characters or more" in response.get_data(as_text=True)
    assert client.get(f"/join/{invitation_token}").status_code == 200  # still usable


def test_unknown_links_get_a_clear_page(client):
    for path in ("/join/nonsense", "/reset-password/nonsense"):
        response = client.get(path)
        assert response.status_code == 400 and "not right" in response.get_data(as_text=True)


def test_reset_link_sets_a_new_password(client, session, make_org, make_user):
    org = make_org()
    admin = load_principal(session, make_user(org=org, roles=[Role.ORG_ADMIN]).id)
    person = make_user(org=org, email="forgetful@example.org")
    token = links.issue_password_reset(session, admin, person.id)
    db.commit()
    assert client.get(f"/reset-password/{token}").status_code == 200
    mismatch = client.post(f"/reset-password/{token}", data={"password": NEW_PASSWORD, "confirm": "other"})
    assert mismatch.status_code == 400
    response = client.post(f"/reset-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/sign-in"
    assert sign_in(client, "forgetful@example.org", NEW_PASSWORD).status_code == 302
    assert client.get(f"/reset-password/{token}").status_code == 400


def test_a_session_cookie_works_from_another_browser_until_the_session_ends(client, learner):
    # No address or browser check (nothing asks for a fresh sign-in); ending the session is what stops a copy.
    sign_in(client, "learner@example.org")
    assert client.get("/account", headers={"User-Agent": "Other/1.0"}).status_code == 200
    client.post("/sign-out", headers={"User-Agent": "Other/1.0"})
    assert client.get("/account", headers={"User-Agent": "Other/1.0"}).status_code == 302


def test_the_current_person_is_flask_login_s_current_user(app, client, learner):
    from flask_login import current_user

    from lms.auth.principal import current_person

    with app.test_request_context("/"):
        person = current_person()  # nobody loaded yet: Flask-Login loads the anonymous person
        assert person is current_user._get_current_object() and not person.is_authenticated
    sign_in(client, "learner@example.org")
    with client:
        client.get("/account")
        assert current_person() is current_user._get_current_object()
        assert current_person().id == learner.id
