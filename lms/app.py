"""The application factory: a short list of configure and register steps."""

from __future__ import annotations

import gc
import importlib
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

from lms import db, learning_versions, pages, speedups  # noqa: F401  (learning_versions: its flush listener)
from lms.auth.security import configure_security
from lms.config import check_production, load_config
from lms.learning.advancement import configure_advancement
from lms.paging import MAX_ID
from lms.plugins.discovery import PluginSet, enabled_plugins, make_plugin_manager
from lms.plugins.loader import activity_kinds, load_catalog
from lms.speedups import flask as speedups_flask
from lms.web import PageEnvironment, configure_errors, configure_templates

CORE_BLUEPRINTS = (
    "lms.auth.views",
    "lms.orgs.views",
    "lms.catalog.views",
    "lms.learning.views",
    "lms.learning.eligibility_views",
    "lms.notices.views",
    "lms.cohorts.views",
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


class App(Flask):
    """Flask, with every route taking a record's id matching only a valid one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url_map.converters["id"] = RecordId  # every route taking a record's id uses it, the lean apps' too


def create_app(config: Mapping[str, Any] | None = None, *, plugins: PluginSet | None = None) -> Flask:
    """Build the app; refuses to start on an unsafe production setup or invalid content."""
    settings = load_config(config)
    problems = check_production(settings)
    if problems:
        raise RuntimeError(f"refusing to start ({settings['ENV']}): " + "; ".join(problems))
    # The app's class gives Flask's own url_for, context processing and ensure_sync when that device is off.
    app_class = speedups_flask.faster(App) if "flask" in speedups.devices_on(settings["SPEEDUPS"]) else App
    app = app_class(__name__, instance_path=settings["INSTANCE_PATH"])
    app.jinja_environment = PageEnvironment  # before anything creates app.jinja_env
    app.config.update(settings)
    speedups.init_app(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure_plugins(app, plugins or PluginSet.discover())
    configure_advancement(app)
    db.init_app(app)
    pages.init_app(app)
    configure_transactions(app)
    app.request_class = CheckedRequest
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
    for dotted in CORE_BLUEPRINTS:
        app.register_blueprint(importlib.import_module(dotted).bp)
    for batch in app.extensions["lms.plugins"].hook.lms_blueprints():
        for blueprint in batch:
            app.register_blueprint(blueprint)
    # Plugin commands join app.cli: the `lms` command (a FlaskGroup) and test CLI runners find them there.
    for batch in app.extensions["lms.plugins"].hook.lms_cli_commands():
        for command in batch:
            app.cli.add_command(command)
