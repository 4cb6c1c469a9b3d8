"""A person's own learning pages, kept rendered per worker until their records change (or a minute passes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from cachetools import TTLCache
from flask import Flask, current_app, g, request, session as cookie_session
from flask_wtf.csrf import generate_csrf

from lms.auth.principal import current_person

# Stands in for what differs between two responses of the same page: the script nonce.
NONCE_MARK = "\x00csp-nonce\x00"
READS = frozenset({"GET", "HEAD"})


class PageStore:
    """Rendered pages by (person, learning version, session, URL); bounded in characters and in age."""

    def __init__(self, max_chars: int, seconds: float, timer: Callable[[], float] = time.monotonic) -> None:
        self._pages: TTLCache = TTLCache(max_chars, seconds, timer=timer, getsizeof=len)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe; the dev server is threaded

    def get(self, key: tuple) -> str | None:
        with self._lock:
            return self._pages.get(key)

    def put(self, key: tuple, page: str) -> None:
        if len(page) > self._pages.maxsize:
            return
        with self._lock:
            self._pages[key] = page


def init_app(app: Flask) -> None:
    """Give the app its page store (none when PAGE_CACHE_MB is 0)."""
    megabytes = app.config["PAGE_CACHE_MB"]
    if megabytes > 0:
        app.extensions["lms.pages"] = PageStore(int(megabytes * 2**20), app.config["PAGE_CACHE_SECONDS"])


def personal_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve a signed-in person's GET page from the store while nothing of theirs has changed.

    The key holds the person's learning version, which every write to their records bumps in the same
    transaction (see ``lms.learning_versions``), so a page is never shown after the records under it have
    changed, from any worker or command. Only pages built from the person's own rows (and the content),
    that flash nothing on GET, may use this: while a message waits to be shown nothing is served or kept.
    The store's age limit bounds how late the passing of time (a due date going by) shows.
    """
    @wraps(view)
    def cached(*args: Any, **kwargs: Any) -> Any:
        store: PageStore | None = current_app.extensions.get("lms.pages")
        if store is None or request.method not in READS or "_flashes" in cookie_session:
            return view(*args, **kwargs)  # a message waiting to be shown goes on the page
        if "csrf_token" not in cookie_session:
            generate_csrf()  # make the session's CSRF secret now: it is part of the key
        secret = cookie_session.get("csrf_token")
        if secret is None:  # Flask-WTF made this request's token earlier, from no secret: nothing to key on
            return view(*args, **kwargs)
        environ = request.environ
        # Per session, not per person: the page's form token is bound to the session's CSRF secret, and is
        # far younger than its time limit (an hour) whenever the page is served, so it is kept as it is.
        person = current_person()
        key = (person.id, person.learning_version, secret,
               environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"),
               environ.get("QUERY_STRING"))
        page = store.get(key)
        if page is not None:
            return _fill(page)
        page = view(*args, **kwargs)
        if isinstance(page, str):
            store.put(key, _hollow(page))
        return page

    return cached


def _hollow(page: str) -> str:
    nonce = g.get("csp_nonce")
    return page.replace(nonce, NONCE_MARK) if nonce else page


def _fill(page: str) -> str:
    return page.replace(NONCE_MARK, g.get("csp_nonce", ""))
