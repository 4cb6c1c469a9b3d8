"""Gate evaluation and explanations as pure functions: properties with hypothesis, and every outcome's words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.learning.gates import (
    AllOf, AnyOf, HoldCertificate, MeetStandard, Names, as_tree, check, current_certificate, describe, is_met, leaves,
    missing,
)
from tests.gates.conftest import ISSUED, cert

BUNDLES = ("core", "senior", "induction")
STANDARDS = ("S-ONE", "S-TWO", "S-THREE")
NAMES = Names({"core": "Core management", "senior": "Senior management"}, {"S-ONE": "Inclusive leadership"})

leaf = st.one_of(st.sampled_from(BUNDLES).map(HoldCertificate), st.sampled_from(STANDARDS).map(MeetStandard))
requirements = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda parts: AllOf(tuple(parts))),
        st.lists(children, min_size=1, max_size=3).map(lambda parts: AnyOf(tuple(parts))),
    ),
    max_leaves=8,
)
credential = st.builds(
    lambda bundle, status, standards, days: cert(
        bundle, status, issued=ISSUED + timedelta(days=days), standards=tuple(sorted(standards)),
        expires=ISSUED + timedelta(days=days + 365) if status == "expired" else None,
        revoked=ISSUED + timedelta(days=days + 30) if status == "revoked" else None),
    st.sampled_from(BUNDLES), st.sampled_from(["valid", "expired", "revoked", "superseded"]),
    st.sets(st.sampled_from(STANDARDS)), st.integers(0, 400),
)
held = st.lists(credential, max_size=5)
# No deadline: the examples are tiny, but a busy machine (parallel workers) can make one slow.


@settings(deadline=None)
@given(st.lists(requirements, min_size=1, max_size=4), held)
def test_all_of_is_met_exactly_when_every_part_is(parts, credentials):
    assert is_met(AllOf(tuple(parts)), credentials) == all(is_met(p, credentials) for p in parts)


@settings(deadline=None)
@given(st.lists(requirements, min_size=1, max_size=4), held)
def test_any_of_is_met_exactly_when_one_part_is(parts, credentials):
    assert is_met(AnyOf(tuple(parts)), credentials) == any(is_met(p, credentials) for p in parts)


@settings(deadline=None)
@given(st.sampled_from(BUNDLES), held)
def test_a_certificate_counts_only_while_valid(bundle, credentials):
    expected = any(c.id == bundle and c.status == "valid" for c in credentials)
    assert is_met(HoldCertificate(bundle), credentials) == expected


@settings(deadline=None)
@given(st.sampled_from(STANDARDS), held)
def test_a_standard_is_met_only_by_a_valid_credential_recording_it(standard, credentials):
    expected = any(standard in c.standards and c.status == "valid" for c in credentials)
    assert is_met(MeetStandard(standard), credentials) == expected


@settings(deadline=None)
@given(requirements, held, credential)
def test_gaining_a_valid_credential_never_closes_a_gate(requirement, credentials, extra):
    gained = credentials + [replace(extra, status="valid")]
    assert not is_met(requirement, credentials) or is_met(requirement, gained)


@settings(deadline=None)
@given(requirements, st.lists(credential, min_size=1, max_size=5), st.data())
def test_losing_validity_never_opens_a_gate(requirement, credentials, data):
    i = data.draw(st.integers(0, len(credentials) - 1))
    lost = [*credentials[:i], replace(credentials[i], status=data.draw(st.sampled_from(["expired", "revoked"]))),
            *credentials[i + 1:]]
    assert not is_met(requirement, lost) or is_met(requirement, credentials)


@settings(deadline=None)
@given(requirements, held)
def test_something_is_missing_exactly_when_the_gate_is_shut(requirement, credentials):
    result = check(requirement, credentials, NAMES)
    assert result.met == is_met(requirement, credentials)
    assert (result.missing == ()) == result.met
    assert all(item and item[0].isupper() for item in result.missing)
    assert as_tree(requirement, credentials, NAMES)["met"] == result.met


def test_no_requirement_is_always_met():
    assert check(None, [], NAMES).met and check(None, [], NAMES).missing == ()


def test_a_certificate_not_held():
    assert missing(HoldCertificate("core"), [], NAMES) == ["Core management certificate: not held"]


def test_an_expired_certificate_gives_its_date():
    expired = cert("core", "expired", expires=datetime(2026, 3, 3, 12, tzinfo=UTC))
    assert missing(HoldCertificate("core"), [expired], NAMES) == ["Core management certificate: expired on 3 March 2026"]


def test_a_revoked_certificate_gives_its_date_when_known():
    revoked = cert("core", "revoked", revoked=datetime(2026, 1, 9, tzinfo=UTC))
    assert missing(HoldCertificate("core"), [revoked], NAMES) == ["Core management certificate: revoked on 9 January 2026"]
    assert missing(HoldCertificate("core"), [replace(revoked, revoked_at=None)], NAMES) == [
        "Core management certificate: revoked"]


def test_a_superseded_certificate_counts_through_its_valid_replacement():
    old = cert("core", "superseded")
    new = cert("core", "valid", issued=ISSUED + timedelta(days=10))
    assert check(HoldCertificate("core"), [old, new], NAMES).met


def test_a_superseded_certificate_is_explained_by_its_replacement_when_that_is_not_valid():
    old = cert("core", "superseded")
    new = cert("core", "expired", issued=ISSUED + timedelta(days=10), expires=datetime(2026, 2, 1, tzinfo=UTC))
    assert missing(HoldCertificate("core"), [old, new], NAMES) == ["Core management certificate: expired on 1 February 2026"]


def test_a_superseded_certificate_whose_replacement_is_not_held():
    assert missing(HoldCertificate("core"), [cert("core", "superseded")], NAMES) == [
        "Core management certificate: a newer certificate replaced it"]


def test_a_valid_certificate_speaks_for_the_person_over_a_newer_revoked_one():
    valid = cert("core")
    revoked = cert("core", "revoked", issued=ISSUED + timedelta(days=5))
    assert current_certificate([valid, revoked], "core") is valid
    assert current_certificate([valid, revoked], "senior") is None


def test_a_standard_not_met_names_the_standard_and_the_certificate_that_lapsed():
    assert missing(MeetStandard("S-ONE"), [], NAMES) == ["Standard S-ONE (Inclusive leadership): not met"]
    assert missing(MeetStandard("S-TWO"), [], NAMES) == ["Standard S-TWO: not met"]
    lapsed = cert("core", "expired", expires=datetime(2026, 3, 3, tzinfo=UTC), standards=("S-ONE",))
    assert missing(MeetStandard("S-ONE"), [lapsed], NAMES) == [
        "Standard S-ONE (Inclusive leadership): not met (the Core management certificate that records it "
        "expired on 3 March 2026)"]
    revoked = cert("core", "revoked", revoked=datetime(2026, 4, 1, tzinfo=UTC), standards=("S-ONE",))
    assert missing(MeetStandard("S-ONE"), [revoked], NAMES) == [
        "Standard S-ONE (Inclusive leadership): not met (the Core management certificate that records it "
        "was revoked on 1 April 2026)"]
    replaced = cert("core", "superseded", standards=("S-ONE",))
    assert missing(MeetStandard("S-ONE"), [replaced], NAMES) == [
        "Standard S-ONE (Inclusive leadership): not met (the Core management certificate that records it "
        "was replaced by a newer one)"]


def test_all_of_lists_each_missing_part_and_any_of_gives_one_item_of_alternatives():
    gate = AllOf((HoldCertificate("core"), AllOf((MeetStandard("S-ONE"), HoldCertificate("induction"))),
                  AnyOf((HoldCertificate("senior"), AllOf((MeetStandard("S-TWO"), MeetStandard("S-THREE")))))))
    held = [cert("induction")]
    assert missing(gate, held, NAMES) == [
        "Core management certificate: not held",
        "Standard S-ONE (Inclusive leadership): not met",
        "One of: Senior management certificate: not held; or (all of: Standard S-TWO: not met; and Standard S-THREE: "
        "not met)",
    ]


def test_describe_says_what_a_gate_asks_for():
    gate = AllOf((HoldCertificate("core"), AnyOf((HoldCertificate("senior"), MeetStandard("S-ONE")))))
    assert describe(gate, NAMES) == ("a valid Core management certificate and (a valid Senior management certificate "
                                     "or standard S-ONE (Inclusive leadership) met)")


def test_the_tree_reports_each_part():
    gate = AnyOf((HoldCertificate("core"), MeetStandard("S-ONE")))
    expired = cert("core", "expired", expires=datetime(2026, 3, 3, tzinfo=UTC))
    assert as_tree(gate, [expired], NAMES) == {"any": [
        {"certificate": "core", "title": "Core management certificate", "met": False, "status": "expired",
         "detail": "expired on 3 March 2026"},
        {"standard": "S-ONE", "title": "Inclusive leadership", "met": False},
    ], "met": False}


def test_leaves_are_located_by_field_path():
    gate = AllOf((HoldCertificate("core"), AnyOf((MeetStandard("S-ONE"),))))
    assert [path for path, _ in leaves(gate, "requires")] == ["requires.all[0].certificate",
                                                              "requires.all[1].any[0].standard"]


WAYS_NAMES = Names({"core": "Core management", "senior": "Senior management", "induction": "Induction"},
                   {"S-ONE": "Inclusive leadership"}, {"S-ONE": ("core", "senior"), "S-TWO": ()})


@settings(deadline=None)
@given(requirements, held)
def test_every_way_through_a_shut_gate_is_a_held_valid_certificate_away_from_meeting_part_of_it(requirement, credentials):
    ways = check(requirement, credentials, WAYS_NAMES).ways
    assert len({bundle_id for bundle_id, _ in ways}) == len(ways)
    for bundle_id, title in ways:
        assert title == WAYS_NAMES.certificates[bundle_id]
        gained = [*credentials, cert(bundle_id, standards=tuple(s for s, by in WAYS_NAMES.certified_by.items()
                                                               if bundle_id in by))]
        # Earning that certificate meets some part of the requirement that was not met before.
        assert any(is_met(part, gained) and not is_met(part, credentials)
                   for _, part in leaves(requirement)) or is_met(requirement, gained)
    if is_met(requirement, credentials):
        assert ways == ()


def test_ways_name_the_certificate_asked_for_and_each_certified_bundle_recording_a_standard():
    requirement = AllOf((HoldCertificate("induction"), AnyOf((MeetStandard("S-ONE"), HoldCertificate("core")))))
    assert check(requirement, [], WAYS_NAMES).ways == (
        ("induction", "Induction"), ("core", "Core management"), ("senior", "Senior management"))
    assert check(requirement, [cert("core")], WAYS_NAMES).ways == (("induction", "Induction"),)
    # A standard no certified bundle records has no way through to link; a certificate of an unknown bundle neither.
    assert check(AnyOf((MeetStandard("S-TWO"), HoldCertificate("gone"))), [], WAYS_NAMES).ways == ()
