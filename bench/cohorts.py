"""Cohorts: 200 people booking one cohort of 20 places at the same moment (each a thread with its own
transaction, released by a barrier): how many were booked and wait-listed, errors, and p50/p95 per booking;
then the facilitator's register page (p50/p95, in process) with 5,000 bookings stored. SQLite by default,
PostgreSQL with --database (or LMS_BENCH_POSTGRES_URL). Goals: p95 under 200 ms per booking, 100 ms per register.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# The tests' cohort content: one bundle (no approval) with a two-day cohort module.
CONTENT = ROOT / "tests" / "plugin_fixtures" / "cohorts"
BUNDLE, MODULE = "opencohort", "gathering"
PEOPLE, PLACES, STORED = 200, 20, 5_000


def make_app(url: str, folder: Path):  # noqa: ANN201
    from lms.app import create_app
    from lms.plugins.discovery import PluginSet

    plugins = PluginSet.from_paths(CONTENT / "bundles", [CONTENT / "modules"], [])
    return create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(folder), "SECRET_KEY": "bench-" + "x" * 40,
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SERVER_NAME": "lms.bench",
                       "ADVANCEMENT_RULES": {}}, plugins=plugins)


def seed_people(conn, first_id: int, count: int, now: datetime) -> list[int]:  # noqa: ANN001
    """count people of organisation 1, each enrolled on the bundle."""
    from lms.auth.models import User
    from lms.learning.models import Enrolment

    ids = list(range(first_id, first_id + count))
    conn.execute(User.__table__.insert(), [{"id": i, "email": f"p{i}@bench.example.org", "name": f"Person {i:05d}",
                                            "organisation_id": 1, "is_active": True, "session_version": 1,
                                            "learning_version": 0, "created_at": now} for i in ids])
    conn.execute(Enrolment.__table__.insert(), [{
        "id": i, "user_id": i, "bundle_id": BUNDLE, "bundle_version": "1.0.0", "status": "active", "source": "self",
        "registration": str(uuid.uuid4()), "local_module_ids": [], "enrolled_at": now} for i in ids])
    return ids


def cohort_rows(conn, cohort_id: int, capacity: int, first: datetime, now: datetime) -> int:  # noqa: ANN001
    """A cohort of organisation 1 with two sessions from ``first``; returns the first session's id."""
    from sqlalchemy import select

    from lms.cohorts.models import Cohort, CohortSession

    conn.execute(Cohort.__table__.insert(), [{
        "id": cohort_id, "module_id": MODULE, "title": f"Cohort {cohort_id}", "region_id": 1, "place": "",
        "organisation_id": 1, "capacity": capacity, "booking_closes_at": first - timedelta(days=2),
        "cancel_by": first - timedelta(days=2), "attendance_rule": "every", "attendance_percent": 100,
        "status": "open", "created_at": now}])
    conn.execute(CohortSession.__table__.insert(), [{
        "cohort_id": cohort_id, "title": f"Day {n + 1}", "starts_at": first + timedelta(days=n),
        "ends_at": first + timedelta(days=n, hours=6), "venue": "Bench venue", "online_link": "",
        "accessibility": ""} for n in range(2)])
    return conn.execute(select(CohortSession.id).where(CohortSession.cohort_id == cohort_id)
                        .order_by(CohortSession.starts_at)).scalars().first()


