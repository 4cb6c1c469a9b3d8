"""Whether an assignment is overdue, due soon or on track: one rule for every page that shows it."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class DueStatus(StrEnum):
    COMPLETED = "completed"
    OVERDUE = "overdue"
    DUE_SOON = "due-soon"
    ON_TRACK = "on-track"
    NO_DUE_DATE = "no-due-date"

    @property
    def label(self) -> str:
        return {"due-soon": "Due soon", "on-track": "On track", "no-due-date": "No due date"}.get(
            self.value, self.value.capitalize()
        )

    @property
    def tag_colour(self) -> str:
        """NHS.UK tag colour for the status."""
        return {"completed": "green", "overdue": "red", "due-soon": "orange", "on-track": "blue"}.get(self.value, "grey")


def due_status(due_at: datetime | None, completed_at: datetime | None, now: datetime, soon_days: int) -> DueStatus:
    if completed_at is not None:
        return DueStatus.COMPLETED
    if due_at is None:
        return DueStatus.NO_DUE_DATE
    if due_at < now:
        return DueStatus.OVERDUE
    if due_at - now <= timedelta(days=soon_days):
        return DueStatus.DUE_SOON
    return DueStatus.ON_TRACK
