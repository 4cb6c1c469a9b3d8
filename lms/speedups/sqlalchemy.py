"""SQLAlchemy: a hot read's compiled SELECT run straight on the DBAPI cursor of its connection.

What it buys (bench/pages.py and bench/xapi_post_cost.py): SQLAlchemy caches a statement's compiled form, yet
each ``Connection.execute`` still cost about 380,000 instructions (events, execution context, result metadata,
rows), more than SQLite's own work and 6 % of a rendered dashboard for its sign-in lookup alone. The reads
run on the same connection, inside the same transaction, but unseen by the engine's events (no
``before_cursor_execute``: there is no execution context to give them), and without SQL_ECHO's logging.

Private names touched: none by name, but it runs beside SQLAlchemy's execution machinery, so what that
machinery gives (events, echo, result processing) must be made up here or done without; it relies on
``Compiled.string``, ``positiontup`` and ``params`` and on the driver's ``description``.
Checked on: SQLAlchemy 2.1.9.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

DEVICE = "sqlalchemy"
# The engine's execution option that says the device is off: a PlainQuery then runs through SQLAlchemy.
STOCK_OPTION = "lms_stock_reads"


def run(connection: Connection, sql: str, arguments: Any) -> tuple[list[tuple], Any]:
    """The rows of sql run on the connection's DBAPI cursor, and the driver's description of their columns."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql, arguments)
        return cursor.fetchall(), cursor.description
    finally:
        cursor.close()
