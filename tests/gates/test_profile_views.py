"""The eligibility profile: the person's own, and their organisation admins' view of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from lms.auth.models import Role
from tests.gates.conftest import cert


def rows(html: str) -> dict[str, str]:
    """Each summary-list row's key text -> its value text, whitespace collapsed."""
    found = re.findall(r'<dt class="nhsuk-summary-list__key"\s*>(.*?)</dt>\s*<dd class="nhsuk-summary-list__value"\s*>'
                       r"(.*?)</dd>", html, re.S)
    text = lambda fragment: " ".join(re.sub(r"<[^>]+>", " ", fragment).split())  # noqa: E731
    return {text(key): text(value) for key, value in found}


def test_your_own_profile_shows_each_target_with_a_tag_and_what_is_missing(client, login_as, make_user, credentials):
    person = make_user()
    credentials.give(person, cert("starter"), cert("electives", "expired", expires=datetime(2026, 3, 3, tzinfo=UTC)))
    response = login_as(person).get("/profile")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Your eligibility - " in html
    found = rows(html)
    assert found["Agenda for Change band 8a"].startswith("Eligible Requires a valid Starter bundle certificate")
    assert found["Service lead"] == ("Not yet eligible What is missing: Standard S-THREE (Standard three): not met "
                                     "Training that counts towards this: Electives bundle "
                                     "Requires a valid Starter bundle certificate and standard S-THREE (Standard three) met.")
    assert found["Advanced bundle"].startswith(
        "Not yet eligible What is missing: One of: Electives bundle certificate: expired on 3 March 2026; or")
    assert found["Capstone bundle"].startswith("Not yet eligible")
    assert 'href="/catalogue/advanced"' in html
    assert 'nhsuk-tag--green' in html and 'nhsuk-tag--grey' in html
    # Each gap links to the training whose certificate closes it (capstone records S-THREE but certifies nothing).
    service_lead = html[html.index("Service lead"):html.index("Advanced bundle")]
    assert re.search(r'Training that counts towards this:</p>\s*<ul><li><a href="/catalogue/electives">'
                     r"Electives bundle</a></li></ul>", service_lead)
    capstone = html[html.index("Capstone bundle</a>"):]
    assert re.findall(r'<li><a href="/catalogue/(\w+)">', capstone) == ["advanced", "electives"]


def test_the_eligibility_page_is_in_the_navigation(client, login_as, make_user):
    page = login_as(make_user()).get("/profile").get_data(as_text=True)
    flat = " ".join(page.split())
    assert re.search(r'<a class="nhsuk-header__navigation-link" href="/profile" aria-current="page"><strong [^>]*>'
                     r"Eligibility</strong>", flat)


def test_a_refused_enrolment_links_to_the_training_that_meets_the_gate(client, login_as, make_user, credentials):
    person = make_user()
    credentials.give(person, cert("starter"))
    refused = login_as(person).post("/catalogue/capstone/enrol")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "<h1>You are not yet eligible</h1>" in html
    assert "Not yet eligible for Capstone bundle" in html
    main = html[html.index("<main"):html.index("</main>")]
    assert re.findall(r'<li><a href="/catalogue/(\w+)">', main) == ["advanced", "electives"]
    catalogue = client.get("/catalogue/capstone").get_data(as_text=True)
    assert "You cannot enrol yet" in catalogue
    assert re.findall(r'<li><a href="/catalogue/(\w+)">', catalogue[catalogue.index("<main"):]) == [
        "advanced", "electives"]


def test_an_org_admin_sees_the_profile_of_their_own_people_only(client, login_as, make_org, make_user):
    home, elsewhere = make_org(), make_org()
    person, outsider = make_user(name="Pat Person", org=home), make_user(org=elsewhere)
    login_as(make_user(roles=[Role.ORG_ADMIN], org=home))
    page = client.get(f"/people/{person.id}/profile")
    assert page.status_code == 200 and "Eligibility of Pat Person" in page.get_data(as_text=True)
    assert client.get(f"/people/{outsider.id}/profile").status_code == 404
    assert client.get("/people/999999/profile").status_code == 404


def test_a_learner_cannot_see_a_colleague(client, login_as, make_org, make_user):
    org = make_org()
    colleague = make_user(org=org)
    me = make_user(org=org)
    login_as(me)
    assert client.get(f"/people/{colleague.id}/profile").status_code == 404
    assert client.get(f"/people/{me.id}/profile").status_code == 200


@pytest.mark.parametrize("path", ["/profile", "/people/1/profile"])
def test_signing_in_is_required(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_with_no_rules_and_no_gated_bundles_the_page_says_so(app, client, login_as, make_user):
    app.extensions["lms.advancement"] = {}
    html = login_as(make_user()).get("/profile").get_data(as_text=True)
    assert "No pay bands or roles in this service require certificates." in html
