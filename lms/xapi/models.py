"""LRS tables: clients, statements with their filter keys, attachments, activities, documents, outbox.

Statements are written with SQLAlchemy Core (see ``store``); these classes define the schema.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, Text, text
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

from lms.db import utcnow

# SQLite only makes INTEGER PRIMARY KEY the rowid (fast, ordered); PostgreSQL wants BIGINT.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")


class XapiClient(SQLModel, table=True):
    """Credentials an LRS client (a tool sending statements) authenticates with, and its scopes."""

    __tablename__ = "xapi_clients"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    key: str = Field(max_length=100, unique=True)
    secret_hash: str = Field(max_length=255)
    scopes: str = Field(max_length=400, description="space-separated xAPI scopes")
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    revoked_at: datetime | None = None


class XapiStatement(SQLModel, table=True):
    """One stored statement: its JSON exactly as stored plus the few columns queries need."""

    __tablename__ = "xapi_statements"
    __table_args__ = (
        Index("ix_xapi_statements_ref", "ref_id", sqlite_where=text("ref_id IS NOT NULL"),
              postgresql_where=text("ref_id IS NOT NULL")),
        # Pages with no filter key (all statements, since, until) follow this index in order.
        Index("ix_xapi_statements_stored_seq", "stored", "seq"),
    )
    seq: int | None = Field(default=None, sa_column=Column(_SEQ, primary_key=True, autoincrement=True))
    statement_id: str = Field(max_length=36, unique=True, description="lower-case UUID")
    stored: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    voided: bool = False
    # The statement this one targets (object StatementRef), and whether it voids it.
    ref_id: str | None = Field(default=None, max_length=36)
    voiding: bool = False
    client_id: int | None = Field(default=None, description="the LRS client that stored it (its authority)")
    body: str = Field(sa_column=Column(Text, nullable=False))


class XapiStatementKey(SQLModel, table=True):
    """One filterable fact about a statement (verb, agent, activity, registration) as a 64-bit hash.

    Every filter is an index range scan on (era, key, seq) per era, newest first, already in the order
    results are returned; the era (``keys.era``) keeps a write's index pages together.
    """

    __tablename__ = "xapi_statement_keys"
    __table_args__ = {"sqlite_with_rowid": False}
    era: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    key: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))


class XapiAttachment(SQLModel, table=True):
    """Attachment content sent with statements, stored once per SHA-2 digest."""

    __tablename__ = "xapi_attachments"
    sha2: str = Field(max_length=128, primary_key=True)
    content_type: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class XapiActivity(SQLModel, table=True):
    """The LRS's canonical definition of an activity, merged from the statements that defined it."""

    __tablename__ = "xapi_activities"
    iri_hash: str = Field(max_length=64, primary_key=True, description="SHA-256 of the IRI")
    iri: str = Field(sa_column=Column(Text, nullable=False))
    definition: str = Field(sa_column=Column(Text, nullable=False), description="JSON")
    updated_at: datetime = Field(default_factory=utcnow)


class XapiDocument(SQLModel, table=True):
    """A state, activity profile or agent profile document."""

    __tablename__ = "xapi_documents"
    __table_args__ = (Index("ix_xapi_documents_scope", "scope_key", "updated_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, description="state, activity_profile or agent_profile")
    doc_key: str = Field(max_length=64, unique=True, description="SHA-256 of kind, scope and document id")
    scope_key: str = Field(max_length=64, description="SHA-256 of kind and scope (for listing ids)")
    document_id: str = Field(sa_column=Column(Text, nullable=False))
    content_type: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    etag: str = Field(max_length=64)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class XapiOutbox(SQLModel, table=True):
    """A stored statement still to be forwarded to the external LRS; deleted once it is there."""

    __tablename__ = "xapi_outbox"
    __table_args__ = (Index("ix_xapi_outbox_due", "next_attempt_at", "id"),)
    id: int | None = Field(default=None, sa_column=Column(_SEQ, primary_key=True, autoincrement=True))
    statement_seq: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # A worker's lease: others leave the row alone until it expires (a crashed worker's rows return).
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    failed: bool = Field(default=False, description="the remote refused it for good; kept for an admin")
    last_error: str | None = Field(default=None, sa_column=Column(Text))
