"""A person's own learning record: their statements (as actor or object), described for people."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from lms.paging import Page, fit_page
from lms.xapi import keys, query, values
from lms.xapi.models import XapiClient, XapiStatement, XapiStatementKey

STATEMENTS = XapiStatement.__table__
KEYS = XapiStatementKey.__table__
CLIENTS = XapiClient.__table__
LANGUAGE = "en-GB"
# Who recorded a statement the platform made itself: its own LRS client (client_id NULL).
THIS_SERVICE = "This service"


@dataclass(frozen=True)
class Entry:
    """One statement as the record page shows it."""

    at: datetime
    summary: str  # "Completed Module Alpha"
    result: str  # "Score 80%, passed", or ""
    statement_id: str
    # Who recorded it: THIS_SERVICE, or another system (an LRS client) by its name. Another system may say
    # anything about the person, so it is never shown as the platform's own record.
    source: str = THIS_SERVICE


def person_ifi(config, person_id: int, email: str | None) -> str:  # noqa: ANN001
    """The IFI the platform's statements give this person (see ``platform.agent``)."""
    if config["XAPI_ACTOR_IDENTIFIER"] == "mbox" and email:
        return keys.ifi({"mbox": f"mailto:{email}"})
    return keys.ifi({"account": {"homePage": config["XAPI_HOMEPAGE"], "name": str(person_id)}})


def _matching(conn: Connection, ifi: str):  # noqa: ANN202
    """The person's statements: their agent key in every era (see ``keys.ERA_BITS``), newest first."""
    return (KEYS.join(STATEMENTS, STATEMENTS.c.seq == KEYS.c.seq),
            [KEYS.c.era.in_(keys.eras(query.newest_seq(conn))), KEYS.c.key == keys.key(keys.AGENT, ifi),
             STATEMENTS.c.voided.is_(False)])


_NEWEST_FIRST = (KEYS.c.era.desc(), KEYS.c.seq.desc())


def page(conn: Connection, ifi: str, number: int, size: int = 25) -> Page:
    """Newest first; ``number`` counts from 1 and is clamped to the pages there are."""
    joined, conditions = _matching(conn, ifi)
    total = conn.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one()
    number = fit_page(number, total, size)
    rows = conn.execute(select(STATEMENTS.c.body, STATEMENTS.c.client_id).select_from(joined).where(*conditions)
                        .order_by(*_NEWEST_FIRST).limit(size).offset((number - 1) * size)).all()
    names = _client_names(conn, {client_id for _, client_id in rows if client_id is not None})
    return Page([describe(json.loads(body), names.get(client_id, THIS_SERVICE)) for body, client_id in rows],
                total, number, size)


def _client_names(conn: Connection, ids: set[int]) -> dict[int, str]:
    """The systems (LRS clients) that stored statements, by id, as a person reads them."""
    if not ids:
        return {}
    found = dict(conn.execute(select(CLIENTS.c.id, CLIENTS.c.name).where(CLIENTS.c.id.in_(sorted(ids)))).all())
    return {client_id: f"{found.get(client_id) or 'Unnamed'} (another system)" for client_id in ids}


def everything(conn: Connection, ifi: str) -> list[str]:
    """Every statement (stored JSON), newest first, for the download."""
    joined, conditions = _matching(conn, ifi)
    return list(conn.execute(select(STATEMENTS.c.body).select_from(joined).where(*conditions)
                             .order_by(*_NEWEST_FIRST)).scalars())


def _text(langmap: dict | None, fallback: str) -> str:
    if not langmap:
        return fallback
    return langmap.get(LANGUAGE) or langmap.get("en") or next(iter(langmap.values()))


def _name(obj: dict) -> str:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return _text((obj.get("definition") or {}).get("name"), obj["id"])
    if kind in ("Agent", "Group"):
        return obj.get("name") or "a person"
    return "an earlier statement"


def describe(statement: dict, source: str = THIS_SERVICE) -> Entry:
    verb = _text(statement["verb"].get("display"), statement["verb"]["id"].rsplit("/", 1)[-1])
    obj = statement["object"]
    if obj.get("objectType") in ("Agent", "Group"):  # e.g. an admin assigned a bundle to this person
        parents = ((statement.get("context") or {}).get("contextActivities") or {}).get("parent") or []
        summary = f"{statement['actor'].get('name') or 'Someone'} {verb} you"
        if parents:
            summary += f": {_name(parents[0])}"
    else:
        summary = f"{verb[:1].upper()}{verb[1:]} {_name(obj)}"
    return Entry(values.parse_timestamp(statement.get("timestamp") or statement["stored"]), summary,
                 _result_text(statement.get("result") or {}), statement["id"], source)


def _result_text(result: dict) -> str:
    parts = []
    scaled = (result.get("score") or {}).get("scaled")
    if scaled is not None:
        parts.append(f"Score {round(scaled * 100)}%")
    if result.get("success") is True:
        parts.append("passed")
    elif result.get("success") is False:
        parts.append("not passed")
    if result.get("response") and not parts:
        parts.append("Answered")
    return ", ".join(parts)
