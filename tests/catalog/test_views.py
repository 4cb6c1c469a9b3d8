"""The catalogue, a bundle's details, images from module folders only, and the accessibility statement."""

from __future__ import annotations

import re

import pytest

from lms.plugins.discovery import PluginSet
from tests.conftest import FIXTURES
from tests.learning.conftest import main_html as main


@pytest.fixture
def plugins():
    return PluginSet.from_paths(FIXTURES / "basic" / "bundles",
                                [FIXTURES / "basic" / "modules", FIXTURES / "limited" / "modules"])




def test_catalogue_lists_bundles_by_category_with_facts(client):
    response = client.get("/catalogue")
    assert response.status_code == 200
    page = main(response)
    assert page.index("<h2>Induction for new joiners</h2>") < page.index("Starter bundle")
    assert page.index("Starter bundle") < page.index("<h2>Management training</h2>") < page.index("Electives bundle")
    assert "Alpha and beta, assigned to new joiners." in page
    # Electives: alpha plus two choices = 3 modules; 15 minutes each.
    electives = page[page.index("Electives bundle"):]
    value = '</dt><dd class="nhsuk-summary-list__value">'
    assert f"Who it is for{value}Managers</dd>" in electives
    assert f"Modules{value}3</dd>" in electives
    assert f"Estimated time{value}About 45 minutes</dd>" in electives


def test_anonymous_visitors_are_asked_to_sign_in_to_enrol(client):
    page = main(client.get("/catalogue"))
    assert page.count("Sign in to enrol") == 2 and "/enrol" not in page


def test_signed_in_people_get_enrol_or_continue(make_user, login_as):
    client = login_as(make_user())
    client.post("/catalogue/starter/enrol")
    page = main(client.get("/catalogue"))
    assert 'aria-label="Continue Starter bundle"' in page and 'href="/learning/starter"' in page
    assert 'action="/catalogue/electives/enrol"' in page and 'aria-label="Enrol on Electives bundle"' in page
    assert 'action="/catalogue/starter/enrol"' not in page


def test_bundle_details_show_modules_choices_and_standards(client):
    page = main(client.get("/catalogue/electives"))
    assert "<h1>Electives bundle</h1>" in page and 'Version</dt><dd class="nhsuk-summary-list__value">2.0.0' in page
    assert "<h2>Choose two</h2><p>Choose 2 of these 3.</p>" in page
    assert "Module delta" in page and "Standard three" in page and "Covered by delta only." in page


def test_a_bundle_that_allows_local_variation_says_so(client):
    assert "Your organisation may add modules of its own" in main(client.get("/catalogue/starter"))
    assert "Your organisation may add modules" not in main(client.get("/catalogue/electives"))


def test_unknown_bundle_is_not_found(client):
    assert client.get("/catalogue/nothing").status_code == 404


def test_images_are_served_from_inside_module_folders(client):
    with client.get("/content/limited/images/diagram.svg") as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert b"<svg" in response.data
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("path", [
    "/content/limited/module.toml",  # not an image
    "/content/limited/lesson.md",
    "/content/limited/images/missing.svg",
    "/content/limited/../alpha/module.toml",
    "/content/limited/images/..%2F..%2Falpha%2Fquiz.toml",
    "/content/limited/%2e%2e/%2e%2e/basic/bundles/starter/bundle.toml",
    "/content/limited//etc/passwd.png",
    "/content/nothing/images/diagram.svg",
    "/content/limited/images",
])
def test_anything_else_is_not_found(client, path):
    assert client.get(path, follow_redirects=True).status_code == 404


def test_symbolic_links_out_of_the_module_folder_are_refused(client, tmp_path, app):
    module = app.extensions["lms.catalog"].module("limited")
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"\x89PNG secret")
    link = module.path / "images" / "escape.png"
    link.symlink_to(outside)
    try:
        assert client.get("/content/limited/images/escape.png").status_code == 404
    finally:
        link.unlink()


def test_accessibility_statement(client):
    response = client.get("/accessibility")
    assert response.status_code == 200
    page = main(response)
    for heading in ("<h1>Accessibility statement</h1>", "<h2>Feedback and contact information</h2>",
                    "<h2>Enforcement procedure</h2>", "<h3>Compliance status</h3>"):
        assert heading in page
    assert "WCAG" in response.get_data(as_text=True) or "Web Content Accessibility Guidelines" in page
