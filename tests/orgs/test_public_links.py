"""Join, reset and downloaded join links are built from PUBLIC_BASE_URL, never from the request's Host header;
with TRUSTED_HOSTS set, a request addressed to another host is refused."""

from __future__ import annotations

import csv
import io
import re

import pytest

from lms.config import DEVELOPMENT_BASE_URL
from tests.conftest import FORGED_HOST


@pytest.fixture
def test_config(test_config) -> dict:  # noqa: ANN001
    """No PUBLIC_BASE_URL given: the default (the development server's address) stands."""
    return {key: value for key, value in test_config.items() if key != "PUBLIC_BASE_URL"}


def links(page: str, path: str) -> list[str]:
    return re.findall(rf'value="([^"]*/{path}/[^"]+)"', page)


def test_an_invitation_link_made_through_a_forged_host_uses_the_configured_base(client, login_via_forged_host, world):
    login_via_forged_host(world.admin_a)
    page = client.post(f"/admin/organisations/{world.org_a.id}/invite", environ_overrides=FORGED_HOST,
                       data={"email": "new.person@example.org", "role": "learner"}).get_data(as_text=True)
    (link,) = links(page, "join")
    assert link.startswith(f"{DEVELOPMENT_BASE_URL}/join/") and "attacker" not in page


def test_a_reset_link_made_through_a_forged_host_uses_the_configured_base(client, login_via_forged_host, world):
    login_via_forged_host(world.admin_a)
    page = client.post(f"/admin/organisations/{world.org_a.id}/people/{world.learner_a.id}/password-reset",
                       environ_overrides=FORGED_HOST).get_data(as_text=True)
    (link,) = links(page, "reset-password")
    assert link.startswith(f"{DEVELOPMENT_BASE_URL}/reset-password/") and "attacker" not in page


def test_imported_staff_join_links_and_their_csv_use_the_configured_base(client, login_via_forged_host, world):
    login_via_forged_host(world.admin_a)
    page = client.post(f"/admin/organisations/{world.org_a.id}/import", environ_overrides=FORGED_HOST,
                       content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"email,name\r\nann@example.org,Ann Ash\r\n"), "staff.csv")}
                       ).get_data(as_text=True)
    tokens = re.findall(r'<input type="hidden" name="token" value="([^"]+)">', page)
    assert tokens and "attacker" not in page
    download = client.post(f"/admin/organisations/{world.org_a.id}/import/join-links.csv",
                           environ_overrides=FORGED_HOST, data={"token": tokens}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(download.lstrip("\ufeff"))))
    assert rows[1][2] == f"{DEVELOPMENT_BASE_URL}/join/{tokens[0]}"


def test_the_public_base_url_carries_a_path_prefix_into_every_link(app, client, login_via_forged_host, world):
    app.config["PUBLIC_BASE_URL"] = "https://training.example.org/lms/"
    login_via_forged_host(world.admin_a)
    page = client.post(f"/admin/organisations/{world.org_a.id}/invite", environ_overrides=FORGED_HOST,
                       data={"email": "new.person@example.org", "role": "learner"}).get_data(as_text=True)
    (link,) = links(page, "join")
    assert link.startswith("https://training.example.org/lms/join/")


@pytest.mark.parametrize("path", ["/start", "/xapi/about"])  # a page of the main app, and a lean app's answer
def test_with_trusted_hosts_set_another_host_is_refused(app, client, path):
    app.config["TRUSTED_HOSTS"] = ["lms.test"]
    assert client.get(path).status_code == 200
    refused = client.get(path, environ_overrides=FORGED_HOST)
    assert refused.status_code == 400 and "is not trusted" in refused.get_data(as_text=True)
