"""Lean JSON APIs: mounted ahead of the main app, sharing its config, with JSON errors, API headers and limits."""

from __future__ import annotations

import pytest
from flask import Blueprint, abort, jsonify, request

from lms.api import json_api, spend
from lms.app import create_app
from tests.conftest import PRODUCTION_SETTINGS, fixture_plugins

PREFIX = "/api/v1/things"


def _blueprint() -> Blueprint:
    bp = Blueprint("things", __name__, url_prefix=PREFIX)

    @bp.route("/<name>")
    def thing(name: str):
        spend("THING_RATE_LIMIT")
        if name == "missing":
            abort(404)
        if name == "broken":
            raise RuntimeError("the view failed")
        return jsonify({"name": name, "address": request.remote_addr})

    return bp


def _app(test_config, **settings):  # noqa: ANN001, ANN003, ANN202
    config = {**test_config, "RATELIMIT_ENABLED": True, "THING_RATE_LIMIT": "2 per minute", **settings}
    app = create_app(config, plugins=fixture_plugins())
    api = json_api(app, "things.api", PREFIX, [_blueprint()])
    return app, api


@pytest.fixture
def lean(test_config):  # noqa: ANN001, ANN201
    app, api = _app(test_config)
    yield app, api
    app.extensions["lms.engine"].dispose()


def test_the_prefix_is_served_by_the_lean_app_with_api_headers(lean):
    app, api = lean
    response = app.test_client().get(f"{PREFIX}/kettle")
    assert response.status_code == 200 and response.get_json()["name"] == "kettle"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'; sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # no cookie session on the lean app
    assert api.config is app.config and api.extensions is app.extensions


def test_other_paths_still_reach_the_main_app(lean):
    app, _ = lean
    response = app.test_client().get("/api/v1/thingsandmore")
    assert response.status_code == 404 and response.is_json
    assert "nonce-" in app.test_client().get("/start").headers["Content-Security-Policy"]  # a page, from the main app


def test_errors_are_json_that_says_what_is_wrong(lean):
    app, _ = lean
    client = app.test_client()
    missing = client.get(f"{PREFIX}/missing")
    main_app_answer = client.get("/api/v1/nothing-here").get_json()
    assert missing.status_code == 404 and missing.get_json() == main_app_answer and "web address" in main_app_answer["error"]
    wrong_method = client.post(f"{PREFIX}/kettle")
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] and "error" in wrong_method.get_json()


def test_an_unexpected_failure_is_a_json_500_outside_tests(test_config):
    app, _ = _app(test_config, TESTING=False)
    response = app.test_client().get(f"{PREFIX}/broken")
    assert response.status_code == 500 and set(response.get_json()) == {"error"}
    app.extensions["lms.engine"].dispose()


def test_rate_limits_answer_429_with_retry_after(lean):
    app, _ = lean
    client = app.test_client()
    assert [client.get(f"{PREFIX}/kettle").status_code for _ in range(2)] == [200, 200]
    blocked = client.get(f"{PREFIX}/kettle")
    assert blocked.status_code == 429 and "error" in blocked.get_json()
    assert 0 < int(blocked.headers["Retry-After"]) <= 60


@pytest.mark.parametrize(("proxies", "seen"), [(0, "10.0.0.1"), (1, "203.0.113.9")])
def test_the_lean_app_sees_the_client_through_trusted_proxies_only(test_config, proxies, seen):
    app, _ = _app(test_config, TRUSTED_PROXIES=proxies)
    response = app.test_client().get(f"{PREFIX}/kettle", headers={"X-Forwarded-For": "203.0.113.9"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.get_json()["address"] == seen
    app.extensions["lms.engine"].dispose()


def test_production_answers_carry_hsts(test_config):
    app, _ = _app(test_config, **PRODUCTION_SETTINGS)
    response = app.test_client().get(f"{PREFIX}/kettle")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    app.extensions["lms.engine"].dispose()
