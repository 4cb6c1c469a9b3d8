"""The page chrome (head links, skip link, header, messages, footer) rendered once per distinct menu and reused.

The NHS.UK header and footer macros cost several times more to render than a whole page body, and
they differ between requests only in a few values. So each distinct shape is rendered once per
process with placeholders for the person's name and CSRF token, which are escaped in afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, get_flashed_messages, request, url_for
from markupsafe import Markup, escape

from lms.auth.principal import current_person
from lms.speedups.flask_wtf import current_token

NAME, TOKEN, NONCE = "\x00name\x00", "\x00csrf\x00", "\x00nonce\x00"
MAX_SHAPES = 512  # distinct menus kept per process; plenty for every role combination


def _render_macro(component: str, macro: str, params: dict[str, Any]) -> str:
    source = f'{{% from "nhsuk/components/{component}/macro.jinja" import {macro} %}}{{{{ {macro}(params) }}}}'
    return current_app.jinja_env.from_string(source).render(params=params)


def _cached(key: tuple, build) -> str:  # noqa: ANN001
    # Through the proxy once (each read through it costs about a microsecond, and the chrome makes five a page).
    shapes: dict[tuple, str] = current_app._get_current_object().extensions.setdefault("lms.chrome", {})
    html = shapes.get(key)
    if html is None:
        if len(shapes) >= MAX_SHAPES:
            shapes.clear()
        html = shapes[key] = build()
    return html


def head(nonce: str) -> Markup:
    """The NHS.UK page template's icons, then the stylesheets and the script that starts the components."""
    def build() -> str:
        assets = url_for("assets", filename="").rstrip("/")
        icons = "".join(f'<link rel="{rel}" href="{assets}/{path}"{extra}>' for rel, path, extra in (
            ("icon", "images/favicon.ico", ' sizes="48x48"'),
            ("icon", "images/favicon.svg", ' sizes="any" type="image/svg+xml"'),
            ("mask-icon", "images/nhsuk-icon-mask.svg", ' color="#005eb8"'),
            ("apple-touch-icon", "images/nhsuk-icon-180.png", ""),
            ("manifest", "manifest.json", ""),
        ))
        return (f'{icons}<link rel="stylesheet" href="{assets}/nhsuk-frontend.min.css">'
                f'<link rel="stylesheet" href="{url_for("static", filename="lms.css")}">'
                f'<script type="module" nonce="{NONCE}">\n  import {{ initAll }} from "{assets}/nhsuk-frontend.min.js"\n'
                '  initAll()\n</script>')

    html = _cached(("head", request._get_current_object().script_root), build)
    return Markup(html.replace(NONCE, str(escape(nonce))))


def messages() -> Markup:
    """The messages flashed for this page, each an NHS.UK notification banner with its own heading id."""
    flashed = get_flashed_messages(with_categories=True)
    if not flashed:
        return Markup("")
    banner = current_app.jinja_env.globals["notificationBanner"]
    return Markup("").join(banner({
        "text": message,
        "type": "success" if category == "success" else None,
        "titleId": f"flash-{number}",
        "titleText": "Success" if category == "success" else "Important",
    }) for number, (category, message) in enumerate(flashed, 1))


def skip_link() -> Markup:
    return Markup(_cached(("skip",), lambda: _render_macro(
        "skip-link", "skipLink", {"href": "#maincontent", "text": "Skip to main content"})))


def page_header(service_name: str, home_url: str, navigation_items: Callable[[], list[dict]]) -> Markup:
    """The header; ``navigation_items`` (the menu) is called only for a shape not yet rendered.

    The menu depends on nothing but the mount point, the page's endpoint and the person's role names.
    """
    person = current_person()
    signed_in = person.is_authenticated
    roles = frozenset(role for _, role in person.roles)
    current = request._get_current_object()
    key = ("header", signed_in, service_name, home_url, current.script_root, current.endpoint, roles)

    def build() -> str:
        if signed_in:
            sign_out = Markup(
                f'<form method="post" action="{url_for("auth.sign_out")}" class="nhsuk-header__account-form">'
                f'<input type="hidden" name="csrf_token" value="{TOKEN}">'
                '<button class="nhsuk-header__account-button">Sign out</button></form>'
            )
            account = [{"text": NAME, "icon": True, "href": url_for("auth.account")}, {"html": sign_out}]
        else:
            account = [{"text": "Sign in", "href": url_for("auth.sign_in")}]
        return _render_macro("header", "header", {
            "service": {"text": service_name, "href": home_url},
            "account": {"items": account},
            "navigation": {"items": navigation_items()},
        })

    html = _cached(key, build)
    if signed_in:
        html = html.replace(NAME, str(escape(person.name))).replace(TOKEN, current_token())
    return Markup(html)


def page_footer(footer_items: Callable[[], list[dict]]) -> Markup:
    """The footer, whose links (``footer_items()``) depend only on the mount point."""
    # No copyright line: the NHS.UK default names NHS England, which does not run this service.
    return Markup(_cached(("footer", request._get_current_object().script_root), lambda: _render_macro(
        "footer", "footer", {"meta": {"items": footer_items()}, "copyright": {"text": False}})))
