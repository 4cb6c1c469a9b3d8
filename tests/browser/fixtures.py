"""Browser fixtures for every area's tests: a live server, Debian's Chromium through Playwright, an axe audit."""

# Registered for the whole suite in tests/conftest.py (pytest_plugins), so tests/<area>/ can use
# `page` and `live_server` too; import only `audit` from here (importing a fixture into a test module
# would define a second copy of it).
#
# `live_server` serves the test's own app (tests/conftest.py's `app`: a fresh migrated database,
# emptied afterwards) on 127.0.0.1 with CSRF checking ON, as in production. Data made with the
# factories must be committed (``db.commit()``) before the browser asks for it, and a test that reads
# the database afterwards should end that read with ``db.rollback()`` so it holds no lock the server
# needs.
#
# `page` runs each test twice, at 375x812 (a phone) and 1280x800. `audit(page)` fails on any serious
# or critical axe-core violation and on any error the page logged (a script error, a resource that
# failed to load, a Content-Security-Policy violation).

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from lms.assets import ensure_assets

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}
FAILING_IMPACTS = ("serious", "critical")
# Generous waits: these are upper bounds, reached only when the machine is busy (parallel workers on
# two cores); Playwright carries on the moment the page is ready.
ACTION_TIMEOUT_MS = 30_000
expect.set_options(timeout=15_000)


@dataclass(frozen=True)
class LiveServer:
    url: str

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:  # noqa: ANN001
    """The test's app on a free port of 127.0.0.1, served from a thread for the length of the test."""
    ensure_assets()
    # Forms are checked for CSRF tokens as in production; no fixed SERVER_NAME (the server has a port).
    app.config.update(WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


_running: dict[str, Browser] = {}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium per test process; each test gets its own context (cookies, storage)."""
    if "chromium" in _running:
        # A second definition of this fixture (one imported into a test module) shares the browser:
        # Playwright's sync API cannot run twice in one thread.
        yield _running["chromium"]
        return
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        _running["chromium"] = chromium
        try:
            yield chromium
        finally:
            del _running["chromium"]
            chromium.close()


_page_errors: dict[int, list[str]] = {}


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser: Browser, live_server: LiveServer) -> Iterator[Page]:  # noqa: ANN001
    """A fresh browser tab at one of the two viewport sizes, with base_url set to the live server."""
    tab = open_tab(browser, live_server.url, VIEWPORTS[request.param])
    try:
        yield tab
    finally:
        close_tab(tab)


def open_tab(browser: Browser, base_url: str, viewport: dict[str, int]) -> Page:
    """A tab in a context of its own (cookies, storage), with axe loaded and the errors it logs collected."""
    context = browser.new_context(viewport=viewport, base_url=base_url)
    # axe is added by the DevTools protocol, which the page's CSP does not govern, so the CSP the
    # pages really send stays in force while they are audited.
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
    tab = context.new_page()
    errors = _page_errors.setdefault(id(tab), [])
    tab.on("console", lambda message: _console_error(errors, message))
    tab.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    tab.on("response", lambda response: _failed_resource(errors, response))
    return tab


def close_tab(tab: Page) -> None:
    _page_errors.pop(id(tab), None)
    tab.context.close()


def logged_errors(page: Page) -> list[str]:
    """The errors the tab has logged since the last call (script errors, failed resources, CSP violations)."""
    errors = _page_errors.get(id(page), [])
    found, errors[:] = list(errors), []
    return found


def _console_error(errors: list[str], message) -> None:  # noqa: ANN001
    # Failed loads are judged from the responses below: Chrome also logs a page answered with 4xx
    # (a form with errors, a refused link), which is the page working as intended.
    if message.type == "error" and not message.text.startswith("Failed to load resource:"):
        errors.append(message.text)


def _failed_resource(errors: list[str], response) -> None:  # noqa: ANN001
    """A stylesheet, script, image or font the page needed and did not get."""
    if response.status >= 400 and response.request.resource_type != "document":
        errors.append(f"{response.request.resource_type} {response.url} answered {response.status}")


def axe_problems(page: Page) -> list[str]:
    """The page's serious and critical axe-core violations, each with the elements at fault, readably."""
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
    return [
        f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})\n"
        + "\n".join(f"    at {node['target']}: {node['failureSummary']}".replace("\n", " ") for node in v["nodes"])
        for v in failing
    ]


def audit(page: Page) -> None:
    """Fail on serious or critical axe-core violations, and on errors the page logged, listed readably."""
    # A click that navigates returns before the new page exists; audit the page once it has loaded.
    page.wait_for_load_state("load")
    problems = axe_problems(page) + [f"[console] {text}" for text in _page_errors.get(id(page), [])]
    if problems:
        pytest.fail(f"{page.url} ({page.viewport_size['width']}px wide) has {len(problems)} problem(s):\n"
                    + "\n".join(problems), pytrace=False)
