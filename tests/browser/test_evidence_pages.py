"""Assessed evidence in Chromium at phone and desktop widths, each page audited: a learner writes against the
criteria, attaches a PDF and submits; an assessor judges each criterion and accepts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from lms import db
from lms.testing import PASSWORD
from tests.browser.conftest import audit
from tests.evidence.conftest import (ACTIVITY, BUNDLE, PDF, PROJECT, people, plugins, ready,  # noqa: F401  (fixtures)
                                     test_config)

pytestmark = pytest.mark.browser


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")


def test_a_learner_submits_evidence_and_an_assessor_accepts_it(page: Page, people, ready, tmp_path) -> None:  # noqa: ANN001, F811
    db.commit()
    sign_in(page, people["learner"].email)
    page.goto(f"/learning/{BUNDLE}/{PROJECT}/{ACTIVITY}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your workplace project")
    audit(page)

    page.get_by_role("button", name="Submit for assessment").click()  # nothing written yet
    expect(page.get_by_role("alert")).to_contain_text("Say how your evidence meets this criterion")
    audit(page)

    report = tmp_path / "project summary.pdf"
    report.write_bytes(PDF)
    page.locator("input[type=file]").set_input_files(str(report))  # the enhanced drop zone wraps the input
    page.get_by_role("button", name="Attach file").click()
    expect(page.locator("main")).to_contain_text("project summary.pdf")
    for box in page.locator("textarea").all():
        box.fill("Agreed a shared aim with the council's reablement team; delays fell from 14 to 6 a week.")
    page.get_by_role("button", name="Submit for assessment").click()
    page.goto(f"/learning/{BUNDLE}/{PROJECT}/{ACTIVITY}")
    expect(page.locator("main")).to_contain_text("An assessor will judge it")
    audit(page)
    page.screenshot(path=str(tmp_path / "submitted.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, people["assessor"].email)
    page.goto("/assessment")
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment")
    audit(page)
    page.get_by_role("link", name="Lee Learner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your workplace project")
    audit(page)
    for group in page.locator("fieldset:has(input[value='yes'])").all():
        group.get_by_label("Met", exact=True).check()
    page.get_by_label("Feedback for the learner").fill("A clear shared aim, and the measure shows the change.")
    page.get_by_label("Accept: every criterion is met").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("main")).to_contain_text("Your decision is recorded: accepted")
    expect(page.locator("main")).to_contain_text("No evidence is waiting for you")
    audit(page)
