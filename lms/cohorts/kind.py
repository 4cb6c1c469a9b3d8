"""The cohort activity kind: a module delivered in scheduled cohorts, booked here and completed by the register.

Its content (``cohort.toml``) is the programme's plan: the days, each with its sessions, and the attendance
rule new cohorts take. The learner's page lists the cohorts near them first; booking, joining the waiting
list and cancelling are the steps they submit. The activity is completed by the facilitator's register
(``lms.cohorts.register``), never by the learner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from lms.auth.models import User
from lms.cohorts import booking as bookings
from lms.errors import DomainError, NotFound
from lms.kinds.base import ActivityKind, FormData, Run, Screen, one_value
from lms.plugins.manifest import Strict, Text
from lms.xapi.vocabulary import ACTIVITY_TYPES

LENSES = ("collaborative leadership", "cross-sector awareness", "behavioural expectations")


class PlanItem(Strict):
    """One part of a day: when, for how long, what it is for and how it runs."""

    time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    minutes: int = Field(ge=5, le=480)
    title: Text
    purpose: Text
    method: Text


class Day(Strict):
    title: Text
    lens: Literal["collaborative leadership", "cross-sector awareness", "behavioural expectations", "all three"]
    summary: Text
    sessions: list[PlanItem] = Field(min_length=1)


class CohortContent(Strict):
    """cohort.toml: the plan every cohort of the module follows, and the attendance rule it starts with."""

    summary: Text
    attendance: Literal["every", "most"] = "every"
    attendance_percent: int = Field(default=100, ge=50, le=100)
    before_you_come: list[Text] = Field(default_factory=list)
    days: list[Day] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _every_lens(self) -> CohortContent:
        lenses = {d.lens for d in self.days}
        if "all three" not in lenses and not set(LENSES) <= lenses:
            raise ValueError("the days must cover the triple lens: " + ", ".join(LENSES))
        return self


class CohortKind(ActivityKind):
    name = "cohort"
    label = "In-person cohort"
    activity_type = ACTIVITY_TYPES["session"]
    template_folder = Path(__file__).parent / "kind_templates"
    content_schema = CohortContent

    def show(self, run: Run, step: str) -> Screen:
        if step:
            raise NotFound("There is no such page in this activity")
        person = run.session.get(User, run.user_id)
        found = bookings.choices(run.session, person, run.module.id, run.now)
        return Screen("kinds/cohort/choose.html", run.activity.title, {
            "plan": run.content, "choices": found, "mine": [c for c in found if c.booking is not None
                                                            and c.booking.status in ("booked", "awaiting_approval",
                                                                                     "waitlisted")],
            "now": run.now, "completed": self.is_complete(run), "approval": run.bundle is not None and run.bundle.approval == "manager",
        })

    def submit(self, run: Run, step: str, form: FormData) -> str | None:
        if step:
            raise NotFound("There is no such page in this activity")
        action = one_value(form, "action")
        if action == "book":
            bookings.book(run.session, run.user_id, bookings.form_id(one_value(form, "cohort"), "cohort"),
                          run.bundle, run.now)
        elif action == "cancel":
            bookings.cancel(run.session, run.user_id, bookings.form_id(one_value(form, "booking"), "booking"), run.now)
        else:
            raise DomainError("Choose a cohort to book, or a booking to cancel", field="action")
        return ""
