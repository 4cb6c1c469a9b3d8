"""The guard: every route, asked with hostile path, query and form values by every role, never answers 5xx.

Each route of the app (its plugins' and its lean apps' included) is requested with out-of-range numbers,
non-ASCII text and overlong values: in each path value in turn (the others real), and in every query
and form field the app reads (the path real). Every role asks: visitors, each kind of signed-in person,
an API token holder for /api/, an LRS client for /xapi/. Tests run with TESTING on, so an exception
raised by a view reaches the test client and counts as a failure, as a 5xx answer does; every failure
is reported at once.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from sqlmodel import select
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash

import certificates.plugin
from certificates import signing
from certificates.models import Certificate
from lms import db
from lms.api_tokens import services as api_tokens
from lms.auth import passwords
from lms.auth.models import Role
from lms.auth.security import load_principal
from lms.lean import mounted_apps
from lms.learning import services as learning
from lms.notices.services import notify
from lms.xapi import clients
from tests.conftest import fixture_plugins
from tests.learning.conftest import finish_module
from tests.routes import ARGUMENT, variables

HOSTILE = (
    str(2**31),  # one past the largest id PostgreSQL's INTEGER columns hold
    str(2**63),  # one past SQLite's
    "-1",
    "1" + "0" * 30,  # a due day of 10^30
    "\u0661",  # ARABIC-INDIC DIGIT ONE: a digit to isdigit() and to int()
    "\u00b2",  # SUPERSCRIPT TWO: a digit to isdigit(), not to int()
    "\u00e9",
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\x00",
    "x" * 10_000,  # overlong
)
# A real value for each query and form field that has one (in a field tested, the others take these).
# The LRS's parameters have none: each is sent alone, as the only one, when it is the one tested.
REAL_FIELDS = {
    "page": "1", "action": "next", "q": "a", "next": "/", "target": "band-8a", "status": "overdue",
    "bundle": "certified", "bundle_id": "certified", "module_id": "alpha", "role": "learner", "kind": "nhs-trust",
    "email": "guard@example.org", "password": "guard-password-1", "name": "Guard Person", "emails": "",
    "current_password": "not-the-password", "new_password": "guard-password-2", "confirm": "guard-password-2",
    "due_day": "1", "due_month": "1", "due_year": str(date.today().year + 1), "reason": "Issued in error",
    # Cohorts: a decision, a directory entry, and a new cohort's form.
    "decision": "approve", "contact": "guard@example.org", "title": "Guard cohort", "place": "Guard place",
    "capacity": "10", "first_day": "1", "first_month": "1", "first_year": str(date.today().year + 1), "spacing": "7",
    "starts": "09:30", "ends": "16:30", "venue": "Guard venue", "online_link": "https://example.org/guard",
    "accessibility": "Step-free", "rule": "every", "percent": "80", "module": "alpha",
    # Evidence: an assessor's decision and a prior-learning request.
    "outcome": "refer", "feedback": "Say what changed.", "reason_code": "qualification", "evidence": "A diploma",
}
PAGE_ROLES = ("anonymous", "learner", "facilitator", "assessor", "accreditor", "org_admin", "platform_admin")
SECRET = "guard-lrs-secret"


@pytest.fixture(scope="module")
def signing_files(tmp_path_factory) -> tuple:  # noqa: ANN001
    return signing.keygen(tmp_path_factory.mktemp("keys"), "Guard issuer")


@pytest.fixture
def test_config(test_config, signing_files) -> dict:  # noqa: ANN001
    return {**test_config, "CERTIFICATE_SIGNING_P12": str(signing_files[0]), "CERTIFICATE_ISSUER_NAME": "Guard issuer"}


@pytest.fixture
def plugins():
    return fixture_plugins("certified", hook_objects=[certificates.plugin])


def _world(session, make_org, make_user) -> dict:  # noqa: ANN001
    """Someone of each role in one organisation; a learner part-way through a lesson; one certificate."""
    org = make_org()
    people = {role: make_user(org=org, roles=(Role(role),)) for role in PAGE_ROLES[1:]}
    learner = load_principal(session, people["learner"].id)
    learning.enrol(session, learner, learner.id, "certified")
    learning.submit_step(session, learner, "certified", "alpha", "lesson", "", {"action": ["next"], "page": ["1"]},
                         db.utcnow())
    holder = make_user(org=org)
    holder_principal = load_principal(session, holder.id)
    learning.enrol(session, holder_principal, holder.id, "certified")
    for module_id in ("alpha", "beta"):
        finish_module(session, holder_principal, "certified", module_id)
    token = api_tokens.create(session, "Guard HR system", organisation_code=org.code).secret
    client_row, _ = clients.create(session, None, "Guard LRS client", secret=SECRET)
    notice = notify(session, people["learner"].id, "guard.notice", subject="Guard", body="A message.",
                    dedupe_key="guard")
    cohort, sitting, booking = _cohort_world(session, org, people["learner"])
    db.commit()
    code = session.exec(select(Certificate.code)).first()
    assert code is not None
    return {
        "people": people,
        "valid": {"org_id": org.id, "user_id": people["learner"].id, "bundle_id": "certified", "module_id": "alpha",
                  "activity_id": "lesson", "step": "feedback", "code": code, "token": "no-such-token",
                  "filename": "nhsuk-frontend.min.css", "path": "lesson.md",
                  "notice_id": notice.id, "cohort_id": cohort.id, "session_id": sitting.id, "booking_id": booking.id,
                  "region_id": org.region_id, "file_id": "1", "submission_id": "1", "request_id": "1",
                  "review_id": "1", "assessor_id": str(people["assessor"].id)},
        "fields": {**REAL_FIELDS, "user": str(people["learner"].id), "person": str(people["learner"].id), "code": code,
                   "region_id": str(org.region_id), "organisation": str(org.id),
                   f"mark-{people['learner'].id}": "attended"},
        "headers": {
            "api_token": {"Authorization": f"Bearer {token}"},
            "lrs_client": {"Authorization": "Basic " + base64.b64encode(f"{client_row.key}:{SECRET}".encode()).decode(),
                           "X-Experience-API-Version": "1.0.3"},
        },
    }


def _cohort_world(session, org, learner) -> tuple:  # noqa: ANN001
    """A cohort of the organisation with a session today, the learner booked on it and an alum of its region."""
    from lms.cohorts.models import AlumniMembership, Booking, Cohort, CohortSession

    now = db.utcnow()
    cohort = Cohort(module_id="alpha", title="Guard cohort", region_id=org.region_id, organisation_id=org.id,
                    capacity=5, booking_closes_at=now + timedelta(days=10), cancel_by=now + timedelta(days=10))
    session.add(cohort)
    session.flush()
    sitting = CohortSession(cohort_id=cohort.id, title="Day 1", starts_at=now, ends_at=now + timedelta(hours=6))
    booking = Booking(cohort_id=cohort.id, user_id=learner.id, bundle_id="certified", status="booked")
    session.add_all([sitting, booking, AlumniMembership(user_id=learner.id, cohort_id=cohort.id,
                                                        region_id=org.region_id)])
    session.flush()
    return cohort, sitting, booking


def _all_rules(app) -> list[Rule]:  # noqa: ANN001
    """The main app's rules and every lean app's, each path and method set once."""
    seen, rules = set(), []
    for flask_app in (app, *mounted_apps(app)):
        for rule in flask_app.url_map.iter_rules():
            if (rule.rule, frozenset(rule.methods)) not in seen:
                seen.add((rule.rule, frozenset(rule.methods)))
                rules.append(rule)
    return rules


def test_the_guard_walks_plugin_routes_and_the_lean_apps_routes(app):  # noqa: ANN001
    walked = {rule.rule for rule in _all_rules(app)}
    lean = {rule.rule for lean_app in mounted_apps(app) for rule in lean_app.url_map.iter_rules()}
    assert {"/xapi/statements", "/api/v1/certificates/<code>"} <= lean <= walked
    assert {"/certificates/organisations/<id:org_id>", "/api/v1/people/<id:user_id>/eligibility"} <= walked


def _path(rule: Rule, values: dict[str, str]) -> str:
    return ARGUMENT.sub(lambda found: quote(values[found["name"]], safe=""), rule.rule)


def _valid(rule: Rule, real: dict) -> dict[str, str]:
    return {v.name: v.first_option if v.converter == "any" else str(real[v.name]) for v in variables(rule)}


class _Reads:
    """The names of the query and form fields the app has read (present or not) since it was last emptied."""

    names: set[str] = set()


class _RecordingDict(dict):
    """What ``to_dict`` gives (a lesson reads the page from it), noting each name read."""

    def get(self, key, default=None):  # noqa: ANN001, ANN201
        _Reads.names.add(key)
        return super().get(key, default)

    def __getitem__(self, key):  # noqa: ANN001, ANN204
        _Reads.names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:  # noqa: ANN001
        _Reads.names.add(key)
        return super().__contains__(key)


class _Recording:
    """Mixed into the app's own kind of query and form values: notes each name read (``get`` goes through
    ``__getitem__``)."""

    def __getitem__(self, key):  # noqa: ANN001, ANN204
        _Reads.names.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):  # noqa: ANN001, A002, ANN201
        _Reads.names.add(key)
        return super().getlist(key, type)

    def __contains__(self, key) -> bool:  # noqa: ANN001
        _Reads.names.add(key)
        return super().__contains__(key)

    def to_dict(self, flat: bool = True) -> dict:
        return _RecordingDict(super().to_dict(flat))


def _record_reads(app) -> None:  # noqa: ANN001
    for flask_app in (app, *mounted_apps(app)):
        request_class = flask_app.request_class
        values = type("RecordingValues", (_Recording, request_class.parameter_storage_class), {})
        flask_app.request_class = type("RecordingRequest", (request_class,), {"parameter_storage_class": values})


def _path_variants(rule: Rule, real: dict) -> Iterator[str]:
    """Each path value hostile in turn, the others real."""
    valid = _valid(rule, real)
    for name in valid:
        for value in HOSTILE:
            yield _path(rule, {**valid, name: value})


def _field_variants(read: set[str], fields: dict[str, str]) -> Iterator[dict[str, str]]:
    """Each field read hostile in turn, the others read that have a real value real."""
    real = {name: fields[name] for name in read if name in fields}
    for name in sorted(read):
        for value in HOSTILE:
            yield {**real, name: value}


def _roles_for(rule: Rule) -> tuple[str, ...]:
    if rule.rule.startswith("/xapi"):
        return ("anonymous", "lrs_client")
    if rule.rule.startswith("/api/"):
        return ("anonymous", "learner", "api_token")
    return PAGE_ROLES


def _sign_in(client, person) -> None:  # noqa: ANN001
    with client.session_transaction() as cookie_session:
        cookie_session.clear()
        if person is not None:
            cookie_session["_user_id"] = load_principal(db.session(), person.id).get_id()


@pytest.mark.parametrize(("method", "path", "fields"), [
    ("POST", "/sign-in", {"email": "jo\x00@example.org", "password": "a password"}),
    ("GET", "/sign-in", {"next": "/\x00"}),
    ("GET", "/admin/organisations/{org}/people", {"q": "\x00"}),
])
def test_a_nul_character_is_refused_with_a_clear_400(app, client, make_org, make_user, login_as,  # noqa: ANN001
                                                     method, path, fields):
    """PostgreSQL's text cannot hold NUL: a sign-in address or search with one was a 500 there."""
    org = make_org()
    if "{org}" in path:
        login_as(make_user(org=org, roles=(Role.ORG_ADMIN,)))
    response = client.open(path.format(org=org.id), method=method, query_string=fields if method == "GET" else None,
                           data=fields if method == "POST" else None)
    assert response.status_code == 400 and "cannot contain the NUL character" in response.get_data(as_text=True)


