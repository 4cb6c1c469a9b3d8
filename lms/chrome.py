"""The page chrome (skip link, header, footer) rendered once per distinct menu and reused.

The NHS.UK header and footer macros cost several times more to render than a whole page body, and
they differ between requests only in a few values. So each distinct shape is rendered once per
process with placeholders for the person's name and CSRF token, which are escaped in afterwards.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

NAME, TOKEN = "\x00name\x00", "\x00csrf\x00"
MAX_SHAPES = 512  # distinct menus kept per process; plenty for every role combination


def _render_macro(component: str, macro: str, params: dict[str, Any]) -> str:
    source = f'{{% from "nhsuk/components/{component}/macro.jinja" import {macro} %}}{{{{ {macro}(params) }}}}'
    return current_app.jinja_env.from_string(source).render(params=params)


def _cached(key: tuple, build) -> str:  # noqa: ANN001
    shapes: dict[tuple, str] = current_app.extensions.setdefault("lms.chrome", {})
    html = shapes.get(key)
    if html is None:
        if len(shapes) >= MAX_SHAPES:
            shapes.clear()
        html = shapes[key] = build()
    return html


def skip_link() -> Markup:
    return Markup(_cached(("skip",), lambda: _render_macro(
        "skip-link", "skipLink", {"href": "#maincontent", "text": "Skip to main content"})))


def page_header(service_name: str, home_url: str, navigation_items: list[dict]) -> Markup:
    signed_in = current_user.is_authenticated
    menu = tuple((i["text"], i["href"], i["current"], i["active"]) for i in navigation_items)
    key = ("header", signed_in, service_name, home_url, menu)

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
            "navigation": {"items": navigation_items},
        })

    html = _cached(key, build)
    if signed_in:
        html = html.replace(NAME, str(escape(current_user.name))).replace(TOKEN, generate_csrf())
    return Markup(html)


def page_footer(footer_items: list[dict]) -> Markup:
    links = tuple((i["text"], i["href"]) for i in footer_items)
    # No copyright line: the NHS.UK default names NHS England, which does not run this service.
    return Markup(_cached(("footer", links), lambda: _render_macro(
        "footer", "footer", {"meta": {"items": footer_items}, "copyright": {"text": False}})))
