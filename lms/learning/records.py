"""Every learning event written as an xAPI statement in the event's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from lms.auth.models import User
from lms.catalog.registry import Activity, Bundle, Module
from lms.kinds.base import RECORDED
from lms.learning.models import Enrolment, EnrolmentSource
from lms.xapi import platform as xapi
from lms.xapi.platform import Outcome, Person, Thing


def person(session: Session, user_id: int) -> Person:
    """The person as statements name them; looked up once per transaction."""
    cache: dict[int, Person] = session.info.setdefault("xapi_people", {})
    if user_id not in cache:
        user = session.get(User, user_id)
        cache[user_id] = Person(user.id, user.name, user.email)
    return cache[user_id]


def _thing(item: Bundle | Module | Activity) -> Thing:
    return Thing(item.id, item.title)


def registered(session: Session, user: User, at: datetime) -> None:
    xapi.registered(session, Person(user.id, user.name, user.email), at=at)


def enrolment_started(session: Session, enrolment: Enrolment, bundle: Bundle) -> None:
    """Enrolled, and for a push assignment also who assigned it (the platform, for new joiners)."""
    learner = person(session, enrolment.user_id)
    if enrolment.source != EnrolmentSource.SELF:
        by = person(session, enrolment.assigned_by_id) if enrolment.assigned_by_id else None
        xapi.assigned(session, learner, _thing(bundle), enrolment.registration, assigned_by=by,
                      due_at=enrolment.due_at, at=enrolment.enrolled_at)
    xapi.enrolled(session, learner, _thing(bundle), enrolment.registration, source=enrolment.source,
                  at=enrolment.enrolled_at)


def activity_events(session: Session, user_id: int, enrolment: Enrolment, bundle: Bundle, module: Module,
                    activity: Activity, events: list[tuple[str, dict[str, Any]]], *, first: bool, at: datetime,
                    activity_type: str) -> None:
    """Statements for what a kind reported while handling one submitted step."""
    learner, where = person(session, user_id), {"module": _thing(module), "bundle": _thing(bundle),
                                                 "registration": enrolment.registration, "at": at}
    if first:
        xapi.launched(session, learner, _thing(activity), kind=activity.kind, activity_type=activity_type, **where)
    for name, data in events:
        if name == RECORDED:
            xapi.about_activity(session, learner, data["verb"], _thing(activity), activity_type=activity_type,
                                part=data["part"], outcome=data["result"], extensions=data["extensions"], **where)
        elif name == "experienced":
            xapi.experienced(session, learner, _thing(activity), page=data["page"], **where)
        elif name == "answered":
            question = data["question"]
            xapi.answered(session, learner, Thing(question.id, question.prompt), quiz=_thing(activity),
                          response="[,]".join(data["chosen"]), success=data["correct"], **where)
        elif name == "quiz_result":
            outcome = Outcome(scaled=data["scaled"], raw=data["raw"], min=0, max=data["max"],
                              success=data["passed"], completion=data["passed"], duration=data["duration"])
            xapi.quiz_result(session, learner, _thing(activity), outcome=outcome, **where)
        else:
            raise ValueError(f"unknown learning event {name!r}")


def module_completed(session: Session, user_id: int, enrolment: Enrolment, bundle: Bundle, module: Module,
                     at: datetime) -> None:
    xapi.completed_module(session, person(session, user_id), _thing(module), bundle=_thing(bundle),
                          registration=enrolment.registration, at=at)


def bundle_completed(session: Session, enrolment: Enrolment, bundle: Bundle, at: datetime) -> None:
    learner = person(session, enrolment.user_id)
    xapi.satisfied(session, learner, _thing(bundle), registration=enrolment.registration, at=at)
    xapi.completed_bundle(session, learner, _thing(bundle), registration=enrolment.registration,
                          outcome=Outcome(success=True, completion=True), at=at)
