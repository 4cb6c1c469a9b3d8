"""``lms api-token``: create (the token is printed once), list and revoke API tokens."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlmodel import select

from lms import db
from lms.api_tokens import services
from lms.auth.models import User
from lms.errors import DomainError
from lms.orgs.models import Organisation

api_token = AppGroup("api-token", help="API tokens for other systems calling the JSON API.")


def _creator_id(session, email: str | None) -> int | None:  # noqa: ANN001
    if email is None:
        return None
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise DomainError(f"There is no person with e-mail address {email!r}", field="by")
    return user.id


@api_token.command("create")
@click.argument("name")
@click.option("--organisation", "organisation_code", metavar="CODE",
              help="limit the token to this organisation's people (default: platform-wide)")
@click.option("--by", "by_email", metavar="EMAIL", help="the person asking for the token (recorded in the audit)")
def create_command(name: str, organisation_code: str | None, by_email: str | None) -> None:
    """Create a token called NAME and print it; it cannot be shown again."""
    try:
        with db.transaction() as session:
            issued = services.create(session, name, organisation_code=organisation_code,
                                     created_by_id=_creator_id(session, by_email))
    except DomainError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    scope = f"organisation {organisation_code}" if organisation_code else "the whole platform"
    click.echo(f"Created API token {issued.token.id} ({issued.token.name}) for {scope}.")
    click.echo("Copy it now: it is not stored and cannot be shown again.")
    click.echo(issued.secret)


@api_token.command("list")
def list_command() -> None:
    """List tokens (never their secrets)."""
    session = db.session()
    tokens = services.all_tokens(session)
    if not tokens:
        click.echo("No API tokens.")
    for token in tokens:
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        used = f"last used {token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
        organisation = session.get(Organisation, token.organisation_id) if token.organisation_id else None
        scope = f"organisation {organisation.code}" if organisation else "platform-wide"
        click.echo(f"{token.id}\t{token.name}\t{scope}\t{state}\t{used}")


@api_token.command("revoke")
@click.argument("token_id", type=int)
@click.option("--by", "by_email", metavar="EMAIL", help="the person revoking it (recorded in the audit)")
def revoke_command(token_id: int, by_email: str | None) -> None:
    """Revoke token TOKEN_ID (see `lms api-token list`); it stops working at once."""
    try:
        with db.transaction() as session:
            token = services.revoke(session, token_id, actor_id=_creator_id(session, by_email))
    except DomainError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"Revoked API token {token.id} ({token.name}).")
