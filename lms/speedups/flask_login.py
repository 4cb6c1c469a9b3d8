"""Flask-Login: the person it loaded for this request, read where it keeps them rather than through its proxy.

What it buys (bench/pages.py, a rendered dashboard or lesson page): code that reads the person several times
(``current_user.id``, ``current_user.name``) went through ``current_user`` and two more proxies on each read;
``current_person`` returns the object once.

Private names touched: ``g._login_user``, where Flask-Login keeps the person it loaded for the app context.
``forget_loaded_person`` clears it at the start of every request whatever the switch, so that requests
sharing an app context (as tests' do) each load the person afresh and notice a session ended elsewhere.
Checked on: Flask-Login 0.6.3.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_login import current_user

from lms.speedups import EXTENSION

DEVICE = "flask_login"
LOADED = "_login_user"  # Flask-Login's attribute of g


def current_person() -> Any:
    """Flask-Login's ``current_user`` itself rather than its proxy, for code that reads it several times."""
    if DEVICE in current_app.extensions[EXTENSION]:
        found = g._get_current_object().get(LOADED)
        if found is not None:
            return found
    return current_user._get_current_object()


def forget_loaded_person(namespace: Any) -> None:
    """Make Flask-Login load the person afresh in this request (namespace is ``g``'s object)."""
    namespace.pop(LOADED, None)
