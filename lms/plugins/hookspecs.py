"""The whole plugin contract: every hook a bundle, content package or code plugin may implement.

Implement a hook by decorating a function named exactly like the spec with ``lms.api.hookimpl``
in a bundle's ``hooks.py`` or a code plugin registered under the ``lms.plugins`` entry point.
Hooks that return lists are called on every plugin and the results concatenated.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("lms")
hookimpl = pluggy.HookimplMarker("lms")


@hookspec
def lms_activity_kinds() -> list[Any]:
    """Return activity kind objects (see ``lms.kinds.base.ActivityKind``) this plugin provides.

    A kind parses and validates its activity's content at load time and renders and scores it at
    run time. Kind names must be unique across plugins.
    """


@hookspec
def lms_configure_app(app: Any) -> None:
    """Set config defaults or extensions on the Flask app, before blueprints are registered."""


@hookspec
def lms_blueprints() -> list[Any]:
    """Return Flask blueprints to register (views of the plugin's own pages and APIs)."""


@hookspec
def lms_cli_commands() -> list[Any]:
    """Return click commands or groups to add under the ``lms`` command line."""


@hookspec
def lms_migration_locations() -> list[str]:
    """Return folders of Alembic revisions for the plugin's own tables (a branch of their own)."""


@hookspec
def lms_validate_bundle(bundle: Any, catalog: Any) -> list[Any]:
    """Check plugin-specific parts of a loaded bundle; return ``Problem`` objects (empty if fine)."""


@hookspec
def lms_enrolment_completed(session: Any, enrolment: Any, bundle: Any, actor_id: int | None) -> None:
    """A bundle enrolment has just completed, inside the transaction that completed it.

    Certificates are issued here. Implementations flush but never commit, and raise to abort.
    """


@hookspec
def lms_statement_recorded(session: Any, statement: Any) -> None:
    """An xAPI statement has been stored, inside the same transaction (forwarding queues it)."""


@hookspec
def lms_credentials(session: Any, user_id: int) -> list[Any]:
    """Return the credentials (``lms.learning.gates.Credential``) a person holds.

    This is how gates learn about certificates without the core importing the certificate plugin.
    """


@hookspec
def lms_certificate_context(bundle: Any, enrolment: Any, user: Any) -> dict[str, Any]:
    """Return extra plain values for a bundle's certificate template (merged in plugin order)."""


@hookspec
def lms_template_slot(slot: str, context: dict[str, Any]) -> Any:
    """Return HTML (a ``markupsafe.Markup``) for a named slot in a core page, or None.

    Slots: ``dashboard_after_bundles``, ``profile_after_details``, ``admin_menu``, ``account_menu``, ``start_page``,
    ``bundle_completed`` (context: user, bundle, enrolment; the page that ends a bundle, not kept rendered)
    (shown to anyone, signed in or not).
    The dashboard only reads and opens no ORM session: read there with ``db.reader()``.
    """


@hookspec
def lms_demo_data(session: Any, people: dict[str, Any]) -> None:
    """Add the plugin's demo records; ``people`` maps demo e-mail addresses to users."""
