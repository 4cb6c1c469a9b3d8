"""State, activity profile and agent profile documents: storage, ETags, preconditions and JSON merge."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha1, sha256

from sqlalchemy import Connection, delete, insert, select, update

from lms.db import utcnow
from lms.xapi import strict_json
from lms.xapi.checks import Invalid
from lms.xapi.models import XapiDocument

DOCUMENTS = XapiDocument.__table__
STATE, ACTIVITY_PROFILE, AGENT_PROFILE = "state", "activity_profile", "agent_profile"


class PreconditionFailed(Exception):
    """If-Match / If-None-Match did not hold (412)."""


class DocumentConflict(Exception):
    """A PUT would overwrite an existing document without saying which version it replaces (409)."""


class PreconditionMissing(Exception):
    """A PUT to a profile without If-Match or If-None-Match (400)."""


class NotMergeable(Exception):
    """A POST asked to merge documents that are not both JSON objects (400)."""


@dataclass(frozen=True)
class Scope:
    """Which documents: the kind plus activity, agent (its IFI) and registration as they apply."""

    kind: str
    activity_id: str = ""
    agent_ifi: str = ""
    registration: str = ""

    @property
    def key(self) -> str:
        return sha256("\x00".join((self.kind, self.activity_id, self.agent_ifi, self.registration)).encode()).hexdigest()

    def doc_key(self, document_id: str) -> str:
        return sha256(f"{self.key}\x00{document_id}".encode()).hexdigest()


@dataclass(frozen=True)
class Document:
    content: bytes
    content_type: str
    etag: str
    updated_at: datetime


def is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def get(conn: Connection, scope: Scope, document_id: str) -> Document | None:
    row = conn.execute(select(DOCUMENTS.c.content, DOCUMENTS.c.content_type, DOCUMENTS.c.etag, DOCUMENTS.c.updated_at)
                       .where(DOCUMENTS.c.doc_key == scope.doc_key(document_id))).first()
    return Document(row.content, row.content_type, row.etag, row.updated_at) if row else None


def ids(conn: Connection, scope: Scope, since: datetime | None = None) -> list[str]:
    query = select(DOCUMENTS.c.document_id).where(DOCUMENTS.c.scope_key == scope.key)
    if since is not None:
        query = query.where(DOCUMENTS.c.updated_at > since)
    return list(conn.execute(query.order_by(DOCUMENTS.c.updated_at, DOCUMENTS.c.id)).scalars())


def check_preconditions(current: Document | None, if_match: str | None, if_none_match: str | None) -> None:
    """RFC 7232: If-Match needs the current ETag (or * with any document), If-None-Match the reverse."""
    if if_match is not None:
        tags = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
        if current is None or not ("*" in tags or current.etag in tags):
            raise PreconditionFailed("If-Match does not match the document's current ETag")
    if if_none_match is not None and current is not None:
        tags = {tag.strip().removeprefix("W/").strip('"') for tag in if_none_match.split(",")}
        if "*" in tags or current.etag in tags:
            raise PreconditionFailed("If-None-Match: the document already exists")


def _lock(conn: Connection, scope: Scope, document_id: str) -> Document | None:
    row = conn.execute(select(DOCUMENTS.c.content, DOCUMENTS.c.content_type, DOCUMENTS.c.etag, DOCUMENTS.c.updated_at)
                       .where(DOCUMENTS.c.doc_key == scope.doc_key(document_id)).with_for_update()).first()
    return Document(row.content, row.content_type, row.etag, row.updated_at) if row else None


def put(conn: Connection, scope: Scope, document_id: str, content: bytes, content_type: str, *,
        if_match: str | None, if_none_match: str | None, overwrite_needs_etag: bool,
        create_needs_header: bool) -> None:
    """Replace a document. Profiles need a concurrency header always (400 for none on a new one,
    409 on an existing one); state needs If-Match only to overwrite, and only in xAPI 2.0.

    A document declared application/json must be JSON as the LRS accepts it (``strict_json``): a POST
    may merge it later, and readers parse it."""
    if is_json(content_type):
        strict_json.loads(content, "body")
    current = _lock(conn, scope, document_id)
    check_preconditions(current, if_match, if_none_match)
    if if_match is None and if_none_match is None:
        if current is not None and overwrite_needs_etag:
            raise DocumentConflict("the document exists: send If-Match with its ETag to replace it")
        if create_needs_header:
            raise PreconditionMissing("send If-None-Match: * to create a document (or If-Match to replace one)")
    _write(conn, scope, document_id, content, content_type, current is not None)


def post(conn: Connection, scope: Scope, document_id: str, content: bytes, content_type: str, *,
         if_match: str | None, if_none_match: str | None) -> None:
    """Store, or merge a JSON object into the stored JSON object (top-level keys replaced)."""
    incoming = None
    if is_json(content_type):
        incoming = strict_json.loads(content, "body")
        if type(incoming) is not dict:
            raise NotMergeable("a POSTed application/json document must be a JSON object")
    current = _lock(conn, scope, document_id)
    check_preconditions(current, if_match, if_none_match)
    if current is None:
        _write(conn, scope, document_id, content, content_type, False)
        return
    if incoming is None or not is_json(current.content_type):
        raise NotMergeable("only JSON objects can be merged: both documents must be application/json")
    try:
        stored = strict_json.loads(current.content, "the stored document")
    except Invalid:  # stored before the LRS refused such JSON
        stored = None
    if type(stored) is not dict:
        raise NotMergeable("the stored document is not a JSON object, so it cannot be merged")
    merged = json.dumps({**stored, **incoming}, separators=(",", ":"), ensure_ascii=False).encode()
    _write(conn, scope, document_id, merged, current.content_type, True)


def _write(conn: Connection, scope: Scope, document_id: str, content: bytes, content_type: str, exists: bool) -> None:
    values = {"content": content, "content_type": content_type, "etag": sha1(content).hexdigest(),
              "updated_at": utcnow()}
    if exists:
        conn.execute(update(DOCUMENTS).where(DOCUMENTS.c.doc_key == scope.doc_key(document_id)).values(**values))
    else:
        conn.execute(insert(DOCUMENTS).values(kind=scope.kind, doc_key=scope.doc_key(document_id),
                                              scope_key=scope.key, document_id=document_id, **values))


def remove(conn: Connection, scope: Scope, document_id: str | None, *, if_match: str | None,
           if_none_match: str | None) -> None:
    """Delete one document, or (document_id None, state only) every document in the scope."""
    if document_id is None:
        conn.execute(delete(DOCUMENTS).where(DOCUMENTS.c.scope_key == scope.key))
        return
    current = _lock(conn, scope, document_id)
    check_preconditions(current, if_match, if_none_match)
    if current is not None:
        conn.execute(delete(DOCUMENTS).where(DOCUMENTS.c.doc_key == scope.doc_key(document_id)))
