"""Property-based guard over the whole LRS surface (issue 19): statements (single and batches), query
parameters, cursors, documents and the alternate syntax, well-formed and hostile. Every answer is 2xx or
4xx, never 5xx, and a refused request stores nothing.

Tests run with TESTING on, where the LRS lets an unexpected exception propagate instead of answering 500,
so a server error fails the example as an exception; the status is checked as well. Each test runs a
bounded number of examples (a few hundred requests in all) so that it stays quick on both databases.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlencode, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.xapi.conftest import basic, stored
from tests.xapi.strategies import IRIS, MUTATIONS, STATEMENTS, UUIDS

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                database=None)

# Text a test client can send: no lone surrogates (they reach the LRS as JSON escapes and percent-encoded bytes).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
SNIPPETS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e400", '"\\ud800"', '"\\udc00x"', '{"a":1,"a":2}',
            "[" * 70 + "]" * 70, "[" * 3000, "18446744073709551616", "1" * 5000, "-0", "null", "true", '"\\u0000"',
            '"', ",", "}", "]", "{", "\\", '""', "[]", "{}"]
VALUES = st.one_of(
    TEXT, IRIS, UUIDS, st.sampled_from(SNIPPETS),
    st.sampled_from(["true", "false", "0", "-1", "\u00b2", "9" * 30, "s\x00", "https://example.org/\x00a", "a\x7f"]),
    st.sampled_from(["2024-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                     "2024-01-01T00:00:00+99:00", "2024-13-45T25:61:61Z", "2024-01-01T00:00:00-00:00"]),
    st.sampled_from(['{"mbox": "mailto:ada@example.org"}', '{"mbox": "mailto:\\ud800@x.org"}',
                     '{"objectType": "Group", "member": []}', '{"account": {"homePage": 1, "name": []}}',
                     '{"mbox": "mailto:a@x.org", "mbox": "mailto:b@x.org"}', '{"openid": NaN}']),
)
# Values in JSON text that json.dumps never writes: each must be refused wherever it stands.
HOSTILE_VALUES = ["NaN", "-Infinity", "1e999", '"\\ud800"', '"a\\udfff"', '{"\\udbff": 1}', '{"a": 1, "a": 1}',
                  "[" * 70 + "]" * 70, "[" * 2000 + "]" * 2000]
_HOLE = "hole-6f1d2a"  # ASCII, so json.dumps writes it as it is
# Percent-encoded bytes that are not UTF-8 (or encode a surrogate), appended to a query string or form as sent.
RAW_TAILS = st.sampled_from(["", "", "", "&x=%FF", "&agent=%ED%A0%80", "&since=%C0%80", "&%FF=1", "&content=%ED%B0%80"])

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=10)


def _places(value, out: list) -> list:  # noqa: ANN001
    """Every (container, key) in a JSON value, so one of them can be replaced."""
    if type(value) is dict:
        for key, child in value.items():
            out.append((value, key))
            _places(child, out)
    elif type(value) is list:
        for index, child in enumerate(value):
            out.append((value, index))
            _places(child, out)
    return out


@st.composite
def statement_bodies(draw) -> bytes:  # noqa: ANN001
    """A statement or batch as JSON bytes: valid, broken by one rule, with any JSON somewhere inside, with a
    hostile snippet spliced into its text, with bytes that are not UTF-8, or just any JSON or bytes."""
    data = draw(st.one_of(STATEMENTS, st.lists(STATEMENTS, min_size=1, max_size=3)))
    kind = draw(st.sampled_from(["valid", "mutated", "replaced", "hostile value", "hostile value", "spliced", "bytes",
                                 "json", "binary"]))
    if kind == "mutated":
        mutate, _field = draw(st.sampled_from(MUTATIONS))
        first = data[0] if type(data) is list else data
        first.setdefault("context", {})
        try:
            mutated = mutate(first)
        except (KeyError, TypeError):
            mutated = first
        data = [mutated, *data[1:]] if type(data) is list else mutated
    elif kind == "hostile value" and draw(st.booleans()):  # where any JSON value is allowed
        first = data[0] if type(data) is list else data
        first.setdefault("context", {}).setdefault("extensions", {})["https://example.org/x"] = _HOLE
    elif kind in ("replaced", "hostile value"):
        places = _places(data, [])
        container, key = places[draw(st.integers(0, len(places) - 1))]
        container[key] = draw(JSON_VALUES) if kind == "replaced" else _HOLE
    elif kind == "json":
        data = draw(JSON_VALUES)
    elif kind == "binary":
        return draw(st.binary(max_size=64))
    text = json.dumps(data)  # NaN and Infinity from the float strategy come out as bare words
    if kind == "hostile value":  # JSON text no Python value dumps to, where a value belongs
        text = text.replace(f'"{_HOLE}"', draw(st.sampled_from(HOSTILE_VALUES)))
    if kind == "spliced":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(SNIPPETS)) + text[at:]
    raw = text.encode()
    if kind == "bytes":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc0\x80", b"\x80"])) + raw[at:]
    return raw


def _no_constant(name: str):  # noqa: ANN202
    raise AssertionError(f"the LRS answered with {name}, which no JSON reader accepts")


def readable(data: bytes):  # noqa: ANN201
    """JSON as any reader takes it: UTF-8, no NaN or Infinity."""
    return json.loads(data.decode("utf-8"), parse_constant=_no_constant)


def _sent(lrs, request):  # noqa: ANN001, ANN201
    """Send request() and check the rule: 2xx or 4xx, and nothing stored unless it succeeded."""
    before = stored()
    answer = request()
    assert answer.status_code // 100 in (2, 4), (answer.status_code, answer.get_data()[:300])
    if answer.mimetype == "application/json" and answer.data:
        readable(answer.data)
    if answer.status_code >= 400:
        assert stored() == before, answer.get_data()[:300]
        assert answer.request.method == "HEAD" or answer.get_json()["error"]  # a 4xx says what is wrong
    return answer


CONTENT_TYPES = st.sampled_from(["application/json", "application/json", "application/json; charset=utf-8",
                                 "multipart/mixed; boundary=xyz", "multipart/mixed", "text/plain", ""])


def test_statement_writes(lrs):  # noqa: ANN001
    @settings(FUZZ, max_examples=150)
    @given(body=statement_bodies(), method=st.sampled_from(["POST", "POST", "PUT"]), content_type=CONTENT_TYPES,
           statement_id=st.one_of(UUIDS, VALUES))
    def run(body: bytes, method: str, content_type: str, statement_id: str) -> None:
        params = {"statementId": statement_id} if method == "PUT" else {}
        _sent(lrs, lambda: lrs.request(method, "/statements", data=body, headers={"Content-Type": content_type},
                                       **params))

    run()
    page = lrs.get(format="canonical")
    while True:  # every statement stored is still readable
        assert page.status_code == 200
        listed = readable(page.data)
        if not listed["more"]:
            break
        page = lrs.get(more=_more(page))


QUERY_NAMES = ["agent", "verb", "activity", "registration", "related_activities", "related_agents", "since", "until",
               "limit", "format", "attachments", "ascending", "statementId", "voidedStatementId", "more", "junk"]


def test_statement_queries(lrs):  # noqa: ANN001
    lrs.store({"actor": {"mbox": "mailto:ada@example.org"}, "verb": {"id": "https://example.org/v"},
               "object": {"id": "https://example.org/a"}})

    @settings(FUZZ, max_examples=150)
    @given(params=st.dictionaries(st.sampled_from(QUERY_NAMES), VALUES, max_size=4), tail=RAW_TAILS,
           method=st.sampled_from(["GET", "GET", "HEAD"]))
    def run(params: dict, tail: str, method: str) -> None:
        query = urlencode(params) + tail
        _sent(lrs, lambda: lrs.client.open(f"/xapi/statements?{query}", method=method, headers=lrs.headers()))

    run()


def _more(answer) -> str:  # noqa: ANN001
    return parse_qs(urlsplit(answer.get_json()["more"]).query)["more"][0]


def test_cursors(lrs):  # noqa: ANN001
    for n in range(3):
        lrs.store({"actor": {"mbox": f"mailto:p{n}@example.org"}, "verb": {"id": "https://example.org/v"},
                   "object": {"id": "https://example.org/a"}})
    token = _more(lrs.get(limit=1, verb="https://example.org/v"))
    signature = token.rsplit(".", 1)[-1]
    real_page = lrs.get(more=token).get_json()

    @settings(FUZZ, max_examples=80)
    @given(change=st.sampled_from(["flip", "cut", "append", "payload", "any"]), at=st.integers(0, 10_000),
           text=TEXT, json_value=JSON_VALUES)
    def run(change: str, at: int, text: str, json_value) -> None:  # noqa: ANN001
        position = at % len(token)
        forged = {
            "flip": token[:position] + ("A" if token[position] != "A" else "b") + token[position + 1:],
            "cut": token[:position],
            "append": token + text,
            # Any query, with the signature of the real one.
            "payload": base64.urlsafe_b64encode(json.dumps(json_value).encode()).decode().rstrip("=") + "." + signature,
            "any": text,
        }[change]
        answer = _sent(lrs, lambda: lrs.get(more=forged))
        # Base64 ignores what is not in its alphabet and the spare bits of the last character, so a few changes
        # leave the signed cursor as it was: those may only ever read the very page the real one reads.
        assert answer.status_code == 400 or answer.get_json() == real_page

    run()


RESOURCES = {"/activities/state": "stateId", "/activities/profile": "profileId", "/agents/profile": "profileId"}
DOCUMENT_PARAMS = ["activityId", "agent", "registration", "stateId", "profileId", "since", "junk"]


@st.composite
def document_bodies(draw) -> bytes:  # noqa: ANN001
    return draw(st.one_of(JSON_VALUES.map(lambda value: json.dumps(value).encode()), statement_bodies(),
                          st.binary(max_size=32), st.sampled_from([s.encode() for s in SNIPPETS])))


def test_documents(lrs):  # noqa: ANN001
    good = {"activityId": "https://example.org/a", "agent": json.dumps({"mbox": "mailto:ada@example.org"}),
            "stateId": "s", "profileId": "p"}

    @settings(FUZZ, max_examples=150)
    @given(path=st.sampled_from(list(RESOURCES)), method=st.sampled_from(["PUT", "POST", "GET", "DELETE", "HEAD"]),
           changed=st.dictionaries(st.sampled_from(DOCUMENT_PARAMS), VALUES, max_size=2),
           dropped=st.sets(st.sampled_from(list(good)), max_size=1), body=document_bodies(), tail=RAW_TAILS,
           content_type=st.sampled_from(["application/json", "application/json", "text/plain", "image/png", "",
                                         "text/plain\x01", "text/plain\x00"]),
           preconditions=st.dictionaries(st.sampled_from(["If-Match", "If-None-Match"]),
                                         st.one_of(st.just("*"), HEADER_TEXT), max_size=2))
    def run(path: str, method: str, changed: dict, dropped: set, body: bytes, tail: str, content_type: str,
            preconditions: dict) -> None:
        wanted = {"/activities/state": ("activityId", "agent", "stateId"), "/activities/profile": ("activityId", "profileId"),
                  "/agents/profile": ("agent", "profileId")}[path]
        params = {name: good[name] for name in wanted if name not in dropped} | changed
        query = urlencode(params) + tail
        headers = lrs.headers({"Content-Type": content_type, **preconditions})
        data = body if method in ("PUT", "POST") else None
        _sent(lrs, lambda: lrs.client.open(f"/xapi{path}?{query}", method=method, data=data, headers=headers))

    run()


FORM_NAMES = ["Authorization", "X-Experience-API-Version", "Content-Type", "Content-Length", "If-Match",
              "If-None-Match", "content", "statementId", "activityId", "agent", "stateId", "limit", "method"]


def test_alternate_syntax(lrs):  # noqa: ANN001
    @settings(FUZZ, max_examples=120)
    @given(path=st.sampled_from(["/statements", *RESOURCES]), method=st.sampled_from(["GET", "PUT", "POST", "DELETE",
                                                                                      "HEAD", "PATCH", "get", ""]),
           fields=st.dictionaries(st.sampled_from(FORM_NAMES), st.one_of(VALUES, TEXT.map(lambda t: t + "\r\n" + t)),
                                  max_size=4),
           content=st.one_of(st.none(), statement_bodies().map(lambda raw: raw.decode("utf-8", "replace"))),
           authorised=st.sampled_from(["header", "form", "none"]), tail=RAW_TAILS,
           browser=st.sampled_from([{}, {}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-origin"},
                                    {"Origin": "https://elsewhere.example"}, {"Origin": "http://lms.test"}]))
    def run(path: str, method: str, fields: dict, content: str | None, authorised: str, tail: str,
            browser: dict) -> None:
        form = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json", **fields}
        if content is not None:
            form["content"] = content
        headers = dict(browser)
        if authorised == "form":
            form.setdefault("Authorization", basic(lrs.key))
        elif authorised == "header":
            headers["Authorization"] = basic(lrs.key)
        data = urlencode(form) + tail
        _sent(lrs, lambda: lrs.client.post(f"/xapi{path}", query_string={"method": method}, data=data, headers=headers,
                                           content_type="application/x-www-form-urlencoded"))

    run()
