"""LRS throughput and query latency under gunicorn: statements/s stored by single-statement POSTs and
by batches of 100 (statements without ids, then each with a random id of its own), on an empty store
and with 1,000,000 statements stored, and p50/p95 of filtered GETs at that size; on SQLite and on
PostgreSQL. Prints figures; asserts nothing. A minimal endpoint that only parses, checks and inserts
(bench/minimal_lrs.py) is run first on the same database and load, and the LRS's write figures are
also given as a share of its.

    .venv/bin/python bench/xapi.py                       # SQLite, then PostgreSQL if reachable
    .venv/bin/python bench/xapi.py --databases sqlite --rows 200000 --seconds 5
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import minimal_lrs  # noqa: E402
from bench.common import WRK_SCRIPT, default_workers, fresh_database, gunicorn  # noqa: E402

SECRET_KEY = "benchmark-secret-key-0123456789abcdef"
KEY, SECRET = "bench", "bench-secret"
POSTGRES = os.environ.get("LMS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
VERBS = [f"http://adlnet.gov/expapi/verbs/{v}" for v in (
    "registered", "launched", "initialized", "experienced", "answered", "passed", "failed", "completed",
    "progressed", "terminated", "attended", "satisfied")]
BASE = "https://lms.example.org/xapi/activities"
LEARNERS, MODULES, BUNDLES, REGISTRATIONS = 20_000, 2_000, 100, 60_000


def learner(n: int) -> dict:
    return {"objectType": "Agent", "name": f"Learner {n}", "mbox": f"mailto:learner{n}@bench.example.org"}


def registration(n: int) -> str:
    return str(uuid.UUID(int=n + 1, version=4))


def make_statement(rng: random.Random) -> dict:
    """A platform-like statement: a learner, a verb, a module within a bundle, a registration."""
    reg = rng.randrange(REGISTRATIONS)
    module = rng.randrange(MODULES)
    statement = {
        "actor": learner(reg % LEARNERS),
        "verb": {"id": rng.choice(VERBS), "display": {"en-GB": "did"}},
        "object": {"objectType": "Activity", "id": f"{BASE}/module/m{module}",
                   "definition": {"name": {"en-GB": f"Module {module}"}, "type": "http://adlnet.gov/expapi/activities/module"}},
        "context": {"registration": registration(reg),
                    "contextActivities": {"parent": [{"id": f"{BASE}/bundle/b{module % BUNDLES}"}]}},
    }
    if rng.random() < 0.5:
        statement["result"] = {"score": {"scaled": round(rng.random(), 2)}, "success": True, "completion": True,
                               "duration": "PT12M30S"}
    return statement


# ---------------------------------------------------------------- bulk load (not through HTTP)

def bulk_load(url: str, rows: int, client_id: int, authority: dict) -> float:
    """Load ``rows`` stored statements with executemany (SQLite) or COPY (PostgreSQL); returns seconds."""
    from lms.db import make_engine
    from lms.xapi import keys, rawsql, values

    started = time.perf_counter()
    engine = make_engine(url)
    rng = random.Random(42)
    start = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / rows
    chunk = 20_000
    with engine.connect() as conn:
        cursor = rawsql.Cursor(conn)
        raw = conn.connection.driver_connection
        # The empty-store round's statements go, so stored times rise with seq as they do in use.
        for table in ("xapi_statement_keys", "xapi_statements", "xapi_activities"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
        conn.commit()
        offset = 0
        if cursor.sqlite:
            raw.execute("PRAGMA cache_size=-1000000")
            raw.execute("PRAGMA synchronous=OFF")
        for first in range(0, rows, chunk):
            statements, key_rows = [], []
            for number in range(first + 1, min(first + chunk, rows) + 1):
                seq = offset + number
                statement = make_statement(rng)
                moment = start + step * number
                stamp = values.format_timestamp(moment)
                statement.update(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), authority=authority,
                                 version="1.0.0", stored=stamp, timestamp=stamp)
                statements.append((seq, statement["id"], cursor.when(moment.replace(microsecond=moment.microsecond // 1000 * 1000)),
                                   False, None, False, client_id, json.dumps(statement, separators=(",", ":"))))
                key_rows += [(keys.era(seq), k, seq) for k in keys.statement_keys(statement)]
            if cursor.sqlite:
                raw.execute("BEGIN")
                raw.executemany("INSERT INTO xapi_statements (seq, statement_id, stored, voided, ref_id, voiding, "
                                "client_id, body) VALUES (?,?,?,?,?,?,?,?)", statements)
                raw.executemany('INSERT INTO xapi_statement_keys (era, "key", seq) VALUES (?,?,?)', sorted(key_rows))
                raw.execute("COMMIT")
            else:
                with raw.cursor() as pg:
                    with pg.copy("COPY xapi_statements (seq, statement_id, stored, voided, ref_id, voiding, client_id, "
                                 "body) FROM STDIN") as copy:
                        for row in statements:
                            copy.write_row(row)
                    with pg.copy('COPY xapi_statement_keys (era, "key", seq) FROM STDIN') as copy:
                        for row in key_rows:
                            copy.write_row(row)
                raw.commit()
            print(f"\r  loaded {min(first + chunk, rows):,} statements", end="", flush=True)
        if not cursor.sqlite:
            raw.execute("SELECT setval(pg_get_serial_sequence('xapi_statements', 'seq'), %s)", (offset + rows,))
            raw.commit()
            raw.autocommit = True
            raw.execute("VACUUM ANALYZE xapi_statements")
            raw.execute("VACUUM ANALYZE xapi_statement_keys")
            raw.autocommit = False
        else:
            raw.execute("ANALYZE")
    engine.dispose()
    print()
    return time.perf_counter() - started


# ---------------------------------------------------------------- load generation

POST_LUA = """
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
init = function(args)  -- each thread its own sequence, so that their ids differ
  math.randomseed(os.time() + {seed} + 7919 * thread_number)
