"""The guard: every demo role signs in and every page they can reach from home is checked in Chromium.

The data is the demo's own (``lms.demo.seed`` with the plugins' ``lms_demo_data``, as ``lms demo`` builds
it) on the shipped content, so each role sees realistic pages. See tests/browser/crawl.py for the checks.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select
from werkzeug.exceptions import HTTPException

from lms import db
from lms.auth.models import User
from lms.demo import ACCOUNTS, seed
from lms.learning.models import Enrolment
from lms.orgs.models import Organisation
from lms.plugins.discovery import PluginSet
from tests.browser.crawl import Crawl, crawl, page_problems
from tests.browser.fixtures import VIEWPORTS, LiveServer, close_tab, open_tab
from lms.testing import PASSWORD

pytestmark = pytest.mark.browser
ANONYMOUS = "anonymous"
# Pages the crawl must reach, so that it keeps guarding them: the admin lists whose links were printed as
# text, and the certificate records whose header marked two items current.
MUST_REACH = {"orgs.home", "orgs.organisations", "orgs.local_modules", "orgs.people_list", "orgs.compliance",
              "certificates.organisations", "certificates.organisation", "certificates.mine",
              "certificates.verify_code", "learning.activity", "catalog.bundle", "eligibility.mine"}


@pytest.fixture
def plugins() -> PluginSet:
    """The shipped bundles, modules and plugins (certificates among them), as the demo runs them."""
    return PluginSet.discover()


@pytest.fixture
def test_config(test_config):  # noqa: ANN001
    # The demo's own advancement rules, which name the shipped bundles.
    return {key: value for key, value in test_config.items() if key != "ADVANCEMENT_RULES"}


@pytest.fixture
def demo(session) -> dict:  # noqa: ANN001
    """The demo world, committed (certificates rendered after the commit, as in ``lms demo``)."""
    people = seed(session, PASSWORD)
    db.commit()
    return people


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()


def endpoints(app):  # noqa: ANN001, ANN201
    """The kind of page an address is: its endpoint in the app (or the path itself when none matches)."""
    adapter = app.url_map.bind("127.0.0.1")

    def endpoint_of(address: str) -> str:
        path = urlsplit(address).path or "/"
        try:
            return adapter.match(path, method="GET")[0]
        except HTTPException:
            return path

    return endpoint_of


def crawl_as(browser: Browser, live_server: LiveServer, who: str, endpoint_of) -> Crawl:  # noqa: ANN001
    tab = open_tab(browser, live_server.url, VIEWPORTS["phone"])
    try:
        if who != ANONYMOUS:
            sign_in(tab, who)
        return crawl(tab, who, live_server.url, endpoint_of, skip={"auth.sign_out"})
    finally:
        close_tab(tab)


def test_every_page_each_demo_role_can_reach_reads_well_at_both_widths(app, browser, live_server, demo):  # noqa: ANN001
    endpoint_of = endpoints(app)
    crawls, seconds = [], {}
    for who in (ANONYMOUS, *(account.email for account in ACCOUNTS)):
        started = time.perf_counter()
        crawls.append(crawl_as(browser, live_server, who, endpoint_of))
        seconds[who] = time.perf_counter() - started
    # Printed with -s: how far each crawl went and how long it took.
    for found in crawls:
        widths = ", ".join(f"{width} {spent:.0f} s" for width, spent in found.seconds.items())
        print(f"{found.who:>26}: {len(found.opened):>2} pages opened, {found.checked:>3} links checked, "
              f"{len(found.problems)} problems, {seconds[found.who]:.0f} s ({widths} of checks)")
    problems = [f"[{found.who}] {problem}" for found in crawls for problem in found.problems]
    unreached = MUST_REACH - {endpoint for found in crawls for endpoint in found.endpoints}
    problems += [f"the crawl no longer reaches {endpoint}" for endpoint in sorted(unreached)]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


# Pages that only a form leads to: the staff import's result, and an assignment refused by a gate.


@pytest.fixture
def org_admin_tab(browser, live_server, demo) -> Iterator[Page]:  # noqa: ANN001
    tab = open_tab(browser, live_server.url, VIEWPORTS["phone"])
    sign_in(tab, "orgadmin@example.org")
    yield tab
    close_tab(tab)


def ids(session, *emails: str) -> tuple[int, ...]:  # noqa: ANN001
    """RX1's id, then the people's ids, read and the read ended: the server must not wait on the test's lock."""
    org_id = session.exec(select(Organisation.id).where(Organisation.code == "RX1")).one()
    people = dict(session.exec(select(User.email, User.id).where(User.email.in_(emails))).all())
    db.rollback()
    return org_id, *(people[email] for email in emails)


def test_the_staff_import_result_reads_well_on_a_phone(org_admin_tab: Page, session):  # noqa: ANN001
    page = org_admin_tab
    [org_id] = ids(session)
    page.goto(f"/admin/organisations/{org_id}/import")
    staff = (b"email,name,band\n"
             b"oluwaseun.adebayo-richardson@northshire-hospitals.example.org,Oluwaseun Adebayo-Richardson,5\n"
             b"kit@example.org,Kit Lee,\n")
    page.set_input_files("input[type=file][name=file]",
                         files=[{"name": "staff.csv", "mimeType": "text/csv", "buffer": staff}])
    page.get_by_role("button", name="Import staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2 people imported")
    # Each join link is shown as an address a person can copy, not wrapped in markup.
    expect(page.locator("main")).to_contain_text(re.compile(r"https?://\S+/join/\S+"))
    problems, _ = page_problems(page)
    assert not problems, "\n".join(problems)


def test_assigning_gated_training_to_people_not_eligible_comes_back_to_the_form(org_admin_tab: Page,
                                                                              session):  # noqa: ANN001
    page = org_admin_tab
    org_id, joiner, revoked = ids(session, "joiner@example.org", "revoked.manager@example.org")
    page.goto(f"/admin/organisations/{org_id}/assign?user={joiner}&user={revoked}")
    page.get_by_label("Senior management").check()
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill(str(db.utcnow().year + 1))
    with page.expect_response(lambda response: response.request.method == "POST") as sent:
        page.get_by_role("button", name="Assign training").click()
    assert sent.value.status == 400
    expect(page).to_have_title(re.compile("^Error: Assign training"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Amira Hassan: Core management certificate: not held")
    expect(summary).to_contain_text(re.compile(r"Sam Okafor: Core management certificate: revoked on \d+ \w+ \d{4}"))
    # What was entered is kept.
    expect(page.get_by_label("Amira Hassan")).to_be_checked()
    expect(page.get_by_label("Sam Okafor")).to_be_checked()
    expect(page.get_by_label("Senior management")).to_be_checked()
    expect(page.get_by_label("Year")).to_have_value(str(db.utcnow().year + 1))
    problems, _ = page_problems(page)
    assert not problems, "\n".join(problems)
    # Nothing was assigned.
    assert session.exec(select(Enrolment).where(Enrolment.bundle_id == "senior-management",
                                                Enrolment.user_id.in_([joiner, revoked]))).all() == []
    db.rollback()
