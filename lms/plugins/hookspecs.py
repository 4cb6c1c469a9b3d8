"""The whole plugin contract: every hook a bundle, content package or code plugin may implement.

Implement a hook by decorating a function named exactly like the spec with ``lms.api.hookimpl``, in a
bundle's ``hooks.py`` or a code plugin registered under the ``lms.plugins`` entry point; it may take any
of the spec's arguments, by name, and no others. A name no spec has, or an argument the spec does not
give, stops the app at start-up.

Order: the core's own kinds are registered first, then code plugins (in entry-point order), then
bundles' ``hooks.py``. Pluggy calls the most recently registered implementation first, so a bundle's
hook runs before a code plugin's, and the core's kinds run last (``tryfirst``/``trylast`` on a
``hookimpl`` change that). Every hook here returns one result per plugin, as a list in that calling
order (None results left out); each hook's docstring says how the core merges them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint, Flask
    from markupsafe import Markup
    from sqlmodel import Session

    from lms.auth.models import User
    from lms.auth.principal import Principal
    from lms.catalog.registry import Bundle, Catalog
    from lms.errors import Problem
    from lms.kinds.base import ActivityKind
    from lms.learning.gates import Credential
    from lms.learning.models import Enrolment

hookspec = pluggy.HookspecMarker("lms")
hookimpl = pluggy.HookimplMarker("lms")

# An xAPI statement as stored: the JSON object (a dict), completed with its id, stored time and authority.
Statement = Mapping[str, Any]


class SignedIn(Protocol):
    """Whoever is looking at a page: a ``Principal`` when signed in, else Flask-Login's anonymous user."""

    is_authenticated: bool


class SlotContext(TypedDict, total=False):
    """What a core page hands its slots: ``user``, the person looking at the page; on the page that ends a
    bundle also the ``bundle`` and the person's ``enrolment`` on it."""

    user: Principal | SignedIn
    bundle: Bundle
    enrolment: Enrolment


# Start-up: called once per app, in this order ------------------------------------------------------------

@hookspec
def lms_activity_kinds() -> list[ActivityKind]:
    """Return the activity kinds (``lms.api.ActivityKind`` instances) this plugin provides.

    Called once at start-up, before any content is loaded; the lists are concatenated. A kind parses
    and validates its activities' content at load time and shows and scores them at run time. Kind
    names must be unique across plugins (a name given twice stops the app).
    """


@hookspec
def lms_validate_bundle(bundle: Bundle, catalog: Catalog) -> list[Problem]:
    """Check the plugin's own parts of a loaded bundle; return ``Problem`` objects (empty if fine).

    Called at start-up (and by ``lms content check``) once per bundle, after every bundle and module
    has loaded. The problems of every plugin are concatenated; any problem stops the app.
    """


@hookspec
def lms_configure_app(app: Flask) -> None:
    """Set config defaults, extensions and header links (``register_navigation``) on the app.

    Called once at start-up, after the content has loaded and before templates, security and blueprints
    are set up; raise to refuse to start (a missing production secret). Results are ignored.
    """


@hookspec
def lms_blueprints() -> list[Blueprint]:
    """Return Flask blueprints to register: the views of the plugin's own pages and APIs.

    Called once at start-up, after the core's blueprints are registered; the lists are concatenated and
    registered in calling order. An endpoint name must not clash with another blueprint's.
    """


@hookspec
def lms_cli_commands() -> list[click.Command]:
    """Return click commands or groups to add under the ``lms`` command line.

    Called once at start-up, after the blueprints; the lists are concatenated.
    """


@hookspec
def lms_migration_locations() -> list[str]:
    """Return folders of Alembic revisions for the plugin's own tables (a branch of their own).

    Called by ``lms db upgrade`` and the schema checks; the lists are concatenated.
    """


# Run time: inside a request's or command's transaction -------------------------------------------------

@hookspec
def lms_enrolment_completed(session: Session, enrolment: Enrolment, bundle: Bundle, actor_id: int | None) -> None:
    """A bundle enrolment has just completed, inside the transaction that completed it.

    Called once per completed enrolment, after the enrolment row is marked completed and flushed and
    its statements recorded; ``actor_id`` is whoever's action completed it (None: the platform).
    Certificates are issued here. Implementations flush but never commit; raising rolls the whole
    change back. Results are ignored.
    """


@hookspec
def lms_enrolment_reopened(session: Session, enrolment: Enrolment, reason: str, actor_id: int | None) -> None:
    """A completed enrolment is active again because a module it counted was taken back (an accreditor
    overturned the acceptance of evidence on second review), inside that transaction.

    Called once per reopened enrolment, after its row is active again under a new registration.
    ``enrolment`` is as it was when completed (its registration then); ``reason`` is the accreditor's. A
    certificate issued for that completion is revoked here, with the reason. Flush, never commit. Results are
    ignored.
    """


@hookspec
def lms_statement_recorded(session: Session, statement: Statement) -> None:
    """An xAPI statement has just been stored, inside the same transaction.

    Called once per statement, whether the platform recorded it or an LRS client sent it (then
    ``session`` is an ORM session on the request's connection, made only when a plugin listens).
    Queue work with ``db.after_commit``; never commit. Results are ignored.
    """


@hookspec
def lms_credentials(session: Session, user_id: int) -> list[Credential]:
    """Return the credentials a person holds (certificates), current or not, with their status.

    Called whenever gates or advancement rules are checked for a person (enrolment, eligibility
    pages and API); the lists are concatenated. This is how gates learn about certificates without the
    core importing the certificate plugin. Read only.
    """


@hookspec
def lms_certificate_context(bundle: Bundle, enrolment: Enrolment, user: User) -> dict[str, Any]:
    """Return extra plain values (strings, numbers, lists of them) for a bundle's certificate template.

    Called when a certificate's PDF is rendered, after its issuing transaction has committed. The
    dicts are merged in registration order: where two plugins give the same key, the later one wins.
    """


@hookspec
def lms_template_slot(slot: str, context: SlotContext) -> Markup | None:
    """Return HTML (a ``markupsafe.Markup``) for a named slot in a core page, or None to add nothing.

    Called each time a page with the slot is rendered; the parts are joined in calling order. The slots
    core pages have: ``dashboard_after_bundles``, on the learner's dashboard. The dashboard only
    reads and opens no ORM session: read there with ``db.reader()``; and it is kept rendered per person,
    so call ``touch_people`` when what it shows changes. ``start_page``, on the start page, shown to anyone
    signed in or not. ``bundle_completed`` (context: ``bundle``, ``enrolment``), on the page that ends a
    bundle, which is not kept rendered.
    """


@hookspec
def lms_demo_data(session: Session, people: dict[str, User]) -> None:
    """Add the plugin's demo records; ``people`` maps demo e-mail addresses to users.

    Called by ``lms demo`` once the core's demo organisations, people and progress exist, in the same
    transaction. Results are ignored.
    """
