"""p50/p95 of the assessor's queue page with 10,000 submissions stored (in process, through the WSGI app)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database  # noqa: E402
from lms import db, schema  # noqa: E402
from lms.app import create_app  # noqa: E402
from lms.auth.models import Role, RoleAssignment, User  # noqa: E402
from lms.auth.security import load_principal  # noqa: E402
from lms.evidence.models import Submission  # noqa: E402
from lms.orgs.models import Organisation, Region  # noqa: E402

SECRET = "benchmark-secret-key-0123456789abcdef"
ORGANISATIONS = 50
PEOPLE = 5_000


def seed(submissions: int) -> int:
    """People in 50 organisations, and submissions in every state (a tenth waiting); returns the assessor's id."""
    now = datetime.now(UTC)
    statuses = ("accepted", "referred", "draft", "accepted", "submitted", "accepted", "referred", "accepted",
                "accepted", "accepted")
    with db.engine().begin() as conn:
        conn.execute(Region.__table__.insert(), [{"id": 1, "code": "BENCH", "name": "Benchmark ICS"}])
        conn.execute(Organisation.__table__.insert(), [
            {"id": i, "code": f"B{i:04d}", "name": f"Organisation {i}", "kind": "nhs-trust", "region_id": 1,
             "created_at": now} for i in range(1, ORGANISATIONS + 1)])
        conn.execute(User.__table__.insert(), [
            {"id": i, "email": f"person{i}@bench.example.org", "name": f"Person {i}", "password_hash": "x",
             "organisation_id": 1 + i % ORGANISATIONS, "is_active": True, "session_version": 1, "created_at": now,
             "learning_version": 0} for i in range(1, PEOPLE + 1)])
        assessor = PEOPLE + 1
        conn.execute(User.__table__.insert(), [{"id": assessor, "email": "assessor@bench.example.org",
                                                "name": "Assessor", "password_hash": "x", "organisation_id": 1,
                                                "is_active": True, "session_version": 1, "created_at": now,
                                                "learning_version": 0}])
        conn.execute(RoleAssignment.__table__.insert(), [
            {"user_id": assessor, "organisation_id": org, "role": Role.ASSESSOR} for org in range(1, 11)])
        conn.execute(Submission.__table__.insert(), [
            {"user_id": 1 + n % PEOPLE, "organisation_id": 1 + (1 + n % PEOPLE) % ORGANISATIONS,
             "bundle_id": "mid-career", "module_id": "midcareer-workplace-project", "activity_id": "project",
             "attempt": 1 + n // PEOPLE, "status": statuses[n % len(statuses)], "answers": {"shared-purpose": "x" * 400},
             "created_at": now, "updated_at": now, "submitted_at": now - timedelta(minutes=n)}
            for n in range(submissions)])
    return assessor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", help="a PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with fresh_database(args.database, "evidence") as (url, folder):
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(folder), "SECRET_KEY": SECRET,
                          "PUBLIC_BASE_URL": "http://lms.test", "SERVER_NAME": "lms.test"})
        with app.app_context():
            schema.upgrade_app()
            assessor = seed(args.submissions)
            with db.engine().connect() as conn:
                waiting = conn.exec_driver_sql("SELECT count(*) FROM evidence_submissions WHERE status = 'submitted'"
                                               ).scalar()
            principal = load_principal(db.session(), assessor)
            db.rollback()
        client = app.test_client()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = principal.get_id()
        for _ in range(20):  # warm: templates compiled, connections open
            assert client.get("/assessment").status_code == 200
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get("/assessment")
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"assessor queue, {args.submissions:,} submissions stored ({waiting:,} waiting, "
              f"{'PostgreSQL' if args.database else 'SQLite'}): p50 {statistics.median(times):.1f} ms, "
              f"p95 {p95:.1f} ms over {args.requests} requests")


if __name__ == "__main__":
    main()
