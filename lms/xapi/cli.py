"""Command line: ``lms xapi client create|revoke|list`` and ``lms worker`` (statement forwarding)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from lms import db
from lms.db import utcnow
from lms.errors import DomainError
from lms.xapi import clients, outbox
from lms.xapi.forwarding import Worker
from lms.xapi.models import XapiClient


@click.group("xapi")
def xapi_group() -> None:
    """The Learning Record Store."""


@xapi_group.group("client")
def client_group() -> None:
    """LRS clients: the credentials xAPI tools send statements with."""


@client_group.command("create")
@click.argument("name")
@click.option("--key", default=None, help="the client's key (user name); random if omitted")
@click.option("--secret", default=None, help="the client's secret (password); random if omitted")
@click.option("--scope", "scopes", multiple=True, show_default=True, default=("all",),
              help="xAPI scope, repeatable: all, all/read, statements/write, statements/read (read all), "
                   "statements/read/mine (read own), state, profile, define")
@with_appcontext
def client_create(name: str, key: str | None, secret: str | None, scopes: tuple[str, ...]) -> None:
    """Create a client and print its key and secret (the secret is stored only as a hash)."""
    try:
        with db.transaction() as session:
            client, secret = clients.create(session, None, name, key=key, secret=secret, scopes=scopes)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"key: {client.key}\nsecret: {secret}\nscopes: {client.scopes}")


@client_group.command("revoke")
@click.argument("key")
@with_appcontext
def client_revoke(key: str) -> None:
    """Revoke a client: its credentials stop working (within XAPI_CLIENT_CACHE_SECONDS everywhere)."""
    try:
        with db.transaction() as session:
            clients.revoke(session, None, key)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Revoked {key}")


@client_group.command("list")
@with_appcontext
def client_list() -> None:
    """List clients with their scopes and whether they are active."""
    rows = db.session().exec(select(XapiClient).order_by(XapiClient.id)).all()
    if not rows:
        click.echo("No LRS clients.")
    for client in rows:
        state = "active" if client.is_active else f"revoked {client.revoked_at:%Y-%m-%d}"
        click.echo(f"{client.key}\t{client.name}\t{client.scopes}\t{state}")


@xapi_group.command("outbox")
@click.option("--retry-failed", is_flag=True, help="queue again the statements the external LRS refused")
@with_appcontext
def outbox_command(retry_failed: bool) -> None:
    """How many statements wait to be forwarded, and which the external LRS refused (and why)."""
    if retry_failed:
        click.echo(f"Queued {outbox.retry_failed(db.engine(), utcnow())} refused statements again")
    counts = outbox.counts(db.engine())
    click.echo(f"queued: {counts['queued']}\nrefused: {counts['failed']}")
    for seq, error in outbox.failures(db.engine()):
        click.echo(f"  statement #{seq}: {error}")


@click.command("worker")
@click.option("--once", is_flag=True, help="send what is due once and exit (for cron or a test)")
@with_appcontext
def worker_command(once: bool) -> None:
    """Forward stored statements to the external LRS (XAPI_FORWARD_URL) until stopped."""
    if not current_app.config["XAPI_FORWARD_URL"]:
        raise click.ClickException("XAPI_FORWARD_URL is not set: there is nowhere to forward statements to")
    worker = Worker.from_config(current_app.config)
    if once:
        try:
            click.echo(f"Forwarded {worker.run_once().sent} statements")
        finally:
            worker.transport.close()
        return
    click.echo(f"Forwarding statements to {current_app.config['XAPI_FORWARD_URL']} (Ctrl-C stops)")
    worker.run_forever()
