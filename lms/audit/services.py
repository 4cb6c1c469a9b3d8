"""Record privileged actions in the same transaction as the change they describe."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from lms.audit.models import AuditEvent


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    target: str,
    *,
    organisation_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit row; it commits or rolls back with the change itself."""
    event = AuditEvent(actor_id=actor_id, organisation_id=organisation_id, action=action, target=target, detail=detail)
    session.add(event)
    return event
