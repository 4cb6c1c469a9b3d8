"""The ``more`` cursor is signed and checked (issue 19, defect 5): a forged or altered one is a 400, never a
server error or a page larger than XAPI_PAGE_SIZE."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import URLSafeSerializer

from lms import db
from lms.xapi import query
from tests.xapi.conftest import statement

PAGE_SIZE = 3


@pytest.fixture
def test_config(test_config):  # noqa: ANN001
    return {**test_config, "XAPI_PAGE_SIZE": PAGE_SIZE}


@pytest.fixture
def eight(lrs) -> list[str]:  # noqa: ANN001
    """Eight statements stored, newest first (the order pages return them)."""
    return list(reversed([lrs.store(statement())[0] for _ in range(8)]))


def more_of(response) -> str:  # noqa: ANN001
    link = response.get_json()["more"]
    return parse_qs(urlsplit(link).query)["more"][0] if link else ""


def test_following_more_links_reads_every_statement_once_a_page_at_a_time(lrs, eight):  # noqa: ANN001
    seen, pages, answer = [], [], lrs.get(limit=50)
    while True:
        assert answer.status_code == 200
        page = [s["id"] for s in answer.get_json()["statements"]]
        pages.append(len(page))
        seen += page
        if not more_of(answer):
            break
        answer = lrs.get(more=more_of(answer))
    assert seen == eight and pages == [3, 3, 2]


def old_style(payload: dict) -> str:
    """A cursor as this LRS used to write them: base64 JSON, unsigned."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


UNSIGNED = {"f": [], "s": None, "u": None, "l": -1, "a": False, "c": None, "t": None}
FORGED = [
    old_style(UNSIGNED),  # returned every statement in one page
    old_style({**UNSIGNED, "l": 0, "f": [["bogus", "x", False]]}),  # a server error
    old_style({**UNSIGNED, "l": 0, "c": 2**70}),  # a server error
    old_style({**UNSIGNED, "l": 0, "t": "not a time", "c": 5}),
    "not a cursor at all", "",
]


@pytest.mark.parametrize("token", FORGED, ids=["negative limit", "unknown filter", "huge position", "bad time",
                                               "not base64", "empty"])
def test_a_cursor_this_lrs_did_not_sign_is_refused(lrs, eight, token):  # noqa: ANN001
    answer = lrs.get(more=token)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["field"] == "more"


def test_an_altered_cursor_or_one_signed_with_another_key_is_refused(app, lrs, eight):  # noqa: ANN001
    token = more_of(lrs.get())
    # Alter the signature's first character: its last one may carry only unused padding bits of base64.
    payload, signature = token.rsplit(".", 1)
    flipped = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    elsewhere = URLSafeSerializer("another secret key of thirty-two chars", salt="lms.xapi.more").dumps(UNSIGNED)
    for token in (flipped, token[:10] + token[11:], elsewhere):
        answer = lrs.get(more=token)
        assert answer.status_code == 400 and "not issued by this LRS" in answer.get_json()["error"]


@pytest.mark.parametrize("change", [{"l": -1}, {"l": "5"}, {"c": -1}, {"c": "x"}, {"a": "yes"}, {"s": "2024-01-01T00:00:00"},
                                    {"s": 5}, {"f": [["verb", 5, False]]}, {"f": [["verb", "https://x.org/v", True]]},
                                    {"f": [[["agent"], "x", False]]}, {"f": "x"}, {"extra": 1}])
def test_a_signed_cursor_that_does_not_hold_together_is_refused(app, lrs, eight, change):  # noqa: ANN001
    """What the LRS signed it checks again as it reads it back (a cursor from an older release, say)."""
    payload = {**UNSIGNED, "l": 0, **change}
    token = URLSafeSerializer(app.config["SECRET_KEY"], salt="lms.xapi.more").dumps(payload)
    answer = lrs.get(more=token)
    assert answer.status_code == 400 and answer.get_json()["field"] == "more"


def test_no_page_is_larger_than_the_page_size_whatever_the_limit(lrs, eight):  # noqa: ANN001
    for limit in ("0", "2", "3", "4", "999999999999999999999999999999"):
        answer = lrs.get(limit=limit)
        assert answer.status_code == 200
        assert len(answer.get_json()["statements"]) == min(int(limit) or PAGE_SIZE, PAGE_SIZE)


def test_a_page_query_refuses_a_limit_below_one(app):  # noqa: ANN001
    with db.engine().connect() as conn, pytest.raises(ValueError):
        query.page(conn, query.Filters(), -1)  # SQLite would read LIMIT -1 as no limit
