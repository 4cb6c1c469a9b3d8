"""Certificate journeys in Chromium, each page audited: a verifier checks codes and a PDF, a holder downloads;
the page that ends a bundle (the certificate moment) and the transcript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

import certificates.plugin
from certificates import codes, services
from lms import db
from lms.auth.models import Role
from lms.auth.security import load_principal
from tests.browser.conftest import audit
from tests.browser.test_auth_pages import sign_in
from tests.certificates.conftest import complete, instance, signing_files  # noqa: F401  (fixtures)
from tests.conftest import fixture_plugins
from lms.testing import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def plugins():
    return fixture_plugins("certified", hook_objects=[certificates.plugin])


@pytest.fixture
def test_config(test_config, signing_files):  # noqa: ANN001, F811
    return {**test_config, "CERTIFICATE_SIGNING_P12": str(signing_files[0])}


def test_a_verifier_checks_codes_without_an_account(page: Page, complete, make_user, session):  # noqa: F811
    valid = complete(make_user(name="Nia Adebayo"))
    revoked = complete(make_user(name="Tom Price"))
    services.revoke(session, load_principal(session, make_user(roles=[Role.PLATFORM_ADMIN]).id), revoked.code,
                    "Awarded in error")
    db.commit()

    page.goto("/verify")
    audit(page)
    shown = codes.display(valid.code)
    page.get_by_label("Verification code").fill(shown[:-1] + ("0" if shown[-1] != "0" else "1"))
    page.get_by_role("button", name="Check certificate").click()
    expect(page.get_by_role("alert")).to_contain_text("typing mistake")
    expect(page).to_have_title(re.compile("^Error: "))
    audit(page)

    page.get_by_label("Verification code").fill(shown.lower())
    page.get_by_role("button", name="Check certificate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This certificate is valid")
    expect(page.locator("main")).to_contain_text("Nia Adebayo")
    audit(page)

    page.goto(f"/verify/{codes.display(revoked.code)}")
    expect(page.get_by_role("heading", level=1)).to_have_text("This certificate has been revoked")
    expect(page.locator("main")).to_contain_text("Reason: Awarded in error")
    audit(page)


def test_a_verifier_uploads_the_pdf(page: Page, complete, make_user, instance, tmp_path):  # noqa: F811
    certificate = complete(make_user(name="Nia Adebayo"))
    copy = tmp_path / "certificate.pdf"
    copy.write_bytes((instance / certificate.pdf_path).read_bytes())
    page.goto("/verify/upload")
    audit(page)
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the certificate")
    audit(page)
    page.locator("input[type=file]").set_input_files(str(copy))  # the NHS.UK script puts a button over it
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This certificate is valid")
    expect(page.locator("main")).to_contain_text("exactly the file this service issued")
    audit(page)


def test_a_holder_downloads_and_reissues_after_a_name_change(page: Page, complete, make_user, session):  # noqa: F811
    user = make_user(email="nia@example.org", name="Nia Adebayo")
    complete(user)
    user.name = "Nia Adebayo-Clarke"
    session.add(user)
    db.commit()
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill("nia@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/certificates")
    expect(page.get_by_role("heading", level=1)).to_have_text("My certificates")
    audit(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download the PDF")).click()
    assert download.value.suggested_filename.startswith("certificate-")
    page.get_by_role("button", name="Get a new certificate in your current name").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Nia Adebayo-Clarke")
    expect(page.locator("main")).to_contain_text("Superseded")
    audit(page)
    db.rollback()


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
