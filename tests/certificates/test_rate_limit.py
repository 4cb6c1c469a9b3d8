"""Verification is rate-limited per client address, on the page, the upload and the JSON API alike."""

from __future__ import annotations

import pytest

from certificates import codes

PAYLOAD = "7K3M9QXP2HRT5WD"
CODE = codes.display(PAYLOAD + codes.check_character(PAYLOAD))


@pytest.fixture
def test_config(test_config):  # noqa: ANN001
    return {**test_config, "RATELIMIT_ENABLED": True, "CERTIFICATE_VERIFY_RATE_LIMIT": "3 per minute"}


def ask(client, path: str, address: str = "10.0.0.1"):  # noqa: ANN001, ANN201
    return client.get(path, environ_base={"REMOTE_ADDR": address})


def test_the_json_api_answers_429_past_the_limit(client):
    assert [ask(client, f"/api/v1/certificates/{CODE}").status_code for _ in range(3)] == [404, 404, 404]
    blocked = ask(client, f"/api/v1/certificates/{CODE}")
    assert blocked.status_code == 429 and blocked.is_json
    assert ask(client, f"/api/v1/certificates/{CODE}", "10.0.0.2").status_code == 404


def test_pages_and_api_share_one_limit_per_address(client):
    assert ask(client, f"/verify/{CODE}").status_code == 404
    assert ask(client, f"/api/v1/certificates/{CODE}").status_code == 404
    assert ask(client, f"/verify/{CODE}").status_code == 404
    assert ask(client, f"/verify/{CODE}").status_code == 429
    assert ask(client, "/verify").status_code == 200  # the form itself is not limited
