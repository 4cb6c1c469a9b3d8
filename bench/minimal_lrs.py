"""A minimal Flask statements endpoint that only parses, checks and inserts: the ceiling bench/xapi.py compares against.

Served on the same database, server and load as the LRS, so the LRS's figures can be read as a share of what any
Flask LRS could reach on the machine at hand. It keeps no index, builds no key rows and sets no authority.
"""

from __future__ import annotations

import json
import os
import uuid

from flask import Flask, Response, request
from sqlalchemy import text

from lms.db import make_engine

TABLE = "bench_minimal_statements"
app = Flask(__name__)
# The project's engine, so the two pay for the same connection settings and durability.
engine = make_engine(os.environ.get("DATABASE_URL", "sqlite://"))


def prepare(url: str) -> None:
    """Create the endpoint's table (once, before the workers start)."""
    with make_engine(url).begin() as conn:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {TABLE} (id VARCHAR(36) PRIMARY KEY, body TEXT NOT NULL)"))


@app.post("/xapi/statements")
def statements() -> Response:
    try:
        payload = json.loads(request.get_data())
    except ValueError:
        return Response("not JSON", status=400)
    batch = payload if isinstance(payload, list) else [payload]
    rows = []
    for statement in batch:
        if not (isinstance(statement, dict) and {"actor", "verb", "object"} <= statement.keys()
                and isinstance(statement["verb"], dict) and isinstance(statement["verb"].get("id"), str)):
            return Response("actor, verb and object are required", status=400)
        statement.setdefault("id", str(uuid.uuid4()))
        rows.append({"id": statement["id"], "body": json.dumps(statement)})
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO {TABLE} (id, body) VALUES (:id, :body)"), rows)
    return Response(json.dumps([row["id"] for row in rows]), mimetype="application/json")


@app.route("/assets/nhsuk-frontend.min.css")
def ready() -> str:  # the readiness probe bench.common.gunicorn polls
    return ""
