"""Page rendering: Jinja with the NHS.UK macros, shared filters, navigation, the asset route and error pages."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, current_app, g, jsonify, render_template, request, send_from_directory, url_for
from flask_login import current_user
from flask.templating import Environment
from flask_wtf.csrf import CSRFError
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError
from werkzeug.routing import BuildError

from lms import db
from lms.auth.models import Role
from lms.auth.principal import current_person
from lms.speedups.flask_wtf import current_token
from lms import chrome
from lms.dates import format_date
from lms.errors import DomainError
from lms.kinds.base import template_loader
from lms.runtime import hooks

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
ASSETS = Path(__file__).parent / "static" / "nhsuk"  # copied from the nhsuk-frontend npm package: `lms assets`
JSON_PREFIXES = ("/api/", "/xapi/")
SERVICE_NAME = "Leadership and management training"


@dataclass(frozen=True)
class NavItem:
    """A header link shown to signed-in people holding any of roles (everyone, if roles is empty).

    It is marked on its own page and on the pages of its section: those whose address extends its own within
    its blueprint, and the endpoints listed in ``section`` (pages elsewhere that belong under it).
    """

    text: str
    endpoint: str
    roles: tuple[str, ...] = ()
    section: tuple[str, ...] = ()


# Endpoints that are not registered (an area not built, a plugin not installed) are left out.
DEFAULT_NAVIGATION = (
    NavItem("My learning", "learning.dashboard"),
    NavItem("Catalogue", "catalog.index"),
    NavItem("Eligibility", "eligibility.mine"),
    NavItem("Cohorts", "cohorts.home"),
    NavItem("Facilitate", "cohorts.facilitate", (Role.FACILITATOR,)),
    NavItem("Organisation admin", "orgs.home", (Role.ORG_ADMIN,)),
    NavItem("Assessment", "evidence.queue", (Role.ASSESSOR,)),
    NavItem("Quality assurance", "evidence.quality", (Role.ACCREDITOR,)),
)
# The NHS.UK component macros every page may call, as Jinja globals: loaded once, where an import at the
# top of the layout ran on every render. Name: (component folder, macro).
NHS_MACROS = {
    "backLink": ("back-link", "backLink"),
    "breadcrumb": ("breadcrumb", "breadcrumb"),
    "button": ("button", "button"),
    "card": ("card", "card"),
    "errorSummary": ("error-summary", "errorSummary"),
    "insetText": ("inset-text", "insetText"),
    "notificationBanner": ("notification-banner", "notificationBanner"),
    "summaryList": ("summary-list", "summaryList"),
    "tag": ("tag", "tag"),
    "warningCallout": ("warning-callout", "warningCallout"),
}
FOOTER_LINKS = (("Accessibility statement", "catalog.accessibility"), ("Catalogue", "catalog.index"))


def register_navigation(app: Flask, item: NavItem) -> None:
    """Add a header link (plugins call this from lms_configure_app)."""
    navigation(app).append(item)


def navigation(app: Flask) -> list[NavItem]:
    return app.extensions.setdefault("lms.navigation", list(DEFAULT_NAVIGATION))


def _link(endpoint: str) -> str | None:
    """The address of a page that takes no arguments (None if there is none): for menus and footers."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint)
    except BuildError:  # the endpoint needs arguments: it cannot be a menu link
        return None


def navigation_items() -> list[dict]:
    """The header menu for the signed-in person, with at most one item marked: the page or its section."""
    if not current_user.is_authenticated:
        return []
    shown = []
    for item in navigation(current_app):
        href = _link(item.endpoint)
        if href is not None and (not item.roles or any(current_user.has_role(role) for role in item.roles)):
            shown.append((item, href))
    marked = _marked([item for item, _ in shown])
    endpoint = request.endpoint
    return [{"text": item.text, "href": href, "current": item is marked and item.endpoint == endpoint,
             "active": item is marked and item.endpoint != endpoint} for item, href in shown]


