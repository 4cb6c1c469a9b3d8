"""Create, revoke and check API tokens; a token sees the people of its organisation, or everyone if platform-wide."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from lms.api_tokens.models import ApiToken
from lms.audit.services import record
from lms.auth.models import User
from lms.db import utcnow
from lms.errors import Conflict, DomainError, NotFound
from lms.orgs.models import Organisation

PREFIX = "lms_"  # makes a leaked token easy to recognise (and to search for in logs and repositories)
NAME_MAX = 100
# Recording every use would turn each read into a write; to the minute is enough to spot unused tokens.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(secret: str) -> str:
    """Tokens are 256 random bits, so a fast hash is enough (there is nothing to guess)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create(session: Session, name: str, *, organisation_code: str | None = None,
           created_by_id: int | None = None) -> IssuedToken:
    """A new token for an organisation (by code) or, with no code, for the whole platform."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the token a name, such as the system that will use it", field="name")
    if len(name) > NAME_MAX:
        raise DomainError(f"The name must be {NAME_MAX} characters or fewer", field="name")
    organisation = None
    if organisation_code is not None:
        organisation = session.exec(select(Organisation).where(Organisation.code == organisation_code.strip())).first()
        if organisation is None:
            raise NotFound(f"There is no organisation with code {organisation_code!r}", field="organisation")
    if created_by_id is not None and session.get(User, created_by_id) is None:
        raise NotFound(f"There is no person with id {created_by_id}", field="created_by")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_hash=hash_token(secret), created_by_id=created_by_id,
                     organisation_id=organisation.id if organisation else None)
    session.add(token)
    session.flush()
    record(session, created_by_id, "api_token.created", f"api_token:{token.id}", organisation_id=token.organisation_id,
           name=name, scope=organisation.code if organisation else "platform")
    return IssuedToken(token, secret)


def revoke(session: Session, token_id: int, *, actor_id: int | None = None) -> ApiToken:
    """Stop a token working at once; revoking twice is refused so the first date stands."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"There is no API token with id {token_id}", field="token_id")
    if token.revoked_at is not None:
        raise Conflict(f"API token {token_id} ({token.name}) was already revoked")
    token.revoked_at = utcnow()
    session.add(token)
    session.flush()
    record(session, actor_id, "api_token.revoked", f"api_token:{token.id}", organisation_id=token.organisation_id,
           name=token.name)
    return token


def all_tokens(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(ApiToken.id)).all())


def bearer_secret(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None for anything else."""
    scheme, _, secret = (authorization or "").strip().partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret and " " not in secret else None


def authenticate(session: Session, secret: str | None) -> ApiToken | None:
    """The active token with this secret, or None."""
    if not secret:
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(secret))).first()
    return token if token is not None and token.is_active else None


def mark_used(engine: Engine, token_id: int, now: datetime) -> None:
    """Record use in a transaction of its own (run after the request's commit): a busy database never
    turns an answered request into an error, and concurrent requests only ever move the time forward."""
    with engine.begin() as connection:
        connection.execute(
            update(ApiToken).where(col(ApiToken.id) == token_id,
                                   or_(col(ApiToken.last_used_at).is_(None),
                                       col(ApiToken.last_used_at) < now - LAST_USED_PRECISION))
            .values(last_used_at=now)
        )


def person_for(session: Session, token: ApiToken, user_id: int) -> User:
    """A person the token may see; anyone outside its organisation is "not found", like no one at all."""
    user = session.get(User, user_id)
    if user is None or (token.organisation_id is not None and user.organisation_id != token.organisation_id):
        raise NotFound(f"There is no person with id {user_id}")
    return user
