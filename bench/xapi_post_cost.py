"""In-process cost of one single-statement POST /xapi/statements by a client whose credentials are already
verified (the LRS's hot path), through the WSGI app with no server or network: prints microseconds per
request. Asserts nothing. Under callgrind, run it with --requests 0 and with --requests N and divide the
difference of the instruction totals by N (the warm-up and start-up cancel out):

    .venv/bin/python bench/xapi_post_cost.py                                  # SQLite
    .venv/bin/python bench/xapi_post_cost.py --database postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p .venv/bin/python bench/xapi_post_cost.py --requests 200
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database  # noqa: E402
from bench.xapi import KEY, SECRET, SECRET_KEY, make_statement  # noqa: E402


def _environ(body: bytes) -> dict:
    from werkzeug.test import EnvironBuilder

    headers = {"Authorization": "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode(),
               "X-Experience-API-Version": "1.0.3"}
    return EnvironBuilder(path="/xapi/statements", method="POST", data=body, content_type="application/json",
                          headers=headers).get_environ()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="", help="PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--warmup", type=int, default=200, help="requests before the measured ones")
    parser.add_argument("--requests", type=int, default=2000, help="measured requests")
    args = parser.parse_args()

    from lms import db, schema
    from lms.app import create_app
    from lms.xapi import clients

    rng = random.Random(7)
    bodies = [json.dumps(make_statement(rng)).encode() for _ in range(args.warmup + args.requests)]
    with fresh_database(args.database or None, "xapi_post_cost") as (url, folder):
        app = create_app({"INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
        with app.app_context():
            schema.upgrade_app()
            with db.transaction() as session:
                clients.create(session, None, "Benchmark", key=KEY, secret=SECRET)
        base = _environ(b"")

        def post(body: bytes) -> float:
            environ = dict(base, CONTENT_LENGTH=str(len(body)))
            environ["wsgi.input"] = io.BytesIO(body)
            statuses = []
            started = time.perf_counter()
            for _chunk in app(environ, lambda status, headers, exc_info=None: statuses.append(status)):
                pass
            elapsed = time.perf_counter() - started
            if not statuses[0].startswith("200"):
                raise SystemExit(f"POST answered {statuses[0]}")
            return elapsed

        for body in bodies[:args.warmup]:
            post(body)
        times = [post(body) for body in bodies[args.warmup:]]
        app.extensions["lms.engine"].dispose()
    if times:
        kind = "PostgreSQL" if args.database else "SQLite"
        print(f"{kind}: {len(times)} single-statement POSTs, median {statistics.median(times) * 1e6:,.0f} µs, "
              f"mean {statistics.fmean(times) * 1e6:,.0f} µs")


if __name__ == "__main__":
    main()
