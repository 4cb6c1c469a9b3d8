"""What each cohort event puts on the learning record (xAPI, in the event's transaction) and tells people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlmodel import Session

from lms.catalog.registry import Activity, Module
from lms.cohorts.models import Booking, Cohort, CohortSession
from lms.errors import NotFound
from lms.kinds.base import RECORDED
from lms.learning.context import catalog
from lms.learning.progress import record_for
from lms.notices.services import notify
from lms.xapi import vocabulary as vocab
from lms.xapi.platform import Outcome, Thing

KIND = "cohort"


def cohort_activity(module: Module) -> Activity:
    """The module's cohort activity; NotFound once the content no longer delivers the module in cohorts."""
    found = next((a for a in module.activities if a.kind == KIND), None)
    if found is None:
        raise NotFound(f"{module.title} is no longer delivered in cohorts")
    return found


def verb(name: str) -> vocab.VerbIri:
    """The verbs of cohort events: ADL's where it has one, else the platform's own (vocabulary.platform_verb)."""
    if name == "registered":
        return vocab.REGISTERED
    if name == "attended":
        return vocab.ATTENDED
    displays = {"waitlisted": "joined the waiting list for", "cancelled": "cancelled their place on",
                "absent": "was absent from"}
    return vocab.platform_verb(current_app.config["XAPI_HOMEPAGE"], name, displays[name])


def cohort_part(cohort: Cohort) -> Thing:
    return Thing(f"cohort-{cohort.id}", cohort.title)


def session_part(cohort: Cohort, sitting: CohortSession) -> Thing:
    return Thing(f"cohort-{cohort.id}-session-{sitting.id}", f"{cohort.title}: {sitting.title}")


def state(session: Session, booking: Booking, cohort: Cohort, name: str, now: datetime, *, actor_id: int | None,
          part: Thing | None = None, outcome: Outcome | None = None, complete: bool = False,
          **extensions: Any) -> bool:
    """One statement about the person's cohort activity (``name``: registered, waitlisted, cancelled, attended,
    absent), with the cohort's id and ``extensions`` (named in Python, written hyphenated: from-waiting-list) as the
    platform's own extensions; True if it completed their module."""
    module = catalog().module(cohort.module_id)
    activity = cohort_activity(module)
    event = {"verb": verb(name), "result": outcome, "part": part or cohort_part(cohort),
             "extensions": {"cohort": cohort.id, **{k.replace("_", "-"): v for k, v in extensions.items()}}}
    return record_for(session, booking.user_id, actor_id, booking.bundle_id, module.id, activity.id,
                      [(RECORDED, event)], now, complete=complete)


def tell(session: Session, booking: Booking, cohort: Cohort, event: str, key: str, *, subject: str, body: str,
         essential: bool = True) -> None:
    """A notice to the booked person, linking to the activity page where they see and manage their place."""
    notify(session, booking.user_id, event, subject=subject, body=body, essential=essential, dedupe_key=key,
           link=place_path(booking.bundle_id, cohort.module_id))


def place_path(bundle_id: str, module_id: str) -> str | None:
    """The path of the cohort activity's page (bound to no request: notices are made by commands too); None
    once the content no longer has it."""
    try:
        activity = cohort_activity(catalog().module(module_id))
    except NotFound:
        return None
    return current_app.url_map.bind("localhost").build(
        "learning.activity", {"bundle_id": bundle_id, "module_id": module_id, "activity_id": activity.id})
