"""LRS credentials are checked before any lock is taken, a verified credential costs no slow hash again, and
failed checks are rate-limited and audited (issue 19, defect 3)."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest
from flask import g
from sqlmodel import select

from lms import db
from lms.audit.models import AuditEvent
from lms.xapi import clients
from tests.xapi.conftest import Lrs, basic, statement, stored


def writers_lock_free() -> bool:
    """Whether the LRS's SQLite writers' turn is free (flock: another open file of this process conflicts too)."""
    path = db.engine().url.database + "-lrs-writers.lock"
    if not os.path.exists(path):
        return True
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing releases the lock if it was taken here
    return True


@pytest.fixture
def hashes(monkeypatch):  # noqa: ANN001, ANN201
    """The secrets the slow hash checked, in order (it still runs)."""
    checked: list[str] = []
    real = clients.check_password_hash

    def counting(stored_hash: str, secret: str) -> bool:
        checked.append(secret)
        return real(stored_hash, secret)

    monkeypatch.setattr(clients, "check_password_hash", counting)
    return checked


def test_a_wrong_secret_being_hashed_holds_no_lock_and_a_writer_goes_ahead(app, client, lrs, make_lrs_client,
                                                                           monkeypatch):  # noqa: ANN001
    lrs.store(statement())  # the writer's credentials are verified, as a busy client's are
    target = make_lrs_client()
    real = clients.check_password_hash
    during: dict = {}

    def slow_hash(stored_hash: str, secret: str) -> bool:
        if secret == "wrong":  # the attacker's request, mid-hash
            during["own transaction"] = "xapi_conn" in g
            during["writers' lock free"] = writers_lock_free()
            if not during["own transaction"] and during["writers' lock free"]:  # else the writer would wait for it
                writer = threading.Thread(target=lambda: during.setdefault("writer", app.test_client().post(
                    "/xapi/statements", json=statement(), headers=lrs.headers()).status_code))
                writer.start()
                writer.join(timeout=60)  # a bound on a failure, not a timing: it returns as soon as the write does
        return real(stored_hash, secret)

    monkeypatch.setattr(clients, "check_password_hash", slow_hash)
    refused = client.post("/xapi/statements", json=statement(),
                          headers={**lrs.headers(), "Authorization": basic(target, "wrong")})
    assert refused.status_code == 401
    assert during == {"own transaction": False, "writers' lock free": True, "writer": 200}
    assert stored()[0] == 2


def test_a_wrong_secret_does_not_cost_the_right_one_a_hash_again(client, make_lrs_client, hashes):  # noqa: ANN001
    key = make_lrs_client()
    good, bad = Lrs(client, key), Lrs(client, key)
    bad.headers = lambda extra=None: {"Authorization": basic(key, "wrong"), "X-Experience-API-Version": "1.0.3"}
    assert good.get().status_code == 200
    assert bad.get().status_code == 401
    assert good.get().status_code == 200
    assert bad.get().status_code == 401
    assert hashes == ["lrs-test-secret", "wrong", "wrong"]


def test_a_verified_credential_is_checked_again_by_its_row_not_by_a_hash(app, client, session, hashes):  # noqa: ANN001
    app.extensions["lms.xapi.clients"].ttl = 0  # every kept credential is due for a check at once
    clients.create(session, None, "Tool", key="tool", secret="first-secret")
    db.commit()
    first = {"Authorization": basic("tool", "first-secret"), "X-Experience-API-Version": "1.0.3"}
    assert [client.get("/xapi/statements", headers=first).status_code for _ in range(3)] == [200, 200, 200]
    assert hashes == ["first-secret"]
    clients.ensure(session, None, "Tool", "tool", "second-secret")  # a new secret: the old one no longer works
    db.commit()
    assert client.get("/xapi/statements", headers=first).status_code == 401
    second = {**first, "Authorization": basic("tool", "second-secret")}
    assert client.get("/xapi/statements", headers=second).status_code == 200
    clients.revoke(session, None, "tool")
    db.commit()
    assert client.get("/xapi/statements", headers=second).status_code == 401


def refusals(session) -> list[AuditEvent]:  # noqa: ANN001
    db.rollback()  # a fresh transaction sees what the requests committed
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == "xapi.client.refused").order_by(AuditEvent.id)))


def test_failed_checks_are_audited_though_the_request_is_rolled_back(client, session, make_lrs_client):  # noqa: ANN001
    key = make_lrs_client()
    revoked = make_lrs_client(active=False)
    client_id = session.exec(select(clients.XapiClient.id).where(clients.XapiClient.key == key)).one()
    db.rollback()  # the test's own transaction would hold SQLite's write lock
    for credentials in (basic(key, "wrong"), basic("nobody", "x"), basic(revoked)):
        answer = client.post("/xapi/statements", json=statement(), headers={
            "Authorization": credentials, "X-Experience-API-Version": "1.0.3"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert answer.status_code == 401
    events = refusals(session)
    assert [(e.target, e.detail["reason"], e.detail["key"], e.detail["address"]) for e in events] == [
        (f"xapi_client:{client_id}", "wrong secret", key, "10.1.2.3"),
        ("xapi_client:unknown", "unknown key", "nobody", "10.1.2.3"),
        (events[2].target, "revoked", revoked, "10.1.2.3")]
    assert events[2].target != "xapi_client:unknown" and all(e.actor_id is None for e in events)
    assert stored() == (0, 0)


class TestLimits:
    @pytest.fixture
    def test_config(self, test_config):  # noqa: ANN001
        return {**test_config, "RATELIMIT_ENABLED": True, "XAPI_AUTH_RATE_LIMIT": "3 per minute",
                "XAPI_AUTH_KEY_RATE_LIMIT": "4 per minute"}

    @staticmethod
    def attempt(client, credentials: str, address: str = "10.0.0.1"):  # noqa: ANN001, ANN205
        return client.get("/xapi/statements", headers={"Authorization": credentials, "X-Experience-API-Version": "1.0.3"},
                          environ_base={"REMOTE_ADDR": address})

    def test_failed_checks_per_address_are_limited_before_any_hash(self, client, session, make_lrs_client,
                                                                  hashes):  # noqa: ANN001
        good = basic(make_lrs_client())
        assert self.attempt(client, good).status_code == 200  # a full check counts once
        answers = [self.attempt(client, basic("nobody", "x")), self.attempt(client, basic(make_lrs_client(), "x")),
                   self.attempt(client, basic(make_lrs_client(), "y"))]
        assert [a.status_code for a in answers] == [401, 401, 429]
        assert int(answers[2].headers["Retry-After"]) >= 1 and "from this address" in answers[2].get_json()["error"]
        assert hashes == ["lrs-test-secret", "x"]  # the refused attempt cost no hash
        assert self.attempt(client, good).status_code == 200  # verified credentials are not held up
        assert self.attempt(client, basic("nobody", "x"), "10.0.0.2").status_code == 401  # nor other addresses
        assert len(refusals(session)) == 3  # each failure within the limit, not the refusals past it

    def test_failed_checks_of_one_key_are_limited_from_any_address(self, client, make_lrs_client):  # noqa: ANN001
        key = make_lrs_client()
        answers = [self.attempt(client, basic(key, "wrong"), f"10.0.1.{n}").status_code for n in range(6)]
        assert answers == [401, 401, 401, 401, 429, 429]
        limited = self.attempt(client, basic(key, "wrong"), "10.0.2.1")
        assert "with this client key" in limited.get_json()["error"]
        assert self.attempt(client, basic(make_lrs_client()), "10.0.2.1").status_code == 200  # other keys are not
