"""Shared benchmark plumbing: fresh databases, gunicorn servers, and wrk runs with p95."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d\\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def fresh_database(url: str | None, name: str) -> Iterator[tuple[str, Path]]:
    """A new SQLite file (default) or PostgreSQL database, and an instance folder; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"lms-bench-{name}-"))
    try:
        if not url:
            yield f"sqlite:///{folder / 'bench.sqlite3'}", folder
            return
        database = f"lms_bench_{name}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        try:
            yield url.rsplit("/", 1)[0] + f"/{database}", folder
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workers: int, worker_class: str = "sync",
             threads: int = 1) -> Iterator[str]:
    """Run app_spec under gunicorn on a free port until the block ends; yields the base URL."""
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-k", worker_class, "--threads", str(threads),
               "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "2048", app_spec]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/assets/nhsuk-frontend.min.css", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)  # waiting for start-up, not timing anything
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def default_workers(kind: str) -> int:
    """Gunicorn sync workers for a database kind ("sqlite" or "postgresql").

    SQLite: one per core. A writer holding SQLite's write lock is then rarely preempted by another worker:
    on 2 cores single-statement POSTs went from about 500/s (two per core) to 780/s (one per core). Pages,
    which only read, gain too: a kept dashboard served 1,130 to 1,360 requests/s with one per core against
    760 to 890 with two, as each worker keeps its core (and its caches) to itself.
    PostgreSQL: two per core, as the README's deployment runs. A worker waiting on the server leaves its core
    to another: two per core stored 35 % more single statements/s than one per core, three per core less.
    """
    cores = os.cpu_count() or 1
    return cores if kind == "sqlite" else 2 * cores


def wrk(url: str, *, connections: int, seconds: int, headers: dict[str, str], threads: int = 2) -> dict[str, float]:
    """Drive url with wrk; return requests/s, non-2xx/3xx errors and latency percentiles in ms."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s", script.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    match = re.search(r"RESULT requests=(\d+) errors=(\d+) duration_us=(\d+) p50_us=(\d+) p95_us=(\d+) p99_us=(\d+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests, errors, duration, p50, p95, p99 = (int(g) for g in match.groups())
    return {
        "rps": requests / (duration / 1e6),
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
        "p50_ms": p50 / 1000, "p95_ms": p95 / 1000, "p99_ms": p99 / 1000,
    }