def _marked(items: list[NavItem]) -> NavItem | None:
    """The one item a page marks: its own; else the item listing it in its section; else, of the items of the
    page's blueprint, the one whose address the page's extends furthest ("/certificates/organisations" over
    "/certificates" on an organisation's certificates).

    Addresses are compared as URL rules, so the answer depends on the endpoint alone, as the kept header
    (lms.chrome) requires.
    """
    endpoint = request.endpoint
    for item in items:
        if item.endpoint == endpoint:
            return item
    for item in items:
        if endpoint in item.section:
            return item
    rule = request.url_rule.rule if request.url_rule is not None else ""
    blueprint = request.blueprint
    best, reach = None, -1
    for item in items:
        if blueprint is None or item.endpoint.partition(".")[0] != blueprint:
            continue
        base = next(current_app.url_map.iter_rules(item.endpoint)).rule
        if (rule == base or rule.startswith(base.rstrip("/") + "/")) and len(base) > reach:
            best, reach = item, len(base)
    return best


def register_footer_link(app: Flask, text: str, endpoint: str) -> None:
    """Add a footer link to a page that takes no arguments (plugins call this from lms_configure_app)."""
    app.extensions.setdefault("lms.footer", list(FOOTER_LINKS)).append((text, endpoint))


def footer_items() -> list[dict]:
    links = current_app.extensions.get("lms.footer", FOOTER_LINKS)
    return [{"text": text, "href": href} for text, endpoint in links if (href := _link(endpoint))]


def role_label(value: str) -> str:
    """A role as people read it: "org_admin" -> "Organisation admin"."""
    try:
        return Role(value).label
    except ValueError:
        return value


def field_error(field) -> dict | None:  # noqa: ANN001
    """The errorMessage parameter of an NHS.UK form macro for a WTForms field (None when valid)."""
    return {"text": field.errors[0]} if field.errors else None


def error_list(form) -> list[dict]:  # noqa: ANN001
    """The errorList of the NHS.UK error summary: each message linking to its field."""
    items = [{"text": field.errors[0], "href": f"#{field.id}"} for field in form if field.errors]
    return items + [{"text": message} for message in getattr(form, "form_errors", [])]


class PageEnvironment(Environment):
    """Flask's Jinja environment, with templates sharing its globals instead of each wrapping them in a ChainMap,
    and every template loaded kept.

    On every `{% from %}` import, Jinja compares the render's global names with the imported template's
    through that ChainMap, one Python-level lookup per name: a quarter of a page's render time here. No
    template here is given globals of its own; one that is still gets the ChainMap.
    """

    def __init__(self, app: Flask, **options) -> None:  # noqa: ANN003
        # Templates are the app's and the plugins' files, a few dozen: kept in a plain dict. Jinja's LRU
        # cache moved a template to the back of a list on every look-up: 2 % of a rendered dashboard.
        super().__init__(app, **{"cache_size": -1, **options})

    def make_globals(self, d):  # noqa: ANN001, ANN201
        return self.globals if not d else super().make_globals(d)


