"""My learning record in a real browser, at phone and desktop sizes, audited with axe."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from lms import db
from lms.xapi import platform
from lms.xapi.platform import Outcome, Person, Thing
from tests.browser.conftest import audit
from tests.browser.test_auth_pages import sign_in
from lms.testing import PASSWORD

pytestmark = pytest.mark.browser


def test_a_learner_reads_and_downloads_their_record(page: Page, session, make_user):  # noqa: ANN001
    me = make_user(email="ada@example.org", name="Ada Lovelace")
    person = Person(me.id, me.name, me.email)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for day in range(27):
        platform.experienced(session, person, Thing(f"lesson-{day}", f"Lesson {day}"), module=Thing("alpha", "Alpha"),
                             at=start + timedelta(days=day))
    platform.completed_module(session, person, Thing("alpha", "Alpha"), at=start + timedelta(days=30),
                              outcome=Outcome(scaled=0.9, success=True, completion=True))
    db.commit()
    page.goto("/my-learning-record/")
    sign_in(page, "ada@example.org", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning record")
    recorded = page.locator("table").last  # the transcript's tables come first
    expect(recorded).to_contain_text("Completed Alpha")
    expect(recorded).to_contain_text("Score 90%, passed")
    audit(page)
    page.get_by_role("link", name="Next").click()
    expect(page.locator("table").last).to_contain_text("Experienced Lesson 0")
    audit(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download everything recorded \(xAPI JSON")).click()
    assert download.value.suggested_filename == f"learning-record-{me.id}.json"
