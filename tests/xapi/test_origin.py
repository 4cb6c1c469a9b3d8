"""Nothing the LRS serves runs as a page in the platform's origin (issue 19, defect 1): documents are
downloads, every answer forbids script and framing, and another site's form cannot use the alternate syntax."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from lms.app import create_app
from tests.conftest import PRODUCTION_SETTINGS, fixture_plugins
from tests.xapi.conftest import basic, statement, stored
from tests.xapi.test_documents import RESOURCES, send

PAGE = b"<!doctype html><title>x</title><script>fetch('/admin', {method: 'POST'})</script>"
LOCKED_DOWN = "default-src 'none'; frame-ancestors 'none'; sandbox"


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_a_stored_html_document_comes_back_as_a_download_that_runs_nothing(lrs, resource):  # noqa: ANN001
    created = send(lrs, "PUT", resource, "page", PAGE, {"Content-Type": "text/html", "If-None-Match": "*"})
    assert created.status_code == 204
    got = send(lrs, "GET", resource, "page")
    assert got.status_code == 200 and got.data == PAGE and got.mimetype == "text/html"  # as stored, as the spec asks
    assert got.headers["Content-Disposition"] == "attachment"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Security-Policy"] == LOCKED_DOWN
    assert got.headers["Cache-Control"] == "no-store"


def test_every_answer_forbids_script_and_framing_and_statement_reads_are_never_cached(lrs, client):  # noqa: ANN001
    lrs.store(statement())
    answers = [lrs.get(), lrs.get(limit=1), lrs.post({"verb": "no actor"}), client.get("/xapi/about"),
               client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"}), lrs.get("/nowhere")]
    assert [a.status_code for a in answers] == [200, 200, 400, 200, 401, 404]
    for answer in answers:
        assert answer.headers["Content-Security-Policy"] == LOCKED_DOWN
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in answer.headers  # not in development


def test_production_answers_carry_hsts(test_config):  # noqa: ANN001
    app = create_app({**test_config, **PRODUCTION_SETTINGS}, plugins=fixture_plugins())
    try:
        assert app.test_client().get("/xapi/about").headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        app.extensions["lms.engine"].dispose()


def alternate(lrs, method: str, form: dict, **headers):  # noqa: ANN001, ANN003, ANN201
    form = {"Authorization": basic(lrs.key), "X-Experience-API-Version": "1.0.3", **form}
    return lrs.client.post("/xapi/statements", query_string={"method": method}, data=urlencode(form),
                           content_type="application/x-www-form-urlencoded", headers=headers)


def alternate_document(lrs, **headers):  # noqa: ANN001, ANN003, ANN201
    form = {"Authorization": basic(lrs.key), "X-Experience-API-Version": "1.0.3", "activityId": "https://example.org/a",
            "agent": json.dumps({"mbox": "mailto:ada@example.org"}), "stateId": "page", "content": PAGE.decode(),
            "Content-Type": "text/html"}
    return lrs.client.post("/xapi/activities/state", query_string={"method": "PUT"}, data=urlencode(form),
                           content_type="application/x-www-form-urlencoded", headers=headers)


ANOTHER_SITE = [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                {"Origin": "https://elsewhere.example"}, {"Origin": "null"},
                {"Sec-Fetch-Site": "cross-site", "Origin": "http://lms.test"}]


@pytest.mark.parametrize("browser", ANOTHER_SITE)
def test_another_site_s_form_cannot_use_the_alternate_syntax(lrs, browser):  # noqa: ANN001
    content = {"content": json.dumps(statement()), "Content-Type": "application/json"}
    refused = [alternate(lrs, "POST", content, **browser), alternate(lrs, "GET", {}, **browser),
               alternate_document(lrs, **browser)]
    for answer in refused:
        assert answer.status_code == 403
        assert "another site" in answer.get_json()["error"]
    assert stored() == (0, 0)


@pytest.mark.parametrize("own", [{}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
                                 {"Origin": "http://lms.test"}])
def test_the_alternate_syntax_still_serves_clients_and_this_site(lrs, own):  # noqa: ANN001
    content = {"content": json.dumps(statement()), "Content-Type": "application/json"}
    assert alternate(lrs, "POST", content, **own).status_code == 200
    assert alternate_document(lrs, **own).status_code == 204
    assert stored() == (1, 1)
