"""Flask: the app remembers the addresses it built, its context processors' order and which functions are sync.

What it buys (bench/pages.py, a kept dashboard and a lesson page): Flask asked ``inspect`` afresh about every
before- and after-request function, context processor, teardown and view on every request (2 % of a rendered
page); a page builds several addresses (breadcrumbs, links to modules), each as costly as a line of the page;
and Flask runs the default context processor again for each blueprint a page is in.

Private names touched: ``flask.globals._cv_request`` (the request context, read without a proxy).
Checked on: Flask 3.1.3.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import Flask
from flask.globals import _cv_request

URL_LIMIT = 4096  # addresses remembered per process: the content's pages, several times over


class Memos:
    """Mixed in before Flask: ``url_for``, ``update_template_context`` and ``ensure_sync``, remembered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._urls: dict[tuple, str] = {}
        self._processors: dict[tuple[str, ...], list[Callable[[], dict[str, Any]]]] = {}

    def url_for(self, /, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: Any) -> str:
        """A page's address as Flask builds it, remembered by everything the result depends on.

        Only a plain in-request address is remembered: not an external one, an anchor or a method, nor
        any while a plugin adds URL defaults (which may read the request).
        """
        context = _cv_request.get(None)
        adapter = context.url_adapter if context is not None else None
        if adapter is None or _anchor or _method or _scheme or _external \
                or any(self.url_default_functions.values()):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=_external, **values)
        blueprint = context.request.blueprint if endpoint[:1] == "." else None
        # Each value's type too: 1 and True are equal keys, but not the same address.
        key = (endpoint, blueprint, adapter.script_name, adapter.server_name, adapter.subdomain,
               adapter.url_scheme, *((name, value, type(value)) for name, value in values.items()))
        try:
            return self._urls[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (a list of query arguments)
            return super().url_for(endpoint, **values)
        url = super().url_for(endpoint, **values)
        if len(self._urls) >= URL_LIMIT:
            self._urls.clear()
        self._urls[key] = url
        return url

    def update_template_context(self, context: dict[str, Any]) -> None:
        """Flask's, running each context processor once, in the order of its last place in Flask's list.

        Flask gives every blueprint its default processor (``g``, ``request``, ``session``) and runs it again
        for each blueprint a page is in. A processor gives the same values all through a request, so the
        values that stand are those of each one's last run, as in Flask. The list is worked out once per
        chain of blueprints: processors cannot be added once the app has served a request.
        """
        request_context = _cv_request.get(None)
        blueprints = tuple(request_context.request.blueprints) if request_context is not None else ()
        processors = self._processors.get(blueprints)
        if processors is None:
            chain = [func for name in (None, *reversed(blueprints))
                     for func in self.template_context_processors.get(name, ())]
            processors = self._processors[blueprints] = [
                self.ensure_sync(func) for place, func in enumerate(chain) if func not in chain[place + 1:]]
        given = context.copy()  # what the page was given takes precedence
        for processor in processors:
            context.update(processor())
        context.update(given)

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        sync = self._sync.get(func)
        if sync is None:
            sync = self._sync[func] = super().ensure_sync(func)
        return sync


_faster: dict[type, type] = {}


def faster(app_class: type[Flask]) -> type[Flask]:
    """app_class with the memos (one class per app class, so apps of it stay of one type)."""
    made = _faster.get(app_class)
    if made is None:
        made = _faster[app_class] = type(f"Fast{app_class.__name__}", (Memos, app_class), {
            "__doc__": app_class.__doc__, "__module__": __name__})
    return made
