"""The certificate moment and the transcript in Chromium at phone and desktop widths, every page audited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

import certificates.plugin
from certificates import codes
from tests.browser.conftest import audit
from tests.browser.test_auth_pages import sign_in
from tests.certificates.conftest import complete, instance, signing_files  # noqa: F401  (fixtures)
from tests.conftest import fixture_plugins
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def plugins():
    return fixture_plugins("certified", hook_objects=[certificates.plugin])


@pytest.fixture
def test_config(test_config, signing_files):  # noqa: ANN001, F811
    return {**test_config, "CERTIFICATE_SIGNING_P12": str(signing_files[0])}


def test_the_certificate_moment_then_the_transcript(page: Page, complete, make_user):  # noqa: F811
    certificate = complete(make_user(email="nia@example.org", name="Nia Adebayo"))
    code = codes.display(certificate.code)
    page.goto("/learning/certified/completed")
    sign_in(page, "nia@example.org", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("You have completed Certified management bundle")
    expect(page.get_by_role("heading", name="Your certificate has been issued")).to_be_visible()
    audit(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download your certificate (PDF)").click()
    assert download.value.suggested_filename == f"certificate-{code}.pdf"
    page.get_by_role("link", name=certificate.verify_url).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This certificate is valid")

    page.goto("/my-learning-record/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning record")
    expect(page.get_by_role("table", name="Modules of Certified management bundle")).to_contain_text("Completed")
    expect(page.get_by_role("table", name="Your certificates")).to_contain_text("Certified management bundle")
    expect(page.locator("main")).not_to_contain_text("None recorded")
    audit(page)
    for label, suffix in (("PDF", ".pdf"), ("CSV", ".csv")):
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile(rf"^Download your transcript \({label}")).click()
        assert download.value.suggested_filename.startswith("transcript-")
        assert download.value.suggested_filename.endswith(suffix)

    page.goto("/account")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("America/New York")
    audit(page)
    page.goto("/my-learning-record/")
    expect(page.locator("main")).to_contain_text("Dates and times are in America/New York time")
