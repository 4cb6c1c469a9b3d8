"""Forwarding through the outbox to a real second LRS process: batches, retries with back-off,
remote down / failing / slow / losing replies, refusals, crashed workers, and no duplicates.

The worker is driven step by step (``run_once``) with a clock the test moves: nothing sleeps.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from lms import db
from lms.xapi import outbox
from lms.xapi.forwarding import Transport, Worker
from lms.xapi.models import XapiOutbox
from tests.xapi.conftest import new_id, statement
from tests.xapi.faulty import ERROR_500, FORWARD, HANG, LOSE_REPLY, FaultyProxy
from tests.xapi.remote_lrs import RemoteLrs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def remote(tmp_path_factory):  # noqa: ANN001, ANN201
    lrs = RemoteLrs(free_port(), tmp_path_factory.mktemp("remote-lrs")).start()
    yield lrs
    lrs.stop()


@pytest.fixture
def proxy(remote):  # noqa: ANN001, ANN201
    with FaultyProxy(remote.port) as running:
        yield running


@pytest.fixture
def test_config(test_config, proxy):  # noqa: ANN001
    return {**test_config, "XAPI_FORWARD_URL": f"http://127.0.0.1:{proxy.port}/xapi",
            "XAPI_FORWARD_KEY": "forwarder", "XAPI_FORWARD_SECRET": "forwarder-secret", "XAPI_FORWARD_BATCH": 3}


class Clock:
    def __init__(self) -> None:
        # Statements are queued as due at the real time they are stored; the test's time runs later.
        self.now = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:  # noqa: ANN003
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(app, clock):  # noqa: ANN001, ANN201
    made = Worker.from_config(app.config, clock=clock, name="worker-a", first_retry=timedelta(seconds=10),
                              longest_retry=timedelta(minutes=5), lease=timedelta(minutes=2))
    made.transport.timeout = 30  # generous: the machine running the tests may be busy
    yield made
    made.transport.close()


def queued() -> dict:
    return outbox.counts(db.engine())


def rows() -> list:
    with db.engine().connect() as conn:
        return conn.execute(select(XapiOutbox.__table__).order_by(XapiOutbox.__table__.c.id)).all()


def test_statements_reach_the_remote_in_batches_and_leave_the_outbox(lrs, remote, worker, proxy):  # noqa: ANN001
    ids = lrs.store(*[statement() for _ in range(4)])
    assert queued() == {"queued": 4, "failed": 0}
    first = worker.run_once()
    assert (first.claimed, first.sent) == (3, 3)
    assert worker.run_once().sent == 1
    assert worker.run_once().claimed == 0
    assert queued() == {"queued": 0, "failed": 0}
    held = set(remote.statement_ids())
    assert set(ids) <= held
    assert [method for method, _ in proxy.requests] == ["POST", "POST"]


def test_nothing_is_queued_without_a_forwarding_url(app, lrs):  # noqa: ANN001
    app.config["XAPI_FORWARD_URL"] = ""
    lrs.store(statement())
    assert queued() == {"queued": 0, "failed": 0}


def test_remote_down_retries_with_doubling_back_off(app, lrs, remote, worker, clock):  # noqa: ANN001
    (statement_id,) = lrs.store(statement())
    live = worker.transport
    worker.transport = Transport(f"http://127.0.0.1:{free_port()}/xapi", "forwarder", "forwarder-secret", 5)
    assert worker.run_once().retried == 1
    (row,) = rows()
    assert (row.attempts, row.next_attempt_at, row.claimed_by) == (1, clock.now + timedelta(seconds=10), None)
    assert "no answer" in row.last_error
    assert worker.run_once().claimed == 0  # not due yet
    clock.advance(seconds=10)
    assert worker.run_once().retried == 1
    assert rows()[0].next_attempt_at == clock.now + timedelta(seconds=20)
    clock.advance(seconds=20)
    worker.transport = live
    assert worker.run_once().sent == 1
    assert remote.statement_ids().count(statement_id) == 1


def test_back_off_is_capped(lrs, worker, proxy, clock):  # noqa: ANN001
    lrs.store(statement())
    proxy.mode = ERROR_500
    for _ in range(8):
        worker.run_once()
        clock.advance(minutes=10)
    assert rows()[0].next_attempt_at - (clock.now - timedelta(minutes=10)) == timedelta(minutes=5)


def test_a_failing_remote_is_retried_until_it_recovers(lrs, remote, worker, proxy, clock):  # noqa: ANN001
    ids = lrs.store(statement(), statement())
    proxy.mode = ERROR_500
    assert worker.run_once().retried == 2
    assert "HTTP 500" in rows()[0].last_error
    proxy.mode = FORWARD
    clock.advance(seconds=10)
    assert worker.run_once().sent == 2
    assert set(ids) <= set(remote.statement_ids())


def test_a_slow_remote_times_out_and_is_retried(lrs, remote, worker, proxy, clock):  # noqa: ANN001
    (statement_id,) = lrs.store(statement())
    proxy.mode = HANG
    worker.transport.timeout = 1  # how long this test waits for the answer that never comes
    report = worker.run_once()
    assert report.retried == 1
    assert "timed out" in rows()[0].last_error
    proxy.mode = FORWARD
    worker.transport.timeout = 30
    clock.advance(seconds=10)
    assert worker.run_once().sent == 1
    assert remote.statement_ids().count(statement_id) == 1


def test_a_lost_reply_is_resent_without_a_duplicate(lrs, remote, worker, proxy, clock):  # noqa: ANN001
    """The remote stored the batch but the answer never arrived: sending again is harmless."""
    ids = lrs.store(statement(), statement())
    proxy.mode = LOSE_REPLY
    assert worker.run_once().retried == 2
    assert set(ids) <= set(remote.statement_ids())  # it did arrive
    proxy.mode = FORWARD
    clock.advance(seconds=10)
    assert worker.run_once().sent == 2
    held = remote.statement_ids()
    assert all(held.count(i) == 1 for i in ids)
    assert queued() == {"queued": 0, "failed": 0}


def test_a_refused_statement_is_set_aside_and_the_rest_delivered(lrs, remote, worker, proxy):  # noqa: ANN001
    clash = new_id()
    assert remote.request("PUT", f"/statements?statementId={clash}", statement(verb={"id": "https://x.org/other"}))[0] == 204
    good, same = new_id(), new_id()
    already = statement(timestamp="2026-03-07T09:00:00.000Z")  # the remote holds this one already
    assert remote.request("PUT", f"/statements?statementId={same}", already)[0] == 204
    lrs.store(statement(id=good), statement(id=clash), dict(already, id=same))
    report = worker.run_once()
    assert (report.sent, report.failed) == (2, 1)
    assert [m for m, _ in proxy.requests][:2] == ["POST", "PUT"]
    assert queued() == {"queued": 0, "failed": 1}
    (row,) = rows()
    assert row.failed and "409" in row.last_error
    assert worker.run_once().claimed == 0  # given up rows are not retried
    assert good in remote.statement_ids()


def test_a_crashed_workers_claim_returns_after_its_lease(app, lrs, remote, worker, clock):  # noqa: ANN001
    ids = lrs.store(statement(), statement())
    claimed = outbox.claim(db.engine(), "crashed-worker", clock(), timedelta(minutes=2), 10)
    assert len(claimed) == 2
    assert worker.run_once().claimed == 0  # still leased to the crashed worker
    clock.advance(minutes=2, seconds=1)
    assert worker.run_once().sent == 2
    outbox.delivered(db.engine(), "crashed-worker", [c.outbox_id for c in claimed])  # too late: nothing left
    assert set(ids) <= set(remote.statement_ids())


def test_two_workers_take_different_statements(app, lrs, clock):  # noqa: ANN001
    lrs.store(*[statement() for _ in range(5)])
    first = outbox.claim(db.engine(), "one", clock(), timedelta(minutes=2), 3)
    second = outbox.claim(db.engine(), "two", clock(), timedelta(minutes=2), 3)
    assert len(first) == 3 and len(second) == 2
    assert not {c.outbox_id for c in first} & {c.outbox_id for c in second}


def test_a_worker_only_finishes_rows_it_still_holds(app, lrs, clock):  # noqa: ANN001
    lrs.store(statement())
    (mine,) = outbox.claim(db.engine(), "one", clock(), timedelta(minutes=2), 10)
    with db.engine().begin() as conn:  # the lease passed to another worker meanwhile
        conn.execute(update(XapiOutbox.__table__).values(claimed_by="two"))
    outbox.delivered(db.engine(), "one", [mine.outbox_id])
    assert queued() == {"queued": 1, "failed": 0}


def test_statements_with_attachments_are_forwarded_as_multipart(lrs, remote, worker):  # noqa: ANN001
    from tests.xapi.test_attachments import TEXT, attachment, body, part, post_multipart

    response = post_multipart(lrs, body(statement(attachments=[attachment(TEXT)]), part(TEXT)))
    (statement_id,) = response.get_json()
    assert worker.run_once().sent == 1
    assert statement_id in remote.statement_ids()


def test_the_worker_command_refuses_without_a_url(app):  # noqa: ANN001
    from lms.xapi.cli import worker_command

    app.config["XAPI_FORWARD_URL"] = ""
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code != 0
    assert "XAPI_FORWARD_URL" in result.output


def test_the_worker_command_sends_once(app, lrs, remote):  # noqa: ANN001
    from lms.xapi.cli import worker_command

    (statement_id,) = lrs.store(statement())
    result = app.test_cli_runner().invoke(worker_command, ["--once"])
    assert result.exit_code == 0, result.output
    assert "Forwarded 1 statements" in result.output
    assert statement_id in remote.statement_ids()


def test_concurrent_claims_never_overlap(app, lrs, clock):  # noqa: ANN001
    """Workers racing for the outbox (SKIP LOCKED on PostgreSQL, the write lock on SQLite)."""
    import threading

    lrs.store(*[statement() for _ in range(40)])
    engine = db.engine()
    taken: dict[str, list[int]] = {}
    failures: list[BaseException] = []

    def drain(name: str) -> None:
        mine = taken.setdefault(name, [])
        try:
            while batch := outbox.claim(engine, name, clock(), timedelta(minutes=2), 3):
                mine += [c.outbox_id for c in batch]
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            failures.append(exc)

    threads = [threading.Thread(target=drain, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    every = [outbox_id for ids in taken.values() for outbox_id in ids]
    assert len(every) == len(set(every)) == 40


def test_run_forever_keeps_going_after_errors_and_stops_when_asked(app, lrs, remote, worker):  # noqa: ANN001
    import signal

    (statement_id,) = lrs.store(statement())
    steps: list[str] = []
    real_step = worker.run_once

    def step():  # noqa: ANN202
        steps.append("step")
        if len(steps) == 1:
            raise RuntimeError("the database went away")  # logged; the worker carries on
        report = real_step()
        worker.stopping.set()
        return report

    worker.run_once = step
    worker.idle_seconds = 0
    before = signal.getsignal(signal.SIGTERM)
    worker.run_forever()
    assert steps == ["step", "step"]
    assert statement_id in remote.statement_ids()
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_outbox_command_shows_and_requeues_refusals(app, lrs, remote, worker):  # noqa: ANN001
    from lms.xapi.cli import xapi_group

    clash = new_id()
    remote.request("PUT", f"/statements?statementId={clash}", statement(verb={"id": "https://x.org/other"}))
    lrs.store(statement(id=clash))
    worker.run_once()
    shown = app.test_cli_runner().invoke(xapi_group, ["outbox"])
    assert "queued: 0\nrefused: 1" in shown.output and "HTTP 409" in shown.output
    again = app.test_cli_runner().invoke(xapi_group, ["outbox", "--retry-failed"])
    assert "Queued 1 refused statements again" in again.output and "queued: 1\nrefused: 0" in again.output
