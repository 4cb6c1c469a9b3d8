"""PlainQuery: a Core SELECT run on the DBAPI cursor gives the rows Connection.execute gives, in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import Engine, bindparam, event, or_, select

from lms import db
from lms.auth.models import User
from lms.learning.models import ActivityProgress, Enrolment, ModuleProgress, ProgressStatus
from lms.plain_query import PlainQuery

DONE = (ProgressStatus.COMPLETED, ProgressStatus.WAIVED)
STATEMENT = (select(ModuleProgress.module_id, ModuleProgress.user_id)
             .where(ModuleProgress.user_id == bindparam("user_id"), or_(*(ModuleProgress.status == s for s in DONE)))
             .order_by(ModuleProgress.module_id))


def _progress(session, user_id: int, module_id: str, status: str) -> None:  # noqa: ANN001
    session.add(ModuleProgress(user_id=user_id, module_id=module_id, module_version="1.0.0", status=status))


def test_rows_match_sqlalchemy_with_fixed_and_given_parameters_inside_the_transaction(session, make_user):
    person, other = make_user(email="p@example.org"), make_user(email="o@example.org")
    _progress(session, person.id, "b", ProgressStatus.COMPLETED)
    _progress(session, person.id, "a", ProgressStatus.WAIVED)
    _progress(session, person.id, "c", ProgressStatus.IN_PROGRESS)
    _progress(session, other.id, "a", ProgressStatus.COMPLETED)
    session.flush()  # not committed: the query must run in this transaction to see the rows
    connection = session.connection()
    plain = PlainQuery(STATEMENT)
    expected = [tuple(row) for row in connection.execute(STATEMENT, {"user_id": person.id})]
    assert plain.rows(connection, user_id=person.id) == expected == [("a", person.id), ("b", person.id)]
    assert plain.scalars(connection, user_id=other.id) == ["a"]
    assert plain.rows(connection, user_id=other.id + person.id + 1) == []


@pytest.fixture(params=["on", "sqlalchemy"], ids=["device on", "device off"])
def test_config(test_config, request):  # noqa: ANN001
    """Every test here runs with the raw-cursor device on, and off (SQLAlchemy's own execution): same rows."""
    return {**test_config, "SPEEDUPS": request.param}


@pytest.mark.parametrize("event_name", ["before_cursor_execute", "after_cursor_execute"])
@pytest.mark.parametrize("target", ["engine", "every engine", "connection"])
def test_cursor_events_see_the_query_only_through_sqlalchemy_with_its_context(app, session, make_user, target,
                                                                              event_name):
    person = make_user()
    connection = session.connection()
    listened = {"engine": db.engine(), "every engine": Engine, "connection": connection}[target]
    seen = []
    listener = lambda _conn, _cursor, statement, parameters, context, _many: seen.append(  # noqa: E731
        (statement, parameters, context))
    event.listen(listened, event_name, listener)
    try:
        PlainQuery(select(User.name).where(User.id == bindparam("user_id"))).scalars(connection, user_id=person.id)
    finally:
        event.remove(listened, event_name, listener)
    if app.config["SPEEDUPS"] == "on":
        assert seen == []  # on the raw cursor: no event, rather than one with no execution context
        return
    [(statement, parameters, context)] = seen
    assert statement.lstrip().startswith("SELECT users.name") and context is not None
    assert person.id in (parameters.values() if isinstance(parameters, dict) else parameters)


def test_records_are_named_and_converted_by_the_columns_types(session, make_user):
    person = make_user()
    started = datetime(2026, 3, 7, 9, 30, tzinfo=UTC)
    session.add(Enrolment(user_id=person.id, bundle_id="starter", bundle_version="1.0.0", registration=str(uuid4()),
                          local_module_ids=["local-welcome", "x"], enrolled_at=started))
    session.flush()
    table = Enrolment.__table__
    statement = select(table.c.local_module_ids, table.c.enrolled_at, table.c.due_at, table.c.status).where(
        table.c.user_id == bindparam("user_id"))
    connection = session.connection()
    [record] = PlainQuery(statement).records(connection, user_id=person.id)
    [expected] = connection.execute(statement, {"user_id": person.id})
    assert tuple(record) == tuple(expected)  # what SQLAlchemy's own result processing gives
    assert record.local_module_ids == ["local-welcome", "x"] and record.status == "active" and record.due_at is None
    assert record.enrolled_at.replace(tzinfo=UTC) == started  # a datetime, not the text SQLite stores


def test_records_convert_floats_as_the_driver_describes_them(session, make_user):
    person = make_user()
    session.add(ActivityProgress(user_id=person.id, module_id="alpha", activity_id="check", state={"answered": 2},
                                 score=0.75))
    session.flush()
    statement = select(ActivityProgress.__table__).where(ActivityProgress.user_id == bindparam("user_id"))
    connection = session.connection()
    [record] = PlainQuery(statement).records(connection, user_id=person.id)
    [expected] = connection.execute(statement, {"user_id": person.id})
    assert tuple(record) == tuple(expected)  # PostgreSQL reads a float column as NUMERIC: converted as SQLAlchemy does
    assert record.score == 0.75 and record.state == {"answered": 2}
