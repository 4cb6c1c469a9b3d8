"""The certificate pages' blueprint: verification (views.py), and the holder's and admins' pages (manage_views.py)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certificates", __name__, template_folder="pages")
FORM_ERROR_STATUS = 400
