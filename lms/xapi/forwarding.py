"""Forwarding stored statements to an external LRS: ``lms worker`` sends the outbox in batches.

Loss-free and duplicate-free because statement ids are stable: a batch is POSTed, and a statement
the remote already holds with the same content is no duplicate to a conformant LRS. When a batch is
refused (400, 409, 413) each statement is PUT on its own, so one bad statement cannot hold back the
rest: 204 means delivered; 409 means the remote holds that id, delivered if its copy is the same
statement, otherwise given up (kept, marked failed, for an admin). Anything else (down, 5xx,
timeout, wrong credentials) is retried later with doubling back-off. A row leaves the outbox only
after the remote has answered that it holds the statement.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urlsplit

from sqlalchemy import Engine

from lms import db
from lms.db import utcnow
from lms.xapi import multipart, outbox
from lms.xapi.compare import same_statement

log = logging.getLogger(__name__)
_REFUSED_BATCH = {400, 409, 413}


@dataclass(frozen=True)
class Reply:
    status: int  # 0 when no answer came (refused, timed out, reset)
    body: bytes = b""
    error: str = ""


class Transport:
    """HTTP to the external LRS with Basic auth, a timeout, and one kept-alive connection."""

    def __init__(self, base_url: str, key: str, secret: str, timeout: float):
        parts = urlsplit(base_url.rstrip("/"))
        self.secure = parts.scheme == "https"
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.timeout = timeout
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        self._connection: http.client.HTTPConnection | None = None

    def request(self, method: str, resource: str, body: bytes | None, content_type: str | None,
                params: dict | None = None) -> Reply:
        path = f"{self.path}/{resource}" + (f"?{urlencode(params)}" if params else "")
        headers = {"Authorization": self.auth, "X-Experience-API-Version": "1.0.3"}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            if self._connection is None:
                kind = http.client.HTTPSConnection if self.secure else http.client.HTTPConnection
                self._connection = kind(self.host, self.port, timeout=self.timeout)
            self._connection.request(method, path, body=body, headers=headers)
            response = self._connection.getresponse()
            return Reply(response.status, response.read())
        except (OSError, http.client.HTTPException, socket.timeout) as exc:
            self.close()  # a half-read or timed-out connection cannot be reused
            return Reply(0, error=f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@dataclass
class Report:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _raw_digests(statement: dict) -> set[str]:
    """SHA-2s of attachments sent as content (no fileUrl), which travel as multipart parts."""
    found = list(statement.get("attachments") or ())
    obj = statement.get("object") or {}
    if obj.get("objectType") == "SubStatement":
        found += obj.get("attachments") or ()
    return {a["sha2"].lower() for a in found if "fileUrl" not in a}


class Worker:
    """One forwarding worker; ``run_once`` is a single step so tests can drive it exactly."""

    def __init__(self, engine: Engine, transport: Transport, *, batch: int = 100, lease: timedelta = timedelta(minutes=2),
                 first_retry: timedelta = timedelta(seconds=5), longest_retry: timedelta = timedelta(hours=1),
                 idle_seconds: float = 2.0, name: str | None = None, clock: Callable[[], datetime] = utcnow):
        self.engine, self.transport, self.batch, self.lease = engine, transport, batch, lease
        self.first_retry, self.longest_retry, self.idle_seconds = first_retry, longest_retry, idle_seconds
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.clock = clock
        self.stopping = threading.Event()

    @classmethod
    def from_config(cls, config: Mapping[str, Any], engine: Engine | None = None, **overrides: Any) -> Worker:
        transport = Transport(config["XAPI_FORWARD_URL"], config["XAPI_FORWARD_KEY"], config["XAPI_FORWARD_SECRET"],
                              float(config["XAPI_FORWARD_TIMEOUT"]))
        settings = {"batch": int(config["XAPI_FORWARD_BATCH"]),
                    "lease": timedelta(seconds=float(config["XAPI_FORWARD_LEASE_SECONDS"])),
                    "first_retry": timedelta(seconds=float(config["XAPI_FORWARD_RETRY_SECONDS"])),
                    "longest_retry": timedelta(seconds=float(config["XAPI_FORWARD_RETRY_MAX_SECONDS"])),
                    "idle_seconds": float(config["XAPI_WORKER_IDLE_SECONDS"]), **overrides}
        return cls(engine or db.engine(), transport, **settings)

    def run_once(self) -> Report:
        now = self.clock()
        rows = outbox.claim(self.engine, self.name, now, self.lease, self.batch)
        report = Report(claimed=len(rows))
        if not rows:
            return report
        statements = [json.loads(row.body) for row in rows]
        reply = self._send("POST", [s for s in statements], None)
        if reply.status == 200:
            outbox.delivered(self.engine, self.name, [row.outbox_id for row in rows])
            report.sent = len(rows)
        elif reply.status in _REFUSED_BATCH:
            for position, (row, statement) in enumerate(zip(rows, statements)):
                if not self._one(row, statement, report):
                    # The remote stopped answering: the rest wait for the next attempt too.
                    rest = rows[position + 1:]
                    outbox.retry(self.engine, self.name, rest, self.clock(), self.first_retry, self.longest_retry,
                                 "not attempted: the external LRS stopped answering")
                    report.retried += len(rest)
                    break
        else:
            outbox.retry(self.engine, self.name, rows, self.clock(), self.first_retry, self.longest_retry,
                         _describe(reply))
            report.retried = len(rows)
        return report

    def _one(self, row: outbox.Claimed, statement: dict, report: Report) -> bool:
        """PUT one statement; False when the remote did not answer usefully (retry the rest later)."""
        reply = self._send("PUT", statement, statement["id"])
        if reply.status in (200, 204) or (reply.status == 409 and self._remote_has(statement)):
            outbox.delivered(self.engine, self.name, [row.outbox_id])
            report.sent += 1
            return True
        if reply.status in (400, 409, 413):
            outbox.give_up(self.engine, self.name, [row], _describe(reply))
            report.failed += 1
            log.error("statement %s refused by the external LRS: %s", statement["id"], _describe(reply))
            return True
        outbox.retry(self.engine, self.name, [row], self.clock(), self.first_retry, self.longest_retry,
                     _describe(reply))
        report.retried += 1
        return False

    def _remote_has(self, statement: dict) -> bool:
        reply = self.transport.request("GET", "statements", None, None, {"statementId": statement["id"]})
        if reply.status != 200:
            return False
        try:
            return same_statement(statement, json.loads(reply.body))
        except ValueError:
            return False

    def _send(self, method: str, payload: list | dict, statement_id: str | None) -> Reply:
        statements = payload if isinstance(payload, list) else [payload]
        digests = set().union(*(_raw_digests(s) for s in statements))
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        params = {"statementId": statement_id} if statement_id else None
        if not digests:
            return self.transport.request(method, "statements", text, "application/json", params)
        parts = [(sha2, ctype, data) for sha2, (ctype, data) in outbox.attachments(self.engine, digests).items()]
        body, boundary = multipart.build(("application/json", text), parts)
        return self.transport.request(method, "statements", body, f"multipart/mixed; boundary={boundary}", params)

    def run_forever(self) -> None:
        """Send until SIGTERM / SIGINT (or ``stopping`` is set); sleep only when nothing is due."""
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: self.stopping.set())
        try:
            while not self.stopping.is_set():
                try:
                    report = self.run_once()
                except Exception:  # a database restart must not end the worker: wait and try again
                    log.exception("forwarding step failed")
                    report = Report()
                if report.claimed < self.batch:
                    self.stopping.wait(self.idle_seconds)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self.transport.close()


def _describe(reply: Reply) -> str:
    if reply.status == 0:
        return f"no answer: {reply.error}"
    return f"HTTP {reply.status}: {reply.body[:500].decode('utf-8', 'replace')}"
