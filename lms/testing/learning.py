"""Learning as a learner does it, through the services: submit a step, take a quiz, finish a module."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from sqlmodel import Session, col, select

from lms.auth.models import User
from lms.auth.principal import Principal
from lms.auth.security import load_principal
from lms.db import utcnow
from lms.learning import services
from lms.learning.models import QuizAttempt
from lms.learning.progress import StepResult
from lms.runtime import catalog

# How to finish an activity of another kind: (session, principal, bundle id, module id, activity id).
Finisher = Callable[[Session, Principal, str, str, str], "StepResult | None"]


@pytest.fixture
def principal_of(session: Session) -> Callable[[User], Principal]:
    """The principal services take for a user (what signing in would load)."""

    def _principal(user: User) -> Principal:
        session.flush()
        return load_principal(session, user.id)

    return _principal


def submit(session: Session, principal: Principal, bundle_id: str, module_id: str, activity_id: str,
           step: str = "", **form: str | list[str]) -> StepResult:
    """Submit a step's form (each field a value or a list of values) as the learner would."""
    data = {k: v if isinstance(v, list) else [v] for k, v in form.items()}
    return services.submit_step(session, principal, bundle_id, module_id, activity_id, step, data, utcnow())


def current_attempt(session: Session, user_id: int, module_id: str, activity_id: str) -> QuizAttempt | None:
    return session.exec(
        select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.module_id == module_id,
                                  QuizAttempt.activity_id == activity_id).order_by(col(QuizAttempt.number).desc())
    ).first()


def correct_answers(module_id: str, activity_id: str, question_id: str) -> list[str]:
    question = catalog().module(module_id).activity(activity_id).content.question(question_id)
    return [o.id for o in question.options if o.correct]


def wrong_answers(module_id: str, activity_id: str, question_id: str) -> list[str]:
    question = catalog().module(module_id).activity(activity_id).content.question(question_id)
    return [next(o.id for o in question.options if not o.correct)]


def take_quiz(session: Session, principal: Principal, bundle_id: str, module_id: str, activity_id: str = "check",
              right: bool = True) -> StepResult | None:
    """Start an attempt and answer every drawn question (all right, or all wrong)."""
    submit(session, principal, bundle_id, module_id, activity_id, action="start")
    attempt = current_attempt(session, principal.id, module_id, activity_id)
    result = None
    for question_id in list(attempt.question_ids):
        choose = correct_answers if right else wrong_answers
        result = submit(session, principal, bundle_id, module_id, activity_id, action="answer", question=question_id,
                        answer=choose(module_id, activity_id, question_id))
    return result


def _read_lesson(session: Session, principal: Principal, bundle_id: str, module_id: str,
                 activity_id: str) -> StepResult | None:
    result = None
    pages = catalog().module(module_id).activity(activity_id).content.pages
    for number in range(1, len(pages) + 1):
        result = submit(session, principal, bundle_id, module_id, activity_id, action="next", page=str(number))
    return result


FINISHERS: dict[str, Finisher] = {"lesson": _read_lesson, "quiz": take_quiz}


def finish_module(session: Session, principal: Principal, bundle_id: str, module_id: str,
                  finishers: Mapping[str, Finisher] | None = None) -> StepResult | None:
    """Work through every activity of a module the way a learner does; returns the last StepResult.

    Lessons are read and quizzes passed; give ``finishers`` for the activities of other kinds.
    """
    known = {**FINISHERS, **(finishers or {})}
    result = None
    for activity in catalog().module(module_id).activities:
        if activity.kind not in known:
            raise LookupError(f"no finisher for {activity.kind!r} activities: pass finishers={{{activity.kind!r}: ...}}")
        result = known[activity.kind](session, principal, bundle_id, module_id, activity.id)
    return result


__all__ = ["Finisher", "correct_answers", "current_attempt", "finish_module", "principal_of", "submit",
           "take_quiz", "wrong_answers"]
