"""The application factory: a short list of configure and register steps."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, Callable, Mapping

from flask import Flask, Request
from flask.ctx import RequestContext
from flask.globals import _cv_request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

from lms import db, pages
from lms.config import check_production, load_config
from lms.learning.advancement import configure_advancement
from lms.paging import MAX_ID
from lms.plugins.discovery import PluginSet, enabled_plugins, make_plugin_manager
from lms.plugins.loader import activity_kinds, load_catalog

CORE_BLUEPRINTS = (
    "lms.auth.views",
    "lms.orgs.views",
    "lms.catalog.views",
    "lms.learning.views",
    "lms.learning.eligibility_views",
    "lms.notices.views",
    "lms.evidence.views",
    "lms.xapi.views",
    "lms.xapi.resource_views",
    "lms.xapi.document_views",
    "lms.xapi.record_views",
)


class RecordId(IntegerConverter):
    """``<id:name>``: a record's id in an address, ASCII digits from 1 to MAX_ID; anything else matches no route (404).

    Werkzeug's ``int`` took any number (one past what the id columns hold made the database or its driver
    raise) and any Unicode digit ("١" read as 1).
    """

    regex = r"[0-9]+"

    def __init__(self, map: Map) -> None:  # noqa: A002  (Werkzeug's name)
        super().__init__(map, min=1, max=MAX_ID)


NUL_REFUSED = "Web addresses and forms cannot contain the NUL character (%00): remove it and try again."


class CheckedValues(ImmutableMultiDict):
    """A page request's query or form values, refused with a 400 when one holds a NUL character.

    PostgreSQL's text cannot hold one, so a NUL in a value that reached a query (a sign-in address, a search)
    was a 500 there. Checked as the values are first read, so a request that reads none pays nothing. Uploaded
    files are their readers' to check.
    """

    def __init__(self, mapping: Any = None) -> None:
        super().__init__(mapping)
        if any(isinstance(value, str) and "\x00" in value for _, values in self.lists() for value in values):
            raise BadRequest(NUL_REFUSED)


class CheckedRequest(Request):
    """The main app's request: its query and form values are ``CheckedValues``."""

    parameter_storage_class = CheckedValues


URL_LIMIT = 4096  # addresses remembered per process: the content's pages, several times over
ROUTE_LIMIT = 4096  # matched addresses remembered per process
# Converters whose values depend on nothing but the address: a match made with them can be reused.
PLAIN_CONVERTERS = frozenset({*Map.default_converters.values(), RecordId})


class RoutedRequestContext(RequestContext):
    """Flask's request context, reusing the app's recent match of the same address and method.

    Matching a lesson's address (three parts) against every rule was 4 % of the page. Only a match that
    succeeded is kept, and only for a rule whose converters are Werkzeug's own; a failed match (not found,
    a redirect, a method not allowed) is made again each time, as Flask makes it.
    """

    def match_request(self) -> None:
        adapter = self.url_adapter
        routes = self.app._routes  # type: ignore[attr-defined]
        key = (adapter.server_name, adapter.subdomain, adapter.script_name, adapter.url_scheme, adapter.path_info,
               adapter.default_method, adapter.websocket)
        found = routes.get(key)
        if found is not None:
            rule, values = found
            # A copy: URL value preprocessors may pop from it.
            self.request.url_rule, self.request.view_args = rule, dict(values)
            return
        super().match_request()
        rule = self.request.url_rule
        if rule is None or any(type(c) not in PLAIN_CONVERTERS for c in rule._converters.values()):
            return
        if len(routes) >= ROUTE_LIMIT:
            routes.clear()
        routes[key] = (rule, dict(self.request.view_args))


class App(Flask):
    """Flask, remembering which of its functions are synchronous, the addresses it has built and matched.

    ``ensure_sync`` asked ``inspect`` afresh about every before- and after-request function, context
    processor, teardown and view on every request: 2 % of a rendered page. A page builds several
    addresses (breadcrumbs, links to modules), each as costly as a line of the page.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url_map.converters["id"] = RecordId  # every route taking a record's id uses it, the lean apps' too
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._urls: dict[tuple, str] = {}
        self._routes: dict[tuple, tuple] = {}
        self._processors: dict[tuple[str, ...], list[Callable[[], dict[str, Any]]]] = {}

    def request_context(self, environ: dict) -> RequestContext:
        return RoutedRequestContext(self, environ)

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


def create_app(config: Mapping[str, Any] | None = None, *, plugins: PluginSet | None = None) -> Flask:
    """Build the app; refuses to start on an unsafe production setup or invalid content."""
    settings = load_config(config)
    problems = check_production(settings)
    if problems:
        raise RuntimeError(f"refusing to start ({settings['ENV']}): " + "; ".join(problems))
    app = App(__name__, instance_path=settings["INSTANCE_PATH"])
    from lms.web import PageEnvironment

    app.jinja_environment = PageEnvironment  # before anything creates app.jinja_env
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure_plugins(app, plugins or PluginSet.discover())
    configure_advancement(app)
    db.init_app(app)
    pages.init_app(app)
    configure_transactions(app)
    app.request_class = CheckedRequest
    from lms.auth.security import configure_security
    from lms.web import configure_errors, configure_templates

    configure_security(app)
    configure_templates(app)
    configure_errors(app)
    register_blueprints(app)
    settle_memory(app)
    return app


def settle_memory(app: Flask) -> None:
    """Move what start-up built (modules, content, templates, tables) out of the garbage collector's sight.

    Those objects live as long as the process, yet every full collection walked all of them again, and a
    request that allocates a lot (a batch of statements, a page) triggers collections: in a batch of 100
    statements that walk was a quarter of the request's time. Not under test, where many apps are built
    and thrown away in one process and must stay collectable.
    """
    if not app.testing:
        gc.collect()
        gc.freeze()


def configure_plugins(app: Flask, plugins: PluginSet) -> None:
    """The enabled plugins' hooks, kinds and content; refuses to start on any problem in them."""
    plugins = enabled_plugins(plugins, app.config)
    manager = make_plugin_manager(plugins)
    app.extensions["lms.plugins"] = manager
    app.extensions["lms.catalog"] = load_catalog(plugins, manager)
    app.extensions["lms.kinds"] = activity_kinds(manager)[0]
    manager.hook.lms_configure_app(app=app)


def configure_transactions(app: Flask) -> None:
    """One transaction per request: commit a successful response, roll back anything else."""

    @app.after_request
    def _commit(response):  # noqa: ANN001
        if response.status_code < 400:
            db.commit()
        else:
            db.rollback()
        return response


def register_blueprints(app: Flask) -> None:
    import importlib

    for dotted in CORE_BLUEPRINTS:
        app.register_blueprint(importlib.import_module(dotted).bp)
    for batch in app.extensions["lms.plugins"].hook.lms_blueprints():
        for blueprint in batch:
            app.register_blueprint(blueprint)
    # Plugin commands join app.cli: the `lms` command (a FlaskGroup) and test CLI runners find them there.
    for batch in app.extensions["lms.plugins"].hook.lms_cli_commands():
        for command in batch:
            app.cli.add_command(command)
