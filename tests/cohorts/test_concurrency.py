"""Two people booking the last place at the same moment: exactly one gets it, the other is wait-listed.

Real threads, each with its own connection and transaction, released together by a barrier. On SQLite the
writers begin IMMEDIATE (as the app's requests do) and take turns; on PostgreSQL (LMS_TEST_POSTGRES_URL) the
cohort's row lock makes the second wait for the first's commit, then count its booking.
"""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from lms import db
from lms.cohorts import booking as bookings
from lms.cohorts.models import Booking, BookingStatus
from lms.learning.context import catalog


def test_two_people_booking_the_last_place_at_once(app, session, make_cohort, enrolled):  # noqa: ANN001
    cohort = make_cohort(capacity=3)
    earlier = [enrolled() for _ in range(2)]
    racers = [enrolled() for _ in range(2)]
    for person in earlier:
        bookings.book(session, person.id, cohort.id, catalog().bundle("opencohort"), db.utcnow())
    db.commit()
    engine = db.engine()
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_immediate=True)
    barrier, errors = threading.Barrier(2), []
    bundle = catalog().bundle("opencohort")

    def take(person_id: int) -> None:
        try:
            with app.app_context(), Session(engine) as own:
                barrier.wait()
                bookings.book(own, person_id, cohort.id, bundle, db.utcnow())
                own.commit()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=take, args=(person.id,)) for person in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.rollback()
    statuses = sorted(session.exec(select(Booking.status).where(
        Booking.user_id.in_([p.id for p in racers]))).all())
    assert statuses == sorted([BookingStatus.BOOKED, BookingStatus.WAITLISTED])
