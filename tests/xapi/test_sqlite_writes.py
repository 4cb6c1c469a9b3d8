"""SQLite LRS writers: checkpoints sized to what commits write, and a log that starts again from its beginning."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest
from sqlalchemy import text

from lms.db import make_engine
from lms.xapi import sqlite_writes
from lms.xapi.sqlite_writes import CHECKPOINT_EVERY, LOG_PAGES, SqliteWriters


@pytest.fixture
def writers(tmp_path):  # noqa: ANN001, ANN201
    main = make_engine(f"sqlite:///{tmp_path / 'lrs.sqlite3'}")
    with main.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
    yield SqliteWriters(main)
    main.dispose()


def write(writers: SqliteWriters, rows: int = 20) -> None:
    """One LRS-style write: take the turn, insert, commit, give the turn back."""
    writers.acquire()
    try:
        with writers.engine.begin() as conn:
            conn.execute(text("INSERT INTO t (body) VALUES (:body)"), [{"body": "x" * 3000}] * rows)
    finally:
        writers.release()


def log_pages(writers: SqliteWriters) -> int:
    raw = sqlite3.connect(writers.database, isolation_level=None)
    try:
        return raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    finally:
        raw.close()


@pytest.mark.parametrize(("every", "log_pages", "expected"), [
    (500, LOG_PAGES * 10, 50),  # batches: ten times the wanted log, so a tenth of the commits
    (50, LOG_PAGES * 1000, 10),  # never below ten commits
    (10, LOG_PAGES // 100, CHECKPOINT_EVERY),  # small commits: back up to the longest interval
    (100, 0, CHECKPOINT_EVERY),  # an empty log
])
def test_the_interval_follows_what_the_log_held(every, log_pages, expected):
    assert sqlite_writes._next_interval(every, log_pages) == expected


def test_a_checkpoint_copies_the_whole_log_holding_the_writers_off_for_the_last_step(writers, monkeypatch):
    for _ in range(5):
        write(writers)
    # A request reading an older snapshot keeps the unlocked first step from copying what a writer adds meanwhile,
    # as writers appending during that step do under load; it has finished by the locked step.
    reader = sqlite3.connect(writers.database, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    write(writers)
    interval = sqlite_writes._next_interval
    monkeypatch.setattr(sqlite_writes, "_next_interval", lambda *a: (reader.execute("COMMIT"), interval(*a))[1])
    turns = []
    acquire, release = writers.acquire, writers.release
    monkeypatch.setattr(writers, "acquire", lambda: (turns.append("acquire"), acquire())[1])
    monkeypatch.setattr(writers, "release", lambda: (turns.append("release"), release())[1])
    synced = []
    fdatasync = sqlite_writes.os.fdatasync
    monkeypatch.setattr(sqlite_writes.os, "fdatasync",
                        lambda fd: (turns.append("sync"), synced.append(os.readlink(f"/proc/self/fd/{fd}")), fdatasync(fd)))
    writers._checkpointing.acquire()  # as after_release does before starting the thread
    writers._checkpoint()
    reader.close()
    # What the unlocked step copied is synced before the writers are held off, not while they wait.
    assert turns == ["sync", "acquire", "release"]
    assert synced == [writers.database]
    write(writers, rows=1)
    assert log_pages(writers) < 10  # the log started again, not appended after the earlier hundreds of pages


@pytest.mark.parametrize(("results", "rounds", "first"), [
    ([(0, 40_000, 40_000), (0, 52_000, 52_000), (0, 53_500, 53_500)], 3, 40_000),  # until writers add little
    ([(0, 1_500, 1_500)], 1, 1_500),  # a short log: one round
    ([(0, n * 10_000, n * 10_000) for n in range(1, 20)], sqlite_writes.PASSIVE_ROUNDS, 10_000),  # bounded
    ([(1, -1, -1)], 1, -1),  # another process is checkpointing
])
def test_unlocked_rounds_repeat_while_writers_add_much_meanwhile(results, rounds, first):
    calls = iter(results)
    ran = []
    assert sqlite_writes._copy_unlocked(lambda: (ran.append(1), next(calls))[1]) == first
    assert len(ran) == rounds


def test_commits_start_a_checkpoint_once_the_interval_is_reached(writers, monkeypatch):
    started = threading.Event()
    monkeypatch.setattr(writers, "_checkpoint", lambda: (started.set(), writers._checkpointing.release()))
    writers.every = 3
    with writers.engine.connect() as conn:
        writers.after_release(conn)
        writers.after_release(conn)
        assert not started.is_set()
        writers.after_release(conn)
    assert started.wait(timeout=10)
    assert writers._commits == 0


def test_a_long_reader_holds_the_writers_off_only_briefly(writers):
    for _ in range(3):
        write(writers)
    reader = sqlite3.connect(writers.database, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    write(writers)  # the reader's snapshot predates this, so the log cannot be copied to its end
    try:
        writers._checkpointing.acquire()
        finished = threading.Event()
        threading.Thread(target=lambda: (writers._checkpoint(), finished.set()), daemon=True).start()
        # RESTART gives up after RESTART_WAIT_MS (not the 30 s connection timeout) and lets the writers go.
        assert finished.wait(timeout=5)
        write(writers, rows=1)
    finally:
        reader.close()
