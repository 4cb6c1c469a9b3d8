"""LRS test fixtures: clients with known credentials, request helpers, statement builders."""

from __future__ import annotations

import base64
import itertools
import json
import uuid

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from lms import db
from lms.xapi.models import XapiClient, XapiDocument, XapiStatement

SECRET = "lrs-test-secret"
# Hash once: a fresh scrypt hash per client would dominate the suite's run time.
_SECRET_HASH = generate_password_hash(SECRET)
_keys = itertools.count(1)


def basic(key: str, secret: str = SECRET) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


class Lrs:
    """An LRS client's view of the app: requests with its credentials and a version header."""

    def __init__(self, client, key: str, version: str = "1.0.3"):  # noqa: ANN001
        self.client, self.key, self.version = client, key, version

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Authorization": basic(self.key), "X-Experience-API-Version": self.version}
        headers.update(extra or {})
        return {k: v for k, v in headers.items() if v is not None}

    def request(self, method: str, path: str, *, json_body=None, data=None, headers=None, **params):  # noqa: ANN001, ANN003, ANN201
        if json_body is not None:
            data = json.dumps(json_body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
        return self.client.open(f"/xapi{path}", method=method, data=data, headers=self.headers(headers),
                                query_string=query)

    def post(self, statements, **kwargs):  # noqa: ANN001, ANN003, ANN201
        return self.request("POST", "/statements", json_body=statements, **kwargs)

    def put(self, statement, statement_id: str, **kwargs):  # noqa: ANN001, ANN003, ANN201
        return self.request("PUT", "/statements", json_body=statement, statementId=statement_id, **kwargs)

    def get(self, path: str = "/statements", **params):  # noqa: ANN003, ANN201
        return self.request("GET", path, **params)

    def store(self, *statements: dict) -> list[str]:
        response = self.post(list(statements))
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def make_lrs_client(session):  # noqa: ANN001
    """Create an LRS client with the given scopes; returns its key."""

    def _make(scopes: str = "all", name: str = "Test tool", active: bool = True) -> str:
        key = f"tool-{next(_keys)}"
        session.add(XapiClient(name=name, key=key, secret_hash=_SECRET_HASH, scopes=scopes, is_active=active))
        db.commit()
        return key

    return _make


@pytest.fixture
def lrs(client, make_lrs_client) -> Lrs:  # noqa: ANN001
    """A client with every scope, speaking xAPI 1.0.3."""
    return Lrs(client, make_lrs_client())


@pytest.fixture
def lrs2(client, make_lrs_client) -> Lrs:  # noqa: ANN001
    """The same kind of client speaking xAPI 2.0.0."""
    return Lrs(client, make_lrs_client(), version="2.0.0")


def statement(**fields) -> dict:  # noqa: ANN003
    """A small valid statement; keyword arguments replace or add top-level properties."""
    base = {
        "actor": {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-GB": "completed"}},
        "object": {"objectType": "Activity", "id": "https://example.org/activities/one",
                   "definition": {"name": {"en-GB": "One"}}},
    }
    base.update(fields)
    return base


def new_id() -> str:
    return str(uuid.uuid4())


def stored() -> tuple[int, int]:
    """How many statements and documents the LRS holds (read on a connection of its own, so committed ones)."""
    with db.engine().connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(table)).scalar()
                     for table in (XapiStatement.__table__, XapiDocument.__table__))


class _NotingCursor:
    """A DBAPI cursor that notes each SQL text it runs (the LRS's write path runs plain SQL on one)."""

    def __init__(self, cursor, noted: list[str]):  # noqa: ANN001
        self._cursor, self._noted = cursor, noted

    def execute(self, sql, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        self._noted.append(str(sql))
        return self._cursor.execute(sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        self._noted.append(str(sql))
        return self._cursor.executemany(sql, *args, **kwargs)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._cursor, name)


@pytest.fixture
def sql_noted(monkeypatch):  # noqa: ANN001, ANN201
    """Every SQL text run from here on, whether through SQLAlchemy or as the LRS's plain SQL."""
    from sqlalchemy import Engine, event

    from lms.xapi import rawsql

    noted: list[str] = []
    made = rawsql.Cursor.__init__

    def noting(self, conn) -> None:  # noqa: ANN001
        made(self, conn)
        self.cursor = _NotingCursor(self.cursor, noted)

    def on_execute(conn, cursor, sql, *rest) -> None:  # noqa: ANN001, ANN002
        noted.append(sql)

    monkeypatch.setattr(rawsql.Cursor, "__init__", noting)
    event.listen(Engine, "before_cursor_execute", on_execute)
    yield noted
    event.remove(Engine, "before_cursor_execute", on_execute)
