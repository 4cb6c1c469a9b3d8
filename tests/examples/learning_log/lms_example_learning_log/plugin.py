"""The plugin's hooks: a header link, its page, and a line on the dashboard."""

from __future__ import annotations

from flask import Blueprint, Flask, url_for
from markupsafe import Markup

from lms.api import NavItem, hookimpl, register_navigation

from .views import bp, completed_count

requires_lms = ">=0.1,<1"  # the lms versions this plugin is written for


@hookimpl
def lms_configure_app(app: Flask) -> None:
    register_navigation(app, NavItem("Learning log", "learning_log.page"))


@hookimpl
def lms_blueprints() -> list[Blueprint]:
    return [bp]


@hookimpl
def lms_template_slot(slot: str, context: dict) -> Markup | None:
    user = context.get("user")
    if slot != "dashboard_after_bundles" or not getattr(user, "is_authenticated", False):
        return None
    count = completed_count(user.id)
    if not count:
        return None
    # The dashboard is kept rendered per person and redrawn whenever their learning rows change, which is
    # exactly when this count changes: no touch_people needed.
    return Markup('<p>You have completed {count} bundle{s}. <a href="{href}">Read your learning log</a></p>').format(
        count=count, s="" if count == 1 else "s", href=url_for("learning_log.page"))
