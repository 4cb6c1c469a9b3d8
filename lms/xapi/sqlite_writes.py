"""SQLite writers of the LRS: taking turns without polling, and checkpoints kept off the write lock.

Two things make many small SQLite write transactions slow from several processes, and both
happen while the writer holds the database's one write lock, so every other writer waits too:

- SQLite's busy handler polls with sleeps of 1, 2, 5, 10 ms and more, so a waiting writer sleeps
  far longer than the lock is held. Writers here first queue on a lock file with a blocking
  flock(), which wakes the next one the moment the previous one is done (threads of one process
  queue on a mutex first, flock being per process). Other writers (the main app's) still meet the
  ordinary busy timeout, so nothing can deadlock.
- The commit that takes the write-ahead log past 1000 pages runs a checkpoint: it copies the log
  into the database and fsyncs it, tens of milliseconds inside the lock. The LRS writes through an
  engine of its own whose connections never checkpoint on commit; instead, every
  ``CHECKPOINT_EVERY`` commits (fewer when commits are large) a process starts a PASSIVE checkpoint
  in a thread of its own (the sqlite3 module releases the GIL), which needs no write lock, so requests
  and other writers carry on meanwhile, repeated while writers add much meanwhile, and syncs the
  database file; then, with the LRS's writers held off for the short rest, a RESTART checkpoint, so
  the log starts again from its beginning. (The main app's connections keep SQLite's default.)
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Callable

from sqlalchemy import Connection, Engine, event

from lms.db import KeptConnections, make_engine

log = logging.getLogger(__name__)
# A statement's commit writes some ten log pages; the longer the interval, the more of them are
# the same page written again, which a checkpoint copies only once. Batches write far more pages per
# commit, so the interval shrinks until a checkpoint finds about LOG_PAGES in the log (disk kept bounded).
CHECKPOINT_EVERY = 500
LOG_PAGES = 50_000
RESTART_WAIT_MS = 200
# Unlocked rounds stop once writers added no more than this meanwhile (what the locked step copies).
SMALL_REST_PAGES = 2_000
PASSIVE_ROUNDS = 6
MMAP_BYTES = 1 << 30


def _next_interval(every: int, log_pages: int) -> int:
    """Commits until the next checkpoint, scaled so the log holds about LOG_PAGES when it runs."""
    return max(10, min(CHECKPOINT_EVERY, every * LOG_PAGES // max(log_pages, 1)))


def _copy_unlocked(passive: Callable[[], tuple[int, int, int]]) -> int:
    """PASSIVE checkpoints until the writers add little meanwhile (at most PASSIVE_ROUNDS); returns the
    log's size at the first, in pages. ``passive`` runs one and gives SQLite's (busy, log, copied)."""
    sizes = []
    for _round in range(PASSIVE_ROUNDS):
        _busy, log_pages, _copied = passive()
        if log_pages < 0:  # not in WAL mode, or another process is checkpointing
            break
        sizes.append(log_pages)
        if log_pages - (sizes[-2] if len(sizes) > 1 else 0) <= SMALL_REST_PAGES:
            break
    return sizes[0] if sizes else -1


class SqliteWriters:
    """Write coordination for one SQLite database file, with the LRS's own writing engine."""

    def __init__(self, main: Engine):
        self.database = main.url.database
        self.lock_path = main.url.database + "-lrs-writers.lock"
        self._commits = 0  # since the last checkpoint began
        self.every = 10  # grows once the first checkpoint shows how much a commit writes
        self._checkpointing = threading.Lock()
        self.engine = make_engine(main.url.render_as_string(hide_password=False)).execution_options(
            sqlite_immediate=True)

        @event.listens_for(self.engine, "connect")
        def _writer_settings(dbapi_conn, _record) -> None:  # noqa: ANN001
            dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")
            # Read pages through a memory map: another process's commit invalidates this
            # connection's page cache, and re-reading the index pages it needs through the shared
            # mapping costs no system calls.
            dbapi_conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")

        self.kept = KeptConnections()  # this engine's connections, from one request to the next
        # Its connections go when the app's engine is disposed (tests build and drop many apps).
        event.listen(main, "engine_disposed", lambda _engine: (self.kept.drop(), self.engine.dispose()))
        self._mutex = threading.Lock()
        self._fd: int | None = None

    def acquire(self) -> None:
        self._mutex.acquire()
        try:
            if self._fd is None:
                self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._mutex.release()
            raise

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._mutex.release()

    def after_release(self, conn: Connection) -> None:
        """Now and then, start a checkpoint beside the requests (one at a time per process)."""
        self._commits += 1
        if self._commits >= self.every and self._checkpointing.acquire(blocking=False):
            self._commits = 0
            threading.Thread(target=self._checkpoint, name="sqlite-checkpoint", daemon=True).start()

    def _checkpoint(self) -> None:
        try:
            with sqlite3.connect(self.database, timeout=30, isolation_level=None) as raw:
                log_pages = _copy_unlocked(lambda: raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
                self.every = _next_interval(self.every, log_pages)
                # SQLite syncs the database file only when a checkpoint reaches the end of the log, which with
                # writers appending only the locked step does: it then synced every page copied unlocked, with
                # the writers held off (0.3 to 2 s at a million statements stored, whose index pages are
                # scattered). Synced here, the locked step syncs only what it copies itself.
                self._sync_database()
                # Writers append while that runs, so it never catches up with the end of the log, and only
                # a log copied to its end starts again from the beginning: it grew by gigabytes, and
                # every page read searched one more index block of it per 4,096 pages written. With the
                # writers held off, copying what they added meanwhile is short; the next write then
                # restarts the log.
                # RESTART also waits for readers of the log; a long one (an export) must not hold the
                # writers off, so it waits briefly and, if still busy, leaves the restart to the next time.
                raw.execute(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
                self.acquire()
                try:
                    raw.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
                finally:
                    self.release()
            raw.close()
        except (sqlite3.Error, OSError):  # the next one will try again; the log only grows meanwhile
            log.exception("SQLite checkpoint failed")
        finally:
            self._checkpointing.release()

    def _sync_database(self) -> None:
        fd = os.open(self.database, os.O_RDONLY)
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)
