"""Runtime access: the running app's content, plugin hooks and activity kinds, for services and pages alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app

if TYPE_CHECKING:
    import pluggy

    from lms.catalog.registry import Catalog


def catalog() -> Catalog:
    """The loaded content of the running app."""
    return current_app.extensions["lms.catalog"]


def hooks() -> pluggy.HookRelay:
    """Call hooks: ``hooks().lms_credentials(session=s, user_id=1)``."""
    return current_app.extensions["lms.plugins"].hook


def kinds() -> dict[str, Any]:
    """Activity kinds (``lms.kinds.base.ActivityKind``) by name, gathered from the hook once per app."""
    found = current_app.extensions.get("lms.kinds")
    if found is None:
        found = {kind.name: kind for batch in hooks().lms_activity_kinds() for kind in batch}
        current_app.extensions["lms.kinds"] = found
    return found
