"""Sign-in attempts are limited per client address and failures per account; both are audited; limits answer 429."""

from __future__ import annotations

import limits.storage.memory
import pytest
from sqlmodel import select

from lms import db
from lms.audit.models import AuditEvent
from lms.auth import throttle
from lms.auth.models import Role
from lms.orgs.models import Organisation
from lms.testing import PASSWORD


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


# --- per account ---------------------------------------------------------------------------------


class Clock:
    """The clock the limits in memory read (``time.time`` through their module's ``time``), moved by hand."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:  # noqa: ANN001
    moved = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", moved)
    monkeypatch.setattr(throttle, "time", moved)
    return moved


GUESS = "a guess at jo's password"


def spread(client, count: int, first: int = 0, password: str = GUESS) -> list[int]:  # noqa: ANN001
    """Attempts at jo's account, each from a client address of its own."""
    return [attempt(client, f"10.1.{n // 250}.{n % 250 + 1}", password).status_code
            for n in range(first, first + count)]


def audit_rows(session) -> list[tuple[str, str, dict]]:  # noqa: ANN001
    db.rollback()
    return [(e.action, e.target, e.detail) for e in session.exec(select(AuditEvent).where(
        AuditEvent.action.startswith("sign_in.")).order_by(AuditEvent.id))]


def test_spread_failures_make_the_account_wait_a_short_while(client, make_user, clock):  # noqa: ANN001
    make_user(email="jo@example.org")
    db.commit()
    assert spread(client, 25) == [400] * 5 + [429] * 20
    refused = attempt(client, "192.0.2.77", PASSWORD)  # the right password, from an address never seen, waits too
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    page = refused.get_data(as_text=True)
    assert "too many failed attempts to sign in to this account. Wait a minute, then try again." in page
    clock.advance(61)
    assert attempt(client, "192.0.2.78", PASSWORD).status_code == 302


def test_the_wait_grows_with_more_failures_up_to_five_minutes(client, make_user, clock):  # noqa: ANN001
    make_user(email="jo@example.org")
    db.commit()
    assert spread(client, 6) == [400] * 5 + [429]
    clock.advance(61)
    assert spread(client, 6, first=6) == [400] * 5 + [429]
    waiting = attempt(client, "192.0.2.1", PASSWORD)
    assert waiting.status_code == 429 and 180 < int(waiting.headers["Retry-After"]) <= 300
    assert "Wait 4 minutes" in waiting.get_data(as_text=True)
    clock.advance(61)
    assert attempt(client, "192.0.2.2", PASSWORD).status_code == 429  # the five-minute window is not out yet
    clock.advance(180)
    assert attempt(client, "192.0.2.3", PASSWORD).status_code == 302  # never longer than the longest window


def test_a_successful_sign_in_forgets_the_failures(client, make_user, clock):  # noqa: ANN001
    make_user(email="jo@example.org")
    db.commit()
    assert spread(client, 4) == [400] * 4
    assert attempt(client, "192.0.2.1", PASSWORD).status_code == 302
    client.post("/sign-out")
    assert spread(client, 6, first=4) == [400] * 5 + [429]


def test_each_account_has_its_own_count(client, make_user, clock):  # noqa: ANN001
    make_user(email="jo@example.org")
    make_user(email="sam@example.org")
    db.commit()
    assert spread(client, 6) == [400] * 5 + [429]
    other = client.post("/sign-in", data={"email": "SAM@example.org", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 302


def test_failures_and_refusals_are_audited_without_the_password(client, session, make_user, clock):  # noqa: ANN001
    jo = make_user(email="jo@example.org")
    db.commit()
    spread(client, 5)
    spread(client, 3, first=5)  # refused for the account: one row a minute for the account
    client.post("/sign-in", data={"email": "nobody@example.org", "password": "a guess"},
                environ_base={"REMOTE_ADDR": "10.9.9.9"})
    for _ in range(4):  # refused for the account, and the fourth for the address (three a minute)
        attempt(client, "10.7.7.7", GUESS)
    rows = audit_rows(session)
    failed = [row for row in rows if row[0] == "sign_in.failed"]
    assert failed[:5] == [("sign_in.failed", f"user:{jo.id}", {"email": "jo@example.org", "address": f"10.1.0.{n}",
                                                                 "reason": "wrong password"}) for n in range(1, 6)]
    assert ("sign_in.failed", "sign-in", {"email": "nobody@example.org", "address": "10.9.9.9",
                                           "reason": "no account has this address"}) in failed
    refused = [row for row in rows if row[0] == "sign_in.refused"]
    assert [(row[2]["address"], row[2]["reason"]) for row in refused] == [
        ("10.1.0.6", "too many failed sign-ins for this account"),
        ("10.7.7.7", "too many sign-ins from this client address")]
    clock.advance(61)
    assert spread(client, 6, first=20) == [400] * 5 + [429]  # a minute later: refused again, a new row
    assert audit_rows(session)[-1][2] == {"email": "jo@example.org", "address": "10.1.0.26",
                                          "reason": "too many failed sign-ins for this account"}
    assert not any(secret in str(rows) for secret in (GUESS, "a guess", PASSWORD))
    assert all(e.organisation_id == jo.organisation_id for e in session.exec(
        select(AuditEvent).where(AuditEvent.target == f"user:{jo.id}")))


def test_the_audit_page_shows_who_tried_to_sign_in_from_where_and_why(  # noqa: ANN201
        client, session, make_user, login_as, clock):  # noqa: ANN001
    jo = make_user(email="jo@example.org")
    org = session.get(Organisation, jo.organisation_id)
    admin = make_user(email="admin@example.org", roles=(Role.ORG_ADMIN,), org=org)
    db.commit()
    attempt(client, "10.1.0.1")
    login_as(admin)
    page = client.get(f"/admin/organisations/{jo.organisation_id}/audit").get_data(as_text=True)
    assert "Someone signing in" in page and "sign_in.failed" in page and f"user:{jo.id}" in page
    assert "address: 10.1.0.1; email: jo@example.org; reason: wrong password" in page
