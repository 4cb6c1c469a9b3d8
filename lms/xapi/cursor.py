"""The ``more`` cursor of a statement page: the query's filters and where the page ended, signed.

A client hands the cursor back as given, so it was trusted as given: a negative limit read thousands of
statements into one page, and other forged values failed as server errors. It is signed with the app's
secret key (itsdangerous; a salt of its own, so no other signed value of the app passes for one), and
every field is still checked as it is read, so a cursor from an older release cannot misbehave either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from lms.xapi import keys
from lms.xapi.query import Filters

_SALT = "lms.xapi.more"
_KINDS = frozenset({keys.VERB, keys.AGENT, keys.ACTIVITY, keys.REGISTRATION})
_MAX_SEQ = 2**63 - 1


def encode(filters: Filters, secret_key: str) -> str:
    payload = {"f": filters.facts, "s": _text(filters.since), "u": _text(filters.until), "l": filters.limit,
               "a": filters.ascending, "c": filters.after, "t": _text(filters.after_stored)}
    return URLSafeSerializer(secret_key, salt=_SALT).dumps(payload)


def decode(token: str, secret_key: str) -> Filters:
    """The filters a cursor stands for; ValueError when this LRS did not issue it or it does not hold together."""
    try:
        payload = URLSafeSerializer(secret_key, salt=_SALT).loads(token)
    except BadSignature:
        raise ValueError("it was not issued by this LRS, or it was altered") from None
    if type(payload) is not dict or set(payload) != {"f", "s", "u", "l", "a", "c", "t"}:
        raise ValueError("it does not hold a statement query")
    limit, ascending, after = payload["l"], payload["a"], payload["c"]
    if type(limit) is not int or limit < 0:
        raise ValueError("its limit is not a whole number")
    if type(ascending) is not bool:
        raise ValueError("its order is not true or false")
    if after is not None and (type(after) is not int or not 0 <= after <= _MAX_SEQ):
        raise ValueError("its position is not a statement's")
    return Filters(facts=_facts(payload["f"]), since=_moment(payload["s"]), until=_moment(payload["u"]),
                   limit=limit, ascending=ascending, after=after, after_stored=_moment(payload["t"]))


def _facts(raw: Any) -> list[tuple[str, str, bool]]:
    if type(raw) is not list or len(raw) > len(_KINDS) * 2:
        raise ValueError("its filters are not a list of filters")
    facts = []
    for fact in raw:
        if type(fact) is not list or len(fact) != 3:
            raise ValueError("a filter is not (kind, value, related)")
        kind, value, related = fact
        if (type(kind) is not str or kind not in _KINDS or type(value) is not str or type(related) is not bool
                or (related and kind not in keys.RELATED)):
            raise ValueError("a filter is not one a statement query makes")
        facts.append((kind, value, related))
    return facts


def _text(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _moment(raw: Any) -> datetime | None:
    if raw is None:
        return None
    if type(raw) is not str:
        raise ValueError("a time in it is not text")
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError("a time in it has no time zone")
    return moment
