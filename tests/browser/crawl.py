"""Follow every link a person can reach from a start page, and check each page at phone and desktop widths.

The checks are what people met and axe does not catch: markup printed as text, links the page offers
that answer 4xx or 5xx, a page wider than a phone, errors in the console, two header items marked as
the current page. axe runs on every page too (serious and critical violations fail, as in `audit`).
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

from playwright.sync_api import Page

from tests.browser.fixtures import VIEWPORTS, axe_problems, logged_errors

MAX_PAGES = 60  # pages opened per person: bounds the run time whatever the data
PER_ENDPOINT = 3  # pages of one kind opened per person (three people's pages, not thirty); the rest only requested
MAX_CHECKS = 400  # links requested per person (each is, before it is opened)
# Printed markup (a tag, or an entity escaped twice) in what a person reads on the page.
MARKUP_AS_TEXT = re.compile(r"<a\s|</a>|<span|</span>|<p>|</p>|<br>|&lt;|&gt;|&amp;|&quot;|&#\d")
FACTS = """() => ({
  text: document.body.innerText,
  wide: document.documentElement.scrollWidth > window.innerWidth,
  scrollWidth: document.documentElement.scrollWidth,
  current: [...new Set([...document.querySelectorAll('header a[aria-current]')]
                       .map(a => `${a.textContent.trim()} (aria-current=${a.getAttribute('aria-current')})`))],
  links: [...document.querySelectorAll('a[href]')].map(a => ({href: a.href, download: a.hasAttribute('download')})),
})"""


@dataclass
class Crawl:
    """What one person's crawl found: the pages opened, the links only checked, and every problem."""

    who: str
    opened: list[str] = field(default_factory=list)
    endpoints: Counter = field(default_factory=Counter)
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: Counter = field(default_factory=Counter)  # checking pages at each width ("375 px": ...)


def page_problems(page: Page, seconds: Counter | None = None) -> tuple[list[str], list[dict]]:
    """The problems of the page shown, at the phone width then the desktop width, and the links it offers.

    The tab is left at the phone width. ``seconds`` adds up the time the checks took at each width.
    """
    problems: list[str] = []
    links: list[dict] = []
    for name in ("phone", "desktop"):
        started = time.perf_counter()
        viewport = VIEWPORTS[name]
        page.set_viewport_size(viewport)
        facts = page.evaluate(FACTS)
        links = links or facts["links"]
        where = f"{viewport['width']} px"
        if match := MARKUP_AS_TEXT.search(facts["text"]):
            snippet = facts["text"][max(match.start() - 40, 0):match.end() + 40].replace("\n", " ")
            problems.append(f"shows markup as text at {where}: …{snippet}…")
        if name == "phone" and facts["wide"]:
            problems.append(f"scrolls sideways at {where}: the page is {facts['scrollWidth']} px wide")
        if len(facts["current"]) > 1:
            problems.append(f"marks {len(facts['current'])} header links current at {where}: {facts['current']}")
        problems += [f"axe at {where}: {text}" for text in axe_problems(page)]
        problems += [f"console at {where}: {text}" for text in logged_errors(page)]
        if seconds is not None:
            seconds[where] += time.perf_counter() - started
    page.set_viewport_size(VIEWPORTS["phone"])
    return problems, links


def crawl(page: Page, who: str, origin: str, endpoint_of: Callable[[str], str], skip: set[str]) -> Crawl:
    """Open the home page and every same-origin page linked from the pages opened, breadth first, within the bounds.

    ``endpoint_of`` names the kind of page an address is (its Flask endpoint); endpoints in ``skip`` (signing
    out) are never requested. Every other link is requested to check its status; downloads and pages
    beyond the bounds are not opened.
    """
    found = Crawl(who)
    queue: deque[str] = deque([origin + "/"])
    seen = {origin + "/"}
    while queue and len(found.opened) < MAX_PAGES:
        page.goto(queue.popleft())
        page.wait_for_load_state("load")
        shown = urldefrag(page.url).url
        if shown in found.opened:  # a link that redirected to a page already opened
            continue
        seen.add(shown)
        found.opened.append(shown)
        found.endpoints[endpoint_of(shown)] += 1
        problems, links = page_problems(page, found.seconds)
        found.problems += [f"{shown}: {problem}" for problem in problems]
        for link in links:
            target = urldefrag(link["href"]).url
            if not target.startswith(origin + "/") or target in seen:
                continue
            seen.add(target)
            endpoint = endpoint_of(target)
            if endpoint in skip or found.checked >= MAX_CHECKS:
                continue
            # Every link is requested first (in the person's session): its status, and whether it is a page
            # to open or a file to download (opening a download would leave the tab where it was).
            found.checked += 1
            if not _answers_a_page(page, target, shown, found) or link["download"]:
                continue
            if found.endpoints[endpoint] + _queued(queue, endpoint, endpoint_of) < PER_ENDPOINT:
                queue.append(target)
    return found


def _queued(queue: deque[str], endpoint: str, endpoint_of: Callable[[str], str]) -> int:
    return sum(endpoint_of(address) == endpoint for address in queue)


def _answers_a_page(page: Page, target: str, linked_from: str, found: Crawl) -> bool:
    """Request a link without opening it: a problem if it answers 4xx or 5xx; True if it is an HTML page."""
    response = page.context.request.get(target, max_redirects=5)
    try:
        if response.status >= 400:
            found.problems.append(f"{target} (linked from {linked_from}) answered {response.status}")
            return False
        return response.headers.get("content-type", "").startswith("text/html")
    finally:
        response.dispose()