end
local verbs = {{{verbs}}}
local function id()
  if not {client_ids} then return "" end
  local r = math.random
  return string.format('"id":"%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",', r(0, 65535), r(0, 65535), r(0, 65535),
    r(0, 4095), 32768 + r(0, 16383), r(0, 65535), r(0, 65535), r(0, 65535))
end
local function statement()
  local r = math.random(0, {registrations} - 1)
  local m = math.random(0, {modules} - 1)
  return string.format('{{%s"actor":{{"objectType":"Agent","mbox":"mailto:learner%d@bench.example.org"}},' ..
    '"verb":{{"id":"%s"}},"object":{{"id":"{base}/module/m%d","definition":{{"name":{{"en-GB":"Module %d"}}}}}},' ..
    '"context":{{"registration":"00000000-0000-4000-8000-%012d","contextActivities":{{"parent":[{{"id":"{base}/bundle/b%d"}}]}}}},' ..
    '"result":{{"score":{{"scaled":0.8}},"success":true,"completion":true,"duration":"PT12M"}}}}',
    id(), r % {learners}, verbs[math.random(#verbs)], m, m, r, m % {bundles})
end
request = function()
  local parts = {{}}
  for i = 1, {batch} do parts[i] = statement() end
  local body = {batch} == 1 and parts[1] or ("[" .. table.concat(parts, ",") .. "]")
  return wrk.format("POST", "/xapi/statements", nil, body)
end
"""

GET_LUA = """
local paths = {{{paths}}}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def run_wrk(base: str, lua: str, *, connections: int, seconds: int) -> dict[str, float]:
    headers = {"Authorization": "Basic " + __import__("base64").b64encode(f"{KEY}:{SECRET}".encode()).decode(),
               "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua + WRK_SCRIPT)
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s", "-s", script.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [base], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    match = re.search(r"RESULT requests=(\d+) errors=(\d+) duration_us=(\d+) p50_us=(\d+) p95_us=(\d+) p99_us=(\d+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests, errors, duration, p50, p95, p99 = (int(g) for g in match.groups())
    return {"rps": requests / (duration / 1e6), "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
            "p50_ms": p50 / 1000, "p95_ms": p95 / 1000}


def post_lua(batch: int, seed: int, client_ids: bool = False) -> str:
    """wrk's script POSTing batch statements per request, each with a random id of its own when client_ids."""
    return POST_LUA.format(seed=seed, verbs=",".join(f'"{v}"' for v in VERBS), registrations=REGISTRATIONS,
                           modules=MODULES, base=BASE, learners=LEARNERS, bundles=BUNDLES, batch=batch,
                           client_ids=str(client_ids).lower())


# (statements per request, whether each brings its own random id): the LRS names statements sent without one
# with ids that follow the clock, and a client's random ids land all over the id index instead.
WRITE_RUNS = ((1, False), (100, False), (100, True))


def writes(base: str, args: argparse.Namespace, label: str,
           ceiling: dict[tuple[int, bool], float] | None = None) -> dict[tuple[int, bool], float]:
    """Run each of WRITE_RUNS; print statements/s (and the share of ceiling's); return them."""
    stored = {}
    for run in WRITE_RUNS:
        batch, client_ids = run
        result = run_wrk(base, post_lua(batch, random.randrange(10**6), client_ids), connections=args.connections,
                         seconds=args.seconds)
        stored[run] = result["rps"] * batch
        share = f"   {stored[run] / ceiling[run]:>4.0%} of minimal" if ceiling else ""
        what = f"batch of {batch}" + (", own ids" if client_ids else "")
        print(f"  {label:<16} POST {what:<22} {stored[run]:>9,.0f} statements/s"
              f"   p95 {result['p95_ms']:>7.1f} ms   errors {result['errors']:.0f}{share}", flush=True)
    return stored


def filtered_paths(rng: random.Random, count: int = 200) -> dict[str, list[str]]:
    from urllib.parse import urlencode

    def agent() -> str:
        return json.dumps({"mbox": f"mailto:learner{rng.randrange(LEARNERS)}@bench.example.org"})

    day_ago = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    kinds = {
        "agent": lambda: {"agent": agent()},
        "verb": lambda: {"verb": rng.choice(VERBS)},
        "activity": lambda: {"activity": f"{BASE}/module/m{rng.randrange(MODULES)}"},
        "registration": lambda: {"registration": registration(rng.randrange(REGISTRATIONS))},
        "agent+verb": lambda: {"agent": agent(), "verb": rng.choice(VERBS)},
        "related activity": lambda: {"activity": f"{BASE}/bundle/b{rng.randrange(BUNDLES)}", "related_activities": "true"},
        "since a day ago": lambda: {"since": day_ago},
        "verb, page 2": lambda: {"verb": rng.choice(VERBS), "limit": "20"},
    }
    return {name: ["/xapi/statements?" + urlencode(make()) for _ in range(count)] for name, make in kinds.items()}


def reads(base: str, args: argparse.Namespace) -> None:
    import urllib.request

    rng = random.Random(3)
    for name, paths in filtered_paths(rng).items():
        if name == "verb, page 2":  # follow one more link, as a client paging through results does
            request = urllib.request.Request(base + paths[0], headers={
                "Authorization": "Basic " + __import__("base64").b64encode(f"{KEY}:{SECRET}".encode()).decode(),
                "X-Experience-API-Version": "1.0.3"})
            with urllib.request.urlopen(request) as response:
                paths = [json.loads(response.read())["more"]]
        lua = GET_LUA.format(paths=",".join(json.dumps(p) for p in paths))
        result = run_wrk(base, lua, connections=args.read_connections, seconds=max(3, args.seconds // 2))
        print(f"  GET {name:<18} p50 {result['p50_ms']:>6.1f} ms   p95 {result['p95_ms']:>6.1f} ms"
              f"   {result['rps']:>6,.0f} requests/s   errors {result['errors']:.0f}", flush=True)


# ---------------------------------------------------------------- one database

def bench_database(kind: str, args: argparse.Namespace) -> None:
    from lms import db, schema
    from lms.app import create_app
    from lms.xapi import clients

    server = None if kind == "sqlite" else args.postgres
    with fresh_database(server, "xapi") as (url, folder):
        config = {"INSTANCE_PATH": str(folder), "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}
        app = create_app(config)
        with app.app_context():
            schema.upgrade_app()
            with db.transaction() as session:
                client, _ = clients.create(session, None, "Benchmark", key=KEY, secret=SECRET)
                client_id = client.id
            authority = {"objectType": "Agent", "name": "Benchmark",
                         "account": {"homePage": app.config["XAPI_HOMEPAGE"], "name": KEY}}
        db_engine_name = "SQLite" if kind == "sqlite" else "PostgreSQL"
        env = {"LMS_INSTANCE_PATH": str(folder), "DATABASE_URL": url, "LMS_SECRET_KEY": SECRET_KEY}
        workers = args.workers or default_workers(kind)
        print(f"\n{db_engine_name}: gunicorn {workers} sync workers; wrk {args.connections} connections, "
              f"{args.seconds} s per run; load average {os.getloadavg()[0]:.1f}")
        minimal_lrs.prepare(url)
        with gunicorn("bench.minimal_lrs:app", {"DATABASE_URL": url}, workers) as base:
            ceiling = writes(base, args, "minimal endpoint")
        with gunicorn("lms.app:create_app()", env, workers) as base:
            writes(base, args, "empty store", ceiling)
        seconds = bulk_load(url, args.rows, client_id, authority)
        print(f"  bulk-loaded {args.rows:,} statements in {seconds:.0f} s")
        with gunicorn("lms.app:create_app()", env, workers) as base:
            writes(base, args, f"{args.rows:,} stored", ceiling)
            reads(base, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--postgres", default=POSTGRES, help="PostgreSQL server URL (a fresh database is made on it)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="statements stored before the second round")
    parser.add_argument("--seconds", type=int, default=10, help="length of each write run")
    parser.add_argument("--workers", type=int, default=0,
                        help="gunicorn sync workers (default: one per core on SQLite, two per core on PostgreSQL)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent writers")
    parser.add_argument("--read-connections", type=int, default=4, help="concurrent readers")
    args = parser.parse_args()
    for kind in args.databases.split(","):
        bench_database(kind.strip(), args)


if __name__ == "__main__":
    main()
