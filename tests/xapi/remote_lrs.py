"""A second LRS for forwarding tests: this app in its own process, database and port.

Run as ``python -m tests.xapi.remote_lrs PORT FOLDER KEY SECRET``; it serves /xapi/ with
werkzeug until terminated. The tests start it with ``RemoteLrs`` and talk to it over HTTP.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(port: int, folder: str, key: str, secret: str) -> None:
    from werkzeug.serving import make_server

    from lms import db
    from lms.app import create_app
    from lms.models import metadata
    from lms import schema  # noqa: F401  (importing it registers every core table)
    from lms.xapi import clients
    from tests.conftest import fixture_plugins

    app = create_app({"INSTANCE_PATH": folder, "DATABASE_URL": f"sqlite:///{folder}/remote.sqlite3",
                      "SECRET_KEY": "remote-lrs-secret-key-for-tests-only-000", "ADVANCEMENT_RULES": {}},
                     plugins=fixture_plugins("basic"))
    with app.app_context():
        metadata.create_all(db.engine())
        with db.transaction() as session:
            clients.create(session, None, "Forwarding", key=key, secret=secret)
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


class RemoteLrs:
    """Start and stop the remote process; read what it holds."""

    def __init__(self, port: int, folder: Path, key: str = "forwarder", secret: str = "forwarder-secret"):
        self.port, self.folder, self.key, self.secret = port, folder, key, secret
        self.base = f"http://127.0.0.1:{port}/xapi"
        self.process: subprocess.Popen | None = None

    def start(self) -> RemoteLrs:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, "-m", "tests.xapi.remote_lrs", str(self.port),
                                         str(self.folder), self.key, self.secret], cwd=ROOT,
                                        env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/about", timeout=2)
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the remote LRS did not start") from None
                time.sleep(0.1)  # waiting for start-up, not timing anything

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def request(self, method: str, path: str, body: dict | list | None = None) -> tuple[int, object]:
        headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json",
                   "Authorization": "Basic " + base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()}
        data = json.dumps(body).encode() if body is not None else None
        try:
            with urllib.request.urlopen(urllib.request.Request(self.base + path, data=data, method=method,
                                                               headers=headers), timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def statement_ids(self) -> list[str]:
        """Every statement id the remote holds, oldest first (voided ones excluded)."""
        status, page = self.request("GET", "/statements?ascending=true&limit=0")
        assert status == 200
        found = [s["id"] for s in page["statements"]]
        while page["more"]:
            status, page = self.request("GET", page["more"].removeprefix("/xapi"))
            found += [s["id"] for s in page["statements"]]
        return found


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4])
