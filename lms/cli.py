"""The ``lms`` command line: run, demo, database, content checks, and plugin commands."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup
from werkzeug.serving import run_simple

from lms import db
from lms.config import PRODUCTION, load_config, security_problems
from lms.errors import ContentError, PluginError
from lms.learning.advancement import SETTING, SettingsError, parse_rules
from lms.plugins.discovery import PluginSet, enabled_plugins, make_plugin_manager
from lms.plugins.loader import load_catalog
from lms.xapi import clients
from lms.xapi.forwarding import Worker


def _create_app():
    # imported here: the commands that need no app (content, security, assets) start without loading it
    from lms.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Accredited leadership and management training for health and social care."""


@click.group()
def content() -> None:
    """Bundles, modules and standards (works without starting the app)."""


@content.command("check")
def content_check() -> None:
    """Validate every manifest and content file without starting the server."""
    try:
        plugins = enabled_plugins(PluginSet.discover(), load_config())
        catalog = load_catalog(plugins, make_plugin_manager(plugins))
    except (ContentError, PluginError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    _, rule_problems = parse_rules(load_config().get(SETTING, {}), catalog)  # they name bundles and standards
    if rule_problems:
        click.echo(str(SettingsError(rule_problems)), err=True)
        sys.exit(1)
    click.echo(
        f"Content is valid: {len(catalog.bundles)} bundles, {len(catalog.modules)} modules, "
        f"{len(catalog.standards)} standards."
    )


cli.add_command(content)


@click.command("assets")
def assets_command() -> None:
    """Copy the NHS.UK frontend CSS, JavaScript and images from node_modules (run after npm ci)."""
    # imported here: the page machinery loads only for this command, not for every `lms` command's start-up
    from lms.assets import AssetsMissing, copy_assets
    from lms.web import ASSETS

    try:
        written = copy_assets()
    except AssetsMissing as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"Copied {len(written)} files to {ASSETS}")


cli.add_command(assets_command)


@click.group()
def security() -> None:
    """Checks of the deployment's security settings (works without starting the app)."""


@security.command("check")
def security_check() -> None:
    """Pass only a configuration fit for production; name each setting that is not.

    It needs, with LMS_ENV=production: an absolute https PUBLIC_BASE_URL, TRUSTED_HOSTS including its host,
    a SECRET_KEY of 32 or more characters that is not the default, a shared RATELIMIT_STORAGE_URI (not
    memory://) and DEMO off. The server refuses to start in production for the same reasons.
    Exit status: 0 fit for production, 1 not (each problem is printed).
    """
    try:
        config = load_config()
    except ValueError as exc:  # a setting of the wrong type
        click.echo(f"Problem: {exc}", err=True)
        sys.exit(1)
    problems = security_problems(config)
    if config["ENV"] != PRODUCTION:
        problems.insert(0, f"ENV is {config['ENV']!r}: set LMS_ENV=production (production enforces these checks "
                           "at start-up, secure cookies and HSTS)")
    for problem in problems:
        click.echo(f"Problem: {problem}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s): this configuration is not fit for production.", err=True)
        sys.exit(1)
    click.echo(f"Fit for production: served at {config['PUBLIC_BASE_URL']} for "
               f"{', '.join(config['TRUSTED_HOSTS'])}, shared rate limits, a strong secret key.")


cli.add_command(security)


@cli.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


def _migration_locations() -> list[str]:
    # imported here: Alembic loads only for the database commands (keeps `lms` start-up fast)
    from lms.schema import migration_locations

    return migration_locations(current_app.extensions["lms.plugins"])


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or migrate the database to the latest schema."""
    from lms import schema  # imported here: Alembic loads only for the database commands

    schema.upgrade_app(revision)
    click.echo(f"Database is at {revision}: {db.engine().url.render_as_string(hide_password=True)}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--head", default="head", show_default=True, help="branch to extend, e.g. certificates@head")
@click.option("--version-path", default=None, help="folder for the new revision (a plugin's own)")
def db_revision(message: str, head: str, version_path: str | None) -> None:
    """Write a migration for the difference between the models and the migrated database."""
    # imported here: Alembic loads only for the database commands (keeps `lms` start-up fast)
    from alembic import command
    from lms import schema

    config = schema.alembic_config(db.engine(), _migration_locations())
    command.revision(config, message=message, autogenerate=True, head=head, version_path=version_path)


@db_group.command("check")
def db_check() -> None:
    """Fail if the migrated database and the models disagree."""
    from lms import schema  # imported here: Alembic loads only for the database commands

    diff = schema.differences(db.engine())
    if diff:
        click.echo("The database differs from the models:\n" + "\n".join(f"  {d}" for d in diff), err=True)
        sys.exit(1)
    click.echo("The database matches the models.")


from lms.xapi.cli import worker_command, xapi_group  # noqa: E402

cli.add_command(xapi_group)
cli.add_command(worker_command)

from lms.api_tokens.cli import api_token  # noqa: E402

cli.add_command(api_token)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="delete the demo database first and start again")
@click.option("--no-serve", is_flag=True, help="prepare the demo data and exit")
@click.option("--public-url", default=None,
              help="the address people reach the demo at, for links and QR codes (default: where it serves)")
def demo_command(host: str, port: int, reset: bool, no_serve: bool, public_url: str | None) -> None:
    """Run the product with sample organisations, people and progress (SQLite in the instance folder).

    Certificates, join and reset links point to the address the demo serves on (a wildcard --host such as
    0.0.0.0 is named by this machine's network address), or to --public-url behind a tunnel or proxy.
    """
    # imported here: the demo's data, Alembic and the app load only for this command (keeps `lms` start-up fast)
    from lms import schema
    from lms.app import create_app
    from lms.demo import ACCOUNTS, is_seeded, seed, served_address

    base = (public_url or served_address(host, port)).rstrip("/")
    app = create_app({"DEMO": True, "PUBLIC_BASE_URL": base})
    password = app.config["DEMO_PASSWORD"]
    with app.app_context():
        if reset and db.engine().dialect.name == "sqlite":
            db.engine().dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(db.engine().url.database + suffix).unlink(missing_ok=True)
        schema.upgrade_app()
        with db.transaction() as session:
            if not is_seeded(session):
                click.echo("Creating the demo organisations, people and progress...")
                seed(session, password)
                clients.create(session, None, "Demo xAPI client", key="demo-lrs", secret=password, scopes=("all",))
    if app.config["XAPI_FORWARD_URL"]:
        with app.app_context():
            worker = Worker.from_config(app.config)
        threading.Thread(target=_run_in_context, args=(app, worker.run_forever), daemon=True).start()
    click.echo(f"\nDemo data in {app.instance_path}\nSign in at {base}/sign-in with any of "
               f"these accounts (password: {password}):")
    for account in ACCOUNTS:
        click.echo(f"  {account.email:<26} {', '.join(r.replace('_', ' ') for r in account.roles)}")
    click.echo(f"xAPI endpoint: {base}/xapi/ (key demo-lrs, secret {password})\n"
               "Certificates issued from now on link to this address; those issued on an earlier run keep theirs "
               "(--reset starts again).\n")
    if not no_serve:
        # Not app.run(): Flask ignores it inside its own command line (the `lms` group is a FlaskGroup).
        run_simple(host, port, app, threaded=True)


def _run_in_context(app, target) -> None:  # noqa: ANN001
    with app.app_context():
        target()


cli.add_command(demo_command)


def main() -> None:
    cli(prog_name="lms")