@pytest.fixture
def cheap_unknown_accounts(monkeypatch):  # noqa: ANN001
    """A sign-in for an unknown address checks a dummy hash as slow as a real one (scrypt, a tenth of a second):
    the guard sends hundreds, none for a real account, so here the dummy is a cheap one."""
    monkeypatch.setattr(passwords, "_DUMMY_HASH", generate_password_hash("dummy", method="pbkdf2:sha256:1"))


@pytest.mark.parametrize("part", ["pages", "xapi"])
def test_no_route_answers_hostile_values_with_a_server_error(app, client, session, make_org, make_user,  # noqa: ANN001
                                                              cheap_unknown_accounts, part: str):
    world = _world(session, make_org, make_user)
    _record_reads(app)
    failures = []

    def ask(role: str, method: str, path: str, fields: dict, headers: dict) -> None:
        where = f"{role} {method} {path[:80]}{'…' if len(path) > 80 else ''} {str(fields)[:80]}"
        try:
            response = client.open(path, method=method, headers=headers, query_string=fields,
                                   data=fields if method == "POST" else None)
        except Exception as error:  # noqa: BLE001  (every failure is reported, not just the first)
            failures.append(f"{where}: raised {type(error).__name__}: {str(error)[:160]}")
            db.rollback()
            return
        response.close()
        if response.status_code >= 500:
            failures.append(f"{where}: {response.status_code}")

    rules = [rule for rule in _all_rules(app) if rule.rule.startswith("/xapi") == (part == "xapi")]
    assert rules
    for rule in rules:
        real_path = _path(rule, _valid(rule, world["valid"]))
        for role in _roles_for(rule):
            headers = world["headers"].get(role, {})
            for method in [m for m in ("GET", "POST") if m in rule.methods]:
                _sign_in(client, world["people"].get(role))  # a POST may have signed the person out
                # Which fields this route reads for this role: a field read may lead to others (a lesson reads
                # the page only once the action is right), so ask again with real values until nothing new is read.
                read: set[str] = set()
                for _ in range(3):
                    _Reads.names = set()
                    ask(role, method, real_path, {n: world["fields"][n] for n in read if n in world["fields"]}, headers)
                    if _Reads.names <= read:
                        break
                    read |= _Reads.names
                for path in _path_variants(rule, world["valid"]):
                    ask(role, method, path, {}, headers)
                for fields in _field_variants(read, world["fields"]):
                    ask(role, method, real_path, fields, headers)
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures)
