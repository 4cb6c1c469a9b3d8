"""A booking's iCalendar file: one event per session of the cohort, written by the icalendar library."""

from __future__ import annotations

from icalendar import Calendar, Event

from lms.cohorts.models import Cohort, CohortSession


def booking_calendar(cohort: Cohort, sessions: list[CohortSession], host: str) -> bytes:
    """Every session still on, with a stable UID per session so a calendar updates rather than duplicates."""
    calendar = Calendar()
    calendar.add("prodid", "-//Leadership and management training//Cohorts//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for sitting in sessions:
        event = Event()
        event.add("uid", f"cohort-{cohort.id}-session-{sitting.id}@{host}")
        event.add("summary", f"{cohort.title}: {sitting.title}")
        event.add("dtstart", sitting.starts_at)
        event.add("dtend", sitting.ends_at)
        event.add("dtstamp", cohort.created_at)
        where = ", ".join(part for part in (sitting.venue, sitting.online_link) if part)
        if where:
            event.add("location", where)
        if sitting.online_link:
            event.add("url", sitting.online_link)
        description = [cohort.place] if cohort.place else []
        if sitting.accessibility:
            description.append(f"Accessibility: {sitting.accessibility}")
        if description:
            event.add("description", "\n".join(description))
        if sitting.cancelled_at is not None:
            event.add("status", "CANCELLED")
        calendar.add_component(event)
    return calendar.to_ical()
