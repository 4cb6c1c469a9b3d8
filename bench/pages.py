"""Requests/s and p95 of a signed-in learner's dashboard and a lesson page at national scale."""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import default_workers, fresh_database, gunicorn, wrk  # noqa: E402
from lms import db, schema  # noqa: E402
from lms.app import create_app  # noqa: E402
from lms.auth.models import RoleAssignment, User  # noqa: E402
from lms.learning.models import Enrolment, ModuleProgress  # noqa: E402
from lms.orgs.models import Organisation, Region  # noqa: E402

SECRET = "benchmark-secret-key-0123456789abcdef"
CHUNK = 20_000


def _insert(connection, table, rows) -> None:  # noqa: ANN001
    for start in range(0, len(rows), CHUNK):
        connection.execute(table.insert(), rows[start:start + CHUNK])


def seed(app, people: int, progress: int) -> None:  # noqa: ANN001
    """Bulk-load people, enrolments and progress rows with Core inserts (not through HTTP)."""
    catalog = app.extensions["lms.catalog"]
    induction = catalog.bundle("induction")
    modules = [m for b in catalog.bundles.values() for m in b.all_module_ids]
    per_person = max(1, progress // people)
    now = datetime.now(UTC)
    rng = random.Random(7)
    with db.engine().begin() as conn:
        conn.execute(Region.__table__.insert(), [{"id": 1, "code": "BENCH", "name": "Benchmark ICS"}])
        conn.execute(Organisation.__table__.insert(), [
            {"id": i, "code": f"B{i:04d}", "name": f"Organisation {i}", "kind": "nhs-trust", "region_id": 1, "created_at": now}
            for i in range(1, 201)
        ])
        _insert(conn, User.__table__, [
            {"id": i, "email": f"person{i}@bench.example.org", "name": f"Person {i}", "password_hash": "x",
             "organisation_id": 1 + i % 200, "is_active": True, "session_version": 1, "created_at": now}
            for i in range(1, people + 1)
        ])
        _insert(conn, RoleAssignment.__table__, [
            {"user_id": i, "organisation_id": 1 + i % 200, "role": "learner"} for i in range(1, people + 1)
        ])
        _insert(conn, Enrolment.__table__, [
            {"user_id": i, "bundle_id": induction.id, "bundle_version": induction.version, "status": "active",
             "source": "automatic", "registration": f"00000000-0000-4000-8000-{i:012d}", "local_module_ids": [],
             "enrolled_at": now, "due_at": now + timedelta(days=rng.randint(-20, 80))}
            for i in range(1, people + 1)
        ])
        rows = []
        for i in range(1, people + 1):
            for module_id in modules[:per_person]:
                done = rng.random() < 0.5
                rows.append({"user_id": i, "module_id": module_id, "module_version": "1.0.0",
                             "status": "completed" if done else "in_progress", "started_at": now,
                             "completed_at": now if done else None, "updated_at": now})
            if len(rows) >= CHUNK:
                _insert(conn, ModuleProgress.__table__, rows)
                rows = []
        _insert(conn, ModuleProgress.__table__, rows)


def session_cookie(app, user_id: int) -> str:  # noqa: ANN001
    """The cookie a browser holds after signing in and loading one page (whose form added its CSRF secret:
    a cookie without it would be rewritten on every request)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": f"{user_id}:1", "_fresh": True, "_permanent": True,
                             "csrf_token": secrets.token_hex(20)})


def lesson_url(base: str, cookie: str, app) -> str:  # noqa: ANN001
    """Follow the app's own redirects from the first induction module to its lesson page."""
    module = app.extensions["lms.catalog"].bundle("induction").modules[0]
    request = urllib.request.Request(f"{base}/learning/induction/{module}/lesson", headers={"Cookie": f"session={cookie}"})
    with urllib.request.urlopen(request) as response:
        return response.url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", help="PostgreSQL server URL (a fresh database is made on it); default SQLite")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--progress", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=0,
                        help="gunicorn sync workers (default: one per core on SQLite, two per core on PostgreSQL)")
    args = parser.parse_args()
    args.workers = args.workers or default_workers("postgresql" if args.database else "sqlite")

    with fresh_database(args.database, "pages") as (url, folder):
        env = {"LMS_INSTANCE_PATH": str(folder), "DATABASE_URL": url, "LMS_SECRET_KEY": SECRET}
        app = create_app({"INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": SECRET})
        with app.app_context():
            started = time.perf_counter()
            schema.upgrade_app()
            seed(app, args.people, args.progress)
            print(f"seeded {args.people:,} people and {args.progress:,} progress records "
                  f"on {db.engine().dialect.name} in {time.perf_counter() - started:.0f} s")
        print(f"gunicorn: {args.workers} sync workers; wrk: {args.connections} connections for {args.seconds} s each")
        print(f"{'page':<22}{'requests/s':>12}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
        with gunicorn("bench.hello:app", {}, args.workers) as base:
            _report("hello world (Flask)", wrk(base + "/", connections=args.connections, seconds=args.seconds, headers={}))
        # Each worker keeps a learner's rendered pages until their learning changes (lms.pages): a revisit is
        # served from there. The second server keeps nothing, so every request renders: a first visit's cost.
        for kept, extra in (("", {}), (", rendered", {"LMS_PAGE_CACHE_MB": "0"})):
            with gunicorn("lms.app:create_app()", {**env, **extra}, args.workers) as base:
                with app.app_context():
                    lesson = lesson_url(base, session_cookie(app, 1), app)
                for name, page in (("dashboard", base + "/"), ("lesson page", lesson)):
                    # Signed afresh for each run, as a browser's is: the server re-signs a cookie once a minute.
                    with app.app_context():
                        headers = {"Cookie": f"session={session_cookie(app, 1)}"}
                    _report(name + kept, wrk(page, connections=args.connections, seconds=args.seconds,
                                             headers=headers))


def _report(name: str, result: dict[str, float]) -> None:
    print(f"{name:<22}{result['rps']:>12,.0f}{result['p50_ms']:>9.1f}{result['p95_ms']:>9.1f}"
          f"{result['p99_ms']:>9.1f}{result['errors']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