def configure_templates(app: Flask) -> None:
    # The NHS.UK macros rely on chained optional parameters, hence ChainableUndefined; they live in
    # .jinja files, which Flask would not autoescape, so a person's name could inject markup there.
    # Set on the environment itself: extensions (Flask-WTF) may already have created it.
    app.jinja_options = {**app.jinja_options, "undefined": ChainableUndefined, "autoescape": _autoescape}
    app.jinja_env.undefined = ChainableUndefined
    app.jinja_env.autoescape = _autoescape
    app.jinja_loader = ChoiceLoader([FileSystemLoader(TEMPLATES), PackageLoader("nhsuk_frontend_jinja"),
                                     template_loader(app.extensions["lms.kinds"].values())])
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.globals.update(template_slot=_template_slot, field_error=field_error, error_list=error_list, chrome=chrome)
    app.jinja_env.globals.update({
        name: getattr(app.jinja_env.get_template(f"nhsuk/components/{folder}/macro.jinja").module, macro)
        for name, (folder, macro) in NHS_MACROS.items()
    })

    @app.route("/assets/<path:filename>", endpoint="assets")
    def _assets(filename: str):
        return send_from_directory(ASSETS, filename, max_age=86400)

    @app.context_processor
    def _globals() -> dict:
        return {
            "csp_nonce": g.get("csp_nonce", ""),
            "service_name": SERVICE_NAME,
            # Called by the page chrome only when it renders a header or footer it has not kept (lms.chrome).
            "navigation_items": navigation_items,
            "footer_items": footer_items,
            "home_url": _link("learning.dashboard" if current_person().is_authenticated else "auth.start") or "/",
            "csrf_token": current_token,  # in place of Flask-WTF's generate_csrf, which gives the same token
        }


def _autoescape(name: str | None) -> bool:
    return name is None or name.endswith((".html", ".htm", ".xml", ".svg", ".jinja"))


def _template_slot(slot: str, **context) -> Markup:
    """Concatenate what plugins contribute to a named slot in a core page."""
    return Markup("").join(part for part in hooks().lms_template_slot(slot=slot, context=context) if part)


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == "application/json"


def error_page(status: int, message: str, title: str | None = None, ways: tuple = ()) -> str:
    return render_template("error.html", status=status, title=title or _TITLES.get(status, "There is a problem"),
                           message=message, ways=ways)


def _message(error: HTTPException) -> str:
    return _MESSAGES.get(type(error)) or _MESSAGES.get(error.code) or error.description


def json_error(error: HTTPException) -> Response:
    """An HTTP error as JSON, {"error": message}, keeping its headers (Allow, Retry-After)."""
    response = error.get_response()
    response.set_data(json.dumps({"error": _message(error)}))
    response.content_type = "application/json"
    return response


def configure_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        if wants_json():
            body = {"error": error.message, **({"field": error.field} if error.field else {})}
            return jsonify(body), error.status
        # A gate's refusal (it carries ways) also links to the training that meets what is missing.
        ways = getattr(error, "ways", None)
        title = "You are not yet eligible" if ways is not None else None
        return error_page(error.status, error.message, title, ways or ()), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if wants_json():
            return json_error(error)
        response = error.get_response()  # keeps headers such as Allow and Retry-After
        response.set_data(error_page(error.code, _message(error)))
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        # The Host header is not in TRUSTED_HOSTS: no address can be built for this request, so no page frame.
        if wants_json():
            return json_error(error)
        return f"{_TITLES[400]}. {error.description}", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(InternalServerError)
    def _server_error(error: InternalServerError):
        # The failed request's transaction may be unusable: end it before rendering anything.
        db.rollback()
        message = _MESSAGES[500]
        if wants_json():
            return json_error(error)
        try:
            return error_page(500, message), 500
        except Exception:  # the page itself failed: say so plainly rather than not at all
            log.exception("error page failed")
            return f"{_TITLES[500]}. {message}", 500, {"Content-Type": "text/plain; charset=utf-8"}


_TITLES = {
    400: "There is a problem with your request",
    401: "Sign in to continue",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "This has already been done",
    413: "The file is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}
CSRF_MESSAGE = "This form has expired or was not sent from this service. Go back, reload the page and try again."
_MESSAGES = {
    CSRFError: CSRF_MESSAGE,
    404: "If you typed the web address, check it is correct. If you pasted the web address, check you "
         "copied the entire address.",
    405: "This page cannot be used that way. Go back and try again.",
    413: "The file is larger than the service accepts. Choose a smaller file.",
    429: "You have tried too many times. Wait a minute, then try again.",
    500: "Try again later. If the problem continues, contact your organisation admin.",
}
