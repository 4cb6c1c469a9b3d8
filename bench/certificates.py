"""Certificates: ms per certificate issued warm (render + sign + store), certificates/s for a batch on every
core, and verification JSON requests/s under gunicorn. Goals on 2 cores: 150 ms, 14/s, 1,000/s."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, gunicorn, wrk  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# The tests' certified content: the benchmark measures the certificate machinery, not the national content.
CONTENT = ROOT / "tests" / "plugin_fixtures" / "certified"
SECRET = "benchmark-secret-key-0123456789abcdef"
# Ten standards, as the longest shipped bundle (management-core) claims.
STANDARDS = [{"id": f"LM-{n}", "title": t} for n, t in enumerate((
    "Inclusive leadership", "Equality, diversity and inclusion as everyone's responsibility",
    "Core people management", "Collaborative teams", "Speaking up and psychological safety",
    "Effective, fair and inclusive appraisal", "Values and behaviours", "Operational management",
    "Learning culture", "Digital and transformation"))]


def environment(folder: Path, url: str, p12: Path) -> dict[str, str]:
    """Settings as environment variables, so gunicorn's workers build the same app."""
    return {
        "LMS_INSTANCE_PATH": str(folder), "DATABASE_URL": url, "LMS_SECRET_KEY": SECRET,
        "LMS_CERTIFICATE_SIGNING_P12": str(p12), "LMS_ADVANCEMENT_RULES": "{}",
        "LMS_PUBLIC_BASE_URL": "https://lms.example.org",
        # Limited as in production, with a budget no single benchmark client exhausts.
        "LMS_CERTIFICATE_VERIFY_RATE_LIMIT": "100000000 per minute",
    }


def make_app():  # noqa: ANN201  (gunicorn: "bench.certificates:make_app()")
    import certificates.plugin
    from lms.app import create_app
    from lms.plugins.discovery import PluginSet

    plugins = PluginSet.from_paths(CONTENT / "bundles", [CONTENT / "modules"], [certificates.plugin])
    return create_app({"RATELIMIT_ENABLED": os.environ.get("BENCH_RATE_LIMIT", "on") == "on"}, plugins=plugins)


def seed(count: int) -> list[int]:
    """A person, a completed enrolment and count certificates still to be produced; returns their ids."""
    from certificates import codes
    from certificates.models import Certificate
    from lms import db
    from lms.auth.models import User
    from lms.learning.models import Enrolment
    from lms.orgs.models import Organisation, Region

    now = datetime.now(UTC)
    with db.engine().begin() as conn:
        conn.execute(Region.__table__.insert(), [{"id": 1, "code": "BENCH", "name": "Benchmark ICS"}])
        conn.execute(Organisation.__table__.insert(), [{"id": 1, "code": "B1", "name": "Benchmark trust",
                                                        "kind": "nhs-trust", "region_id": 1, "created_at": now}])
        conn.execute(User.__table__.insert(), [{"id": 1, "email": "holder@bench.example.org", "name": "Amelia Okonkwo-Smith",
                                                "organisation_id": 1, "is_active": True, "session_version": 1,
                                                "created_at": now}])
        conn.execute(Enrolment.__table__.insert(), [{
            "id": i, "user_id": 1, "bundle_id": f"bench-{i}", "bundle_version": "1.0.0", "status": "completed",
            "source": "self", "registration": f"00000000-0000-4000-8000-{i:012d}", "local_module_ids": [],
            "enrolled_at": now, "completed_at": now} for i in range(1, count + 1)])
        rows = []
        for i in range(1, count + 1):
            code = codes.new_code()
            rows.append({
                "id": i, "code": code, "enrolment_id": i, "enrolment_registration": f"00000000-0000-4000-8000-{i:012d}",
                "issue_number": 1, "user_id": 1, "organisation_id": 1, "holder_name": "Amelia Okonkwo-Smith",
                "bundle_id": "certified", "bundle_version": "1.4.0", "bundle_title": "Core management skills",
                "standards": STANDARDS, "template": "standard",
                "verify_url": f"https://lms.example.org/verify/{codes.display(code)}", "awarded_at": now,
                "issued_at": now, "expires_at": now.replace(year=now.year + 3), "render_attempts": 0})
        conn.execute(Certificate.__table__.insert(), rows)
    return list(range(1, count + 1))


def _produce(certificate_id: int) -> bool:
    from certificates import production
    from certificates.plugin import extra_context, settings
    from lms import db

    return production.produce(db.engine(), certificate_id, settings(), extra_context)


_worker_context = None


def _worker_start(env: dict[str, str]) -> None:
    """A pool worker: its own app and engine, the template and key parsed and one render done before timing."""
    global _worker_context
    os.environ.update(env)
    app = make_app()
    _worker_context = app.app_context()
    _worker_context.push()
    from certificates import production
    from certificates.models import Certificate
    from certificates.plugin import settings
    from lms import db

    with db.engine().connect():
        pass
    production.build_pdf(Certificate(**_sample()), settings())