def race(app, url: str) -> None:  # noqa: ANN001
    from sqlalchemy import create_engine, func, select
    from sqlmodel import Session

    from lms import db
    from lms.cohorts import booking as bookings
    from lms.cohorts.models import Booking

    now = datetime.now(UTC)
    with app.app_context(), db.engine().begin() as conn:
        people = seed_people(conn, 10, PEOPLE, now)
        cohort_rows(conn, 1, PLACES, now + timedelta(days=20), now)
    if url.startswith("sqlite"):  # the app's own SQLite set-up; writers begin IMMEDIATE, as its requests do
        engine = db.make_engine(url).execution_options(sqlite_immediate=True)
    else:  # one connection per booker would pass PostgreSQL's default limit of 100: 80, the rest wait for one
        engine = create_engine(url, pool_size=80, max_overflow=0, pool_timeout=300)
    with app.app_context():
        bundle = app.extensions["lms.catalog"].bundle(BUNDLE)
    barrier, times, errors = threading.Barrier(PEOPLE), [], []

    def book(person_id: int) -> None:
        with app.app_context():
            barrier.wait()
            started = time.perf_counter()
            try:
                with Session(engine) as own:
                    bookings.book(own, person_id, 1, bundle, datetime.now(UTC))
                    own.commit()
            except Exception as exc:  # noqa: BLE001  (every error is counted and shown)
                errors.append(repr(exc))
            times.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=book, args=(p,)) for p in people]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall
    with app.app_context(), db.engine().connect() as conn:
        counts = dict(conn.execute(select(Booking.status, func.count()).group_by(Booking.status)).all())
    engine.dispose()
    times.sort()
    print(f"  {PEOPLE} concurrent bookings for {PLACES} places: booked {counts.get('booked', 0)}, "
          f"wait-listed {counts.get('waitlisted', 0)}, errors {len(errors)} in {wall:.2f} s")
    print(f"  per booking: p50 {statistics.median(times):.0f} ms, p95 {times[int(len(times) * 0.95) - 1]:.0f} ms, "
          f"max {times[-1]:.0f} ms (all arrive at once and take turns on the cohort: "
          f"{wall * 1000 / PEOPLE:.1f} ms of wall time each)")
    for error in errors[:3]:
        print("   ", error)


def register(app) -> None:  # noqa: ANN001
    from lms import db
    from lms.auth.models import RoleAssignment, User
    from lms.cohorts.models import Booking

    now = datetime.now(UTC)
    per_cohort, cohorts = 20, STORED // 20
    with app.app_context(), db.engine().begin() as conn:
        people = seed_people(conn, 1_000, STORED, now)
        conn.execute(User.__table__.insert(), [{"id": 1, "email": "facilitator@bench.example.org",
                                                "name": "Fay Facilitator", "organisation_id": 1, "is_active": True,
                                                "session_version": 1, "learning_version": 0, "created_at": now}])
        conn.execute(RoleAssignment.__table__.insert(), [{"user_id": 1, "organisation_id": 1, "role": "facilitator"}])
        today = None
        for n in range(cohorts):
            first = now - timedelta(hours=1) if n == cohorts - 1 else now + timedelta(days=30 + n)
            session_id = cohort_rows(conn, 100 + n, per_cohort, first, now)
            conn.execute(Booking.__table__.insert(), [{
                "cohort_id": 100 + n, "user_id": p, "bundle_id": BUNDLE, "status": "booked", "booked_at": now,
                "changed_at": now} for p in people[n * per_cohort:(n + 1) * per_cohort]])
            today = session_id
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = "1:1"
    path = f"/facilitate/sessions/{today}/register"
    assert client.get(path).status_code == 200
    times = []
    for _ in range(200):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    print(f"  register page of {per_cohort} people, {STORED:,} bookings stored (in process, 200 requests): "
          f"p50 {statistics.median(times):.1f} ms, p95 {times[189]:.1f} ms")


def run(database: str | None) -> None:
    from sqlalchemy import text

    from lms import db, schema
    from lms.orgs.models import Organisation, Region

    for part in (race, register):
        with fresh_database(database, f"cohorts_{part.__name__}") as (url, folder):
            app = make_app(url, folder)
            with app.app_context():
                schema.upgrade_app()
                with db.engine().begin() as conn:
                    conn.execute(Region.__table__.insert(), [{"id": 1, "code": "BENCH", "name": "Bench ICS"}])
                    conn.execute(Organisation.__table__.insert(), [{
                        "id": 1, "code": "B1", "name": "Bench trust", "kind": "nhs-trust", "region_id": 1,
                        "created_at": datetime.now(UTC)}])
                    if url.startswith("postgresql"):  # rows inserted with ids: move the sequences past them
                        for table in ("users", "enrolments"):
                            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 100000)"))
            part(app, url) if part is race else part(app)
            app.extensions["lms.engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default=os.environ.get("LMS_BENCH_POSTGRES_URL"),
                        help="a PostgreSQL URL to run on (default: SQLite)")
    args = parser.parse_args()
    print(f"cohorts on {'PostgreSQL' if args.database else 'SQLite'}")
    run(args.database)


if __name__ == "__main__":
    main()
