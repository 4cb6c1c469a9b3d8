"""LRS clients: credentials an admin creates and revokes, their scopes, and HTTP Basic checks.

Secrets are stored hashed (scrypt). A check that hashes on every request would cap the LRS at a
few dozen requests a second, so each process remembers a verified key and secret (as an HMAC
under a per-process random key) and reads the client's row again only after
``XAPI_CLIENT_CACHE_SECONDS``; revocation reaches every process within that time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Connection, select
from sqlmodel import Session
from sqlmodel import select as select_models
from werkzeug.security import check_password_hash, generate_password_hash

from lms.audit import services as audit
from lms.db import utcnow
from lms.errors import Conflict, DomainError, NotFound
from lms.xapi.models import XapiClient
from lms.xapi.vocabulary import PLATFORM_ACCOUNT

CLIENTS = XapiClient.__table__
# The xAPI scopes (1.0.3 section 6.4.2). "read all / read own / write" are statements/read,
# statements/read/mine and statements/write; "all" is all of them and the documents.
SCOPES = ("all", "all/read", "statements/write", "statements/read", "statements/read/mine", "state", "profile",
          "define")
DEFAULT_SCOPES = ("all",)


@dataclass(frozen=True)
class Client:
    id: int
    name: str
    key: str
    scopes: frozenset[str]

    def may(self, need: str) -> bool:
        """need: statements/write, statements/read, state, profile, state/read, profile/read or read."""
        granted = self.scopes
        if "all" in granted or ((need == "read" or need.endswith("/read")) and "all/read" in granted):
            return True
        if need == "statements/read":  # read/mine may read, restricted to its own statements
            return bool(granted & {"statements/read", "statements/read/mine"})
        if need in ("state/read", "profile/read"):
            return need.split("/")[0] in granted
        if need == "read":  # activities and agents: any client
            return True
        return need in granted

    @property
    def reads_only_own(self) -> bool:
        return not (self.scopes & {"all", "all/read", "statements/read"})

    def authority(self, homepage: str) -> dict:
        return {"objectType": "Agent", "name": self.name, "account": {"homePage": homepage, "name": self.key}}


def create(session: Session, actor_id: int | None, name: str, *, key: str | None = None, secret: str | None = None,
           scopes: tuple[str, ...] = DEFAULT_SCOPES) -> tuple[XapiClient, str]:
    """Create a client; returns it and its secret (shown once, stored only as a hash)."""
    name = name.strip()
    if not name:
        raise DomainError("Enter a name for the client", field="name")
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise DomainError(f"Scopes must be some of: {', '.join(SCOPES)}", field="scopes")
    key = key or secrets.token_urlsafe(12)
    secret = secret or secrets.token_urlsafe(24)
    if ":" in key:
        raise DomainError("A key cannot contain a colon (HTTP Basic separates key and secret with one)", field="key")
    if key.lower() == PLATFORM_ACCOUNT:
        raise DomainError(f"The key {key} is the platform's own account: choose another", field="key")
    if session.exec(select_models(XapiClient).where(XapiClient.key == key)).first() is not None:
        raise Conflict(f"A client with key {key} already exists", field="key")
    client = XapiClient(name=name, key=key, secret_hash=generate_password_hash(secret), scopes=" ".join(scopes),
                        created_by_id=actor_id)
    session.add(client)
    session.flush()
    audit.record(session, actor_id, "xapi.client.create", f"xapi_client:{client.id}", key=key, scopes=list(scopes))
    return client, secret


def ensure(session: Session, actor_id: int | None, name: str, key: str, secret: str,
           scopes: tuple[str, ...] = DEFAULT_SCOPES) -> XapiClient:
    """A client with exactly this key, secret and scopes, active (the demo's demo-lrs client)."""
    client = session.exec(select_models(XapiClient).where(XapiClient.key == key)).first()
    if client is None:
        return create(session, actor_id, name, key=key, secret=secret, scopes=scopes)[0]
    client.name, client.scopes, client.is_active, client.revoked_at = name, " ".join(scopes), True, None
    client.secret_hash = generate_password_hash(secret)
    session.add(client)
    session.flush()
    audit.record(session, actor_id, "xapi.client.reset", f"xapi_client:{client.id}", key=key)
    return client


def revoke(session: Session, actor_id: int | None, key: str) -> XapiClient:
    client = session.exec(select_models(XapiClient).where(XapiClient.key == key)).first()
    if client is None:
        raise NotFound(f"No client has key {key}", field="key")
    client.is_active = False
    client.revoked_at = utcnow()
    session.add(client)
    session.flush()
    audit.record(session, actor_id, "xapi.client.revoke", f"xapi_client:{client.id}", key=key)
    return client


@dataclass(frozen=True)
class Refused:
    """Credentials refused, and why (for the audit trail: the caller is told only that they were refused)."""

    client_id: int | None
    reason: str  # "unknown key", "revoked" or "wrong secret"


@dataclass(frozen=True)
class _Verified:
    until: float  # monotonic time after which the client's row is read again
    client: Client
    secret_hash: str  # the stored hash the secret was checked against


_ROW = select(CLIENTS.c.id, CLIENTS.c.name, CLIENTS.c.key, CLIENTS.c.scopes, CLIENTS.c.secret_hash, CLIENTS.c.is_active)


class ClientCache:
    """Credentials verified in this process, by key and secret together (see the module docstring).

    Only credentials that verified are kept, so a wrong secret sent with a real key neither costs the
    right one a slow hash again nor pushes it out. Past ``ttl_seconds`` a kept credential is checked
    against the client's row alone: still active, with the very hash its secret matched, it needs no hash.
    """

    def __init__(self, ttl_seconds: float):
        self.ttl = ttl_seconds
        self._pepper = secrets.token_bytes(32)
        self._verified: dict[bytes, _Verified] = {}

    def authenticate(self, connect: Callable[[], Connection], key: str, secret: str,
                     before_check: Callable[[], None] | None = None) -> Client | Refused:
        """The client for key and secret, or why not. ``connect`` gives a connection only when one is needed;
        ``before_check`` runs before credentials not verified yet are looked up and hashed (and may raise)."""
        # HTTP Basic splits at the first colon, so a key holds none and this text is unambiguous.
        digest = hmac.new(self._pepper, f"{key}:{secret}".encode(), hashlib.sha256).digest()
        now = time.monotonic()
        known = self._verified.get(digest)
        if known is not None:
            if known.until > now:
                return known.client
            row = connect().execute(_ROW.where(CLIENTS.c.key == key)).first()
            if row is not None and row.is_active and hmac.compare_digest(row.secret_hash, known.secret_hash):
                return self._keep(digest, row, now)
            self._verified.pop(digest, None)
        if before_check is not None:
            before_check()
        row = connect().execute(_ROW.where(CLIENTS.c.key == key)).first()
        if row is None:
            return Refused(None, "unknown key")
        if not row.is_active:
            return Refused(row.id, "revoked")
        if not check_password_hash(row.secret_hash, secret):
            return Refused(row.id, "wrong secret")
        return self._keep(digest, row, now)

    def _keep(self, digest: bytes, row, now: float) -> Client:  # noqa: ANN001
        client = Client(row.id, row.name, row.key, frozenset(row.scopes.split()))
        if len(self._verified) >= 10_000:  # only verified credentials are kept, so this takes many clients
            self._verified.clear()
        self._verified[digest] = _Verified(now + self.ttl, client, row.secret_hash)
        return client


def record_refusal(session: Session, key: str, refused: Refused, address: str | None) -> None:
    """Audit refused LRS credentials (the key as sent, cut short: it may be anything)."""
    target = f"xapi_client:{refused.client_id if refused.client_id is not None else 'unknown'}"
    audit.record(session, None, "xapi.client.refused", target, key=key[:80], reason=refused.reason, address=address)