def _sample() -> dict:
    now = datetime.now(UTC)
    return {"code": "0" * 16, "holder_name": "Warm Up", "bundle_id": "certified", "bundle_version": "1.0.0",
            "bundle_title": "Warm-up", "standards": STANDARDS, "template": "standard", "verify_url": "https://x/verify",
            "awarded_at": now, "issued_at": now, "enrolment_id": 0, "enrolment_registration": "", "user_id": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", help="PostgreSQL server URL (a fresh database is made on it); default SQLite")
    parser.add_argument("--warm", type=int, default=50, help="certificates timed one at a time")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seconds", type=int, default=15, help="length of the verification load")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2, help="gunicorn sync workers")
    args = parser.parse_args()

    from certificates import codes, signing
    from lms import db
    from lms.models import metadata
    from lms import schema  # noqa: F401  (importing it registers every core table)

    with fresh_database(args.database, "certificates") as (url, folder):
        p12, _ = signing.keygen(folder / "keys", "Benchmark Issuing Body")
        env = environment(folder, url, p12)
        os.environ.update(env)
        app = make_app()
        with app.app_context():
            metadata.create_all(db.engine())
            ids = seed(5 + args.warm + args.batch)
            print(f"{os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} before starting); "
                  f"{db.engine().dialect.name}; RSA-2048 signing key; PDF/A-3a, 10 standards")

            for certificate_id in ids[:5]:  # warm: template, CSS, fonts and key parsed; first renders done
                assert _produce(certificate_id)
            timings, cpu = [], []
            for certificate_id in ids[5:5 + args.warm]:
                started, started_cpu = time.perf_counter(), time.process_time()
                assert _produce(certificate_id)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            # CPU time beside wall time: on a busy machine the wall time says more about the neighbours.
            print(f"issue one certificate, warm (render + sign + store): mean {statistics.mean(timings):.0f} ms, "
                  f"median {statistics.median(timings):.0f} ms, p95 {sorted(timings)[int(len(timings) * 0.95) - 1]:.0f} ms; "
                  f"CPU {statistics.mean(cpu):.0f} ms  (goal 150 ms)", flush=True)
            code = codes.display(db.engine().connect().exec_driver_sql(
                "SELECT code FROM certificates WHERE id = 6").scalar())

        batch = ids[5 + args.warm:]
        spawn = multiprocessing.get_context("spawn")
        started = time.perf_counter()
        pool = spawn.Pool(args.processes, initializer=_worker_start, initargs=(env,))
        pool.map(_noop, range(args.processes))  # every worker has finished warming up
        warm, warm_cpu = time.perf_counter(), pool.map(_cpu_seconds, range(args.processes), chunksize=1)
        stored = sum(pool.imap_unordered(_produce, batch))  # one at a time: no worker idles on a long last chunk
        done = time.perf_counter()
        busy = sum(pool.map(_cpu_seconds, range(args.processes), chunksize=1)) - sum(warm_cpu)
        pool.close()
        pool.join()
        assert stored == len(batch), f"only {stored} of {len(batch)} stored"
        print(f"batch of {len(batch)} on {args.processes} processes: {len(batch) / (done - warm):.1f} certificates/s "
              f"with warm workers; {len(batch) / (done - started):.1f}/s including {warm - started:.1f} s of process "
              f"start-up; workers' CPU {busy * 1000 / len(batch):.0f} ms per certificate  (goal 14/s)", flush=True)

        url_path = f"/api/v1/certificates/{code}"
        with gunicorn("bench.hello:app", {}, args.workers) as base:  # the ceiling on this machine, right now
            ceiling = wrk(base + "/", connections=args.connections, seconds=args.seconds, headers={})
        print(f"Flask hello world under the same gunicorn and wrk: {ceiling['rps']:,.0f} requests/s", flush=True)
        for label, extra in (("rate limit on (memory storage, as configured)", {}),
                             ("rate limit off, for comparison", {"BENCH_RATE_LIMIT": "off"})):
            with gunicorn("bench.certificates:make_app()", {**env, **extra}, args.workers) as base:
                result = wrk(base + url_path, connections=args.connections, seconds=args.seconds,
                             headers={"Accept": "application/json"})
                with urllib.request.urlopen(base + url_path) as response:
                    status = json.loads(response.read())["status"]
            print(f"verification JSON under gunicorn ({args.workers} sync workers, wrk {args.connections} connections), "
                  f"{label}: {result['rps']:,.0f} requests/s, p95 {result['p95_ms']:.1f} ms, "
                  f"{result['errors']:.0f} errors (answer: {status})  (goal 1,000/s)", flush=True)


def _noop(_: int) -> None:
    time.sleep(0.2)  # not timing: holds each worker so that every one of them takes a task


def _cpu_seconds(_: int) -> float:
    time.sleep(0.2)  # as above: one task per worker
    return time.process_time()


if __name__ == "__main__":
    main()
