"""Core SELECTs compiled once per dialect and run on the DBAPI cursor: for the reads every page makes.

The statements stay written in SQLAlchemy and run on the same connection, inside the same transaction, on
the cursor through the speed device ``lms.speedups.sqlalchemy`` (which says why), or through SQLAlchemy's
``Connection.execute`` when that device is off. ``rows`` and ``scalars`` give the driver's values with no
result processing: integers, text, and booleans (0 or 1 on SQLite; True or False through SQLAlchemy).
``records`` gives named rows with each column's type converting what the driver read (dates and JSON
stored as text on SQLite, floats read as NUMERIC on PostgreSQL), chosen once per dialect from the
driver's description of the columns, as SQLAlchemy chooses them.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable

from sqlalchemy import Connection
from sqlalchemy.sql import Select

from lms.speedups import sqlalchemy as sqlalchemy_device


class PlainQuery:
    """A SELECT to run on the DBAPI cursor of a SQLAlchemy connection."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}
        self._processors: dict[str, list[Callable[[Any], Any] | None]] = {}
        self._record: type | None = None  # made on first use of records(): needs distinct column names

    def _for(self, connection: Connection) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            # Fixed values in the statement are parameters whose values the compiled form holds. (An IN list
            # is compiled when run, so write it as ORs here.)
            found = self.statement.compile(dialect=dialect)
            positions = tuple(found.positiontup) if found.positional else None
            compiled = self._compiled[dialect.name] = (found.string, positions, dict(found.params))
        return compiled

    def rows(self, connection: Connection, **params: Any) -> list[tuple]:
        return self._run(connection, params)[0]

    def _run(self, connection: Connection, params: dict[str, Any]) -> tuple[list[tuple], Any]:
        """The rows, and the driver's description of their columns (None through SQLAlchemy)."""
        if connection.get_execution_options().get(sqlalchemy_device.STOCK_OPTION):
            return [tuple(row) for row in connection.execute(self.statement, params)], None
        sql, positions, fixed = self._for(connection)
        values = {**fixed, **params}
        arguments = [values[name] for name in positions] if positions is not None else values
        return sqlalchemy_device.run(connection, sql, arguments)

    def scalars(self, connection: Connection, **params: Any) -> list:
        return [row[0] for row in self.rows(connection, **params)]

    def records(self, connection: Connection, **params: Any) -> list[tuple]:
        """Rows as named tuples (``record.status``) of the values the columns' types give."""
        rows, description = self._run(connection, params)
        make = self._record_type()._make
        if description is None:  # through SQLAlchemy: its result already holds the types' values
            return [make(row) for row in rows]
        dialect = connection.dialect
        processors = self._processors.get(dialect.name)
        if processors is None:
            processors = self._processors[dialect.name] = [
                column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(self.statement.selected_columns, description)]
        return [make(value if process is None else process(value) for process, value in zip(processors, row))
                for row in rows]

    def record(self, **values: Any) -> tuple:
        """A record of this query's columns from the values given (one not stored, say), of the type ``records`` gives."""
        return self._record_type()(**values)

    def _record_type(self) -> type:
        if self._record is None:
            self._record = namedtuple("Record", [column.key for column in self.statement.selected_columns])  # noqa: PYI024
        return self._record
