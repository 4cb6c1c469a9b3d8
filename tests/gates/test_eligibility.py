"""Eligibility services: gates of bundles, advancement targets, refusals and who may see a profile."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.api import catalog
from lms.auth.models import Role
from lms.auth.security import load_principal
from lms.errors import DomainError, NotFound
from lms.learning import eligibility
from lms.learning.eligibility import GateNotMet, bundle_gate, require_gate, require_gates
from tests.gates.conftest import cert

EXPIRED = datetime(2026, 3, 3, tzinfo=UTC)


def test_an_ungated_bundle_is_open_to_everyone(session, make_user, credentials):
    person = make_user()
    result = bundle_gate(session, person.id, catalog().bundle("starter"))
    assert result.met and result.missing == ()
    assert credentials.calls == 0  # no gate, no need to ask plugins


def test_a_gate_is_met_through_either_route(session, make_user, credentials):
    by_certificate, by_standard, neither = make_user(), make_user(), make_user()
    credentials.give(by_certificate, cert("electives"))
    credentials.give(by_standard, cert("other", standards=("S-THREE",)))
    advanced = catalog().bundle("advanced")
    assert bundle_gate(session, by_certificate.id, advanced).met
    assert bundle_gate(session, by_standard.id, advanced).met
    assert bundle_gate(session, neither.id, advanced).missing == (
        "One of: Electives bundle certificate: not held; or Standard S-THREE (Standard three): not met",)


def test_require_gate_refuses_with_403_and_says_what_is_missing(session, make_user, credentials):
    person = make_user()
    credentials.give(person, cert("starter", "expired", expires=EXPIRED))
    with pytest.raises(GateNotMet) as refused:
        require_gate(session, person.id, catalog().bundle("capstone"))
    assert refused.value.status == 403
    assert refused.value.message == (
        "Not yet eligible for Capstone bundle: Starter bundle certificate: expired on 3 March 2026; "
        "One of: Advanced bundle certificate: not held; or Electives bundle certificate: not held")
    assert refused.value.missing == {person.id: (
        "Starter bundle certificate: expired on 3 March 2026",
        "One of: Advanced bundle certificate: not held; or Electives bundle certificate: not held")}


def test_require_gate_lets_a_qualified_person_through(session, make_user, credentials):
    person = make_user()
    credentials.give(person, cert("starter"), cert("advanced"))
    assert require_gate(session, person.id, catalog().bundle("capstone")) is None


def test_require_gates_names_everyone_refused(session, make_user, credentials):
    ready, lapsed, new = make_user(name="Ada Ready"), make_user(name="Lee Lapsed"), make_user(name="Nia New")
    credentials.give(ready, cert("electives"))
    credentials.give(lapsed, cert("electives", "revoked", revoked=EXPIRED))
    with pytest.raises(GateNotMet) as refused:
        require_gates(session, [ready, lapsed, new], catalog().bundle("advanced"))
    assert set(refused.value.missing) == {lapsed.id, new.id}
    assert "Lee Lapsed (One of: Electives bundle certificate: revoked on 3 March 2026; or Standard S-THREE" in (
        refused.value.message)
    assert "Nia New (One of: Electives bundle certificate: not held;" in refused.value.message
    assert "Ada Ready" not in refused.value.message
    require_gates(session, [ready], catalog().bundle("advanced"))  # all met: no error


def test_a_gate_refusal_renders_as_a_403_page_and_as_json(app, client):
    @app.get("/gated-test")
    def gated():
        raise GateNotMet("Not yet eligible for Capstone bundle: Starter bundle certificate: not held", {})

    page = client.get("/gated-test")
    assert page.status_code == 403 and b"Starter bundle certificate: not held" in page.data
    answer = client.get("/gated-test", headers={"Accept": "application/json"})
    assert answer.status_code == 403
    assert answer.get_json() == {"error": "Not yet eligible for Capstone bundle: Starter bundle certificate: not held"}


def test_eligibility_for_an_advancement_target(session, make_user, credentials):
    person = make_user()
    credentials.give(person, cert("starter"))
    answer = eligibility.eligibility(session, person.id, "role-lead")
    assert not answer.eligible
    assert answer.result.missing == ("Standard S-THREE (Standard three): not met",)
    assert answer.target.title == "Service lead" and answer.target.kind == "advancement"
    assert eligibility.eligibility(session, person.id, "band-8a").eligible


def test_eligibility_for_a_bundle_target(session, make_user, credentials):
    person = make_user()
    assert eligibility.eligibility(session, person.id, "bundle:starter").eligible
    answer = eligibility.eligibility(session, person.id, "bundle:advanced")
    assert not answer.eligible and answer.target.kind == "bundle" and answer.target.title == "Advanced bundle"


@pytest.mark.parametrize(("target", "message"), [
    ("", "Give a target: bundle:<bundle id>, or an advancement target id"),
    ("bundle:nowhere", "There is no bundle called 'nowhere'"),
    ("band-9", "Unknown target 'band-9': use bundle:<bundle id> or one of band-8a, role-lead"),
])
def test_an_unknown_target_is_a_clear_error(session, make_user, target, message):
    with pytest.raises(DomainError) as refused:
        eligibility.eligibility(session, make_user().id, target)
    assert refused.value.message == message and refused.value.field == "target" and refused.value.status == 400


def test_eligibility_of_no_one_is_not_found(session):
    with pytest.raises(NotFound):
        eligibility.eligibility(session, 999_999, "band-8a")


def test_the_overview_lists_rules_then_gated_bundles_asking_plugins_once(session, make_user, credentials):
    person = make_user()
    credentials.give(person, cert("starter"), cert("electives"))
    answers = eligibility.overview(session, person.id)
    assert [(a.target.id, a.eligible) for a in answers] == [
        ("band-8a", True), ("role-lead", False), ("bundle:advanced", True), ("bundle:capstone", True)]
    assert credentials.calls == 1


def test_a_profile_is_seen_by_the_person_and_the_admins_of_their_organisation(session, make_user, make_org):
    home, elsewhere = make_org(), make_org()
    person = make_user(org=home)
    admin, other_admin = make_user(roles=[Role.ORG_ADMIN], org=home), make_user(roles=[Role.ORG_ADMIN], org=elsewhere)
    colleague, platform = make_user(org=home), make_user(roles=[Role.PLATFORM_ADMIN], org=elsewhere)
    for viewer in (person, admin, platform):
        assert eligibility.profile_person(session, load_principal(session, viewer.id), person.id) == person
    for viewer in (other_admin, colleague):
        with pytest.raises(NotFound):
            eligibility.profile_person(session, load_principal(session, viewer.id), person.id)


def test_requirement_text_for_the_catalogue(app):
    assert eligibility.requirement_text(catalog().bundle("starter")) is None
    assert eligibility.requirement_text(catalog().bundle("capstone")) == (
        "a valid Starter bundle certificate and (a valid Advanced bundle certificate or a valid Electives bundle "
        "certificate)")
