"""People's time zones: the IANA names zoneinfo knows, checked, and times shown in a person's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from lms.auth.models import DEFAULT_TIME_ZONE
from lms.errors import DomainError


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone a person may choose, sorted (read from the system's zone data once per process)."""
    return tuple(sorted(name for name in available_timezones() if "/" in name and not name.startswith(("Etc/",
                                                                                                          "SystemV/"))))


def checked(name: str) -> str:
    """A zone name a person chose, if it is one of ``zone_names``; else a DomainError on the field."""
    if name not in zone_names():
        raise DomainError("Choose a time zone from the list", field="time_zone")
    return name


def zone(name: str | None) -> ZoneInfo:
    """The zone of a stored name; an unknown one (zone data changed since) falls back to the default."""
    return ZoneInfo(name if name in zone_names() else DEFAULT_TIME_ZONE)


def local(moment: datetime | None, where: ZoneInfo) -> datetime | None:
    """A stored moment (UTC; naive ones are UTC) in a zone."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(where)
