"""Dates as people read them on pages and in explanations: 7 March 2026."""

from __future__ import annotations

from datetime import date, datetime

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def format_date(value: date | datetime | None) -> str:
    """GOV.UK / NHS style dates: 7 March 2026. Month names in English whatever the server's locale (and
    without strftime, which cost more than the rest of a due-date line)."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}" if value else ""
