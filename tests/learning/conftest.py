"""Helpers for learning tests: principals, enrolments and working through modules via the services."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from lms.api import catalog
from lms.auth.models import Role
from lms.auth.security import load_principal
from lms.db import utcnow
from lms.learning import services
from lms.learning.models import QuizAttempt


def main_html(response) -> str:
    """The page's main content with the whitespace between tags removed, for readable assertions."""
    text = response.get_data(as_text=True)
    text = text[text.index("<main"):text.index("</main>")]
    return re.sub(r"\s*(<|>)\s*", r"\1", re.sub(r"\s+", " ", text))


def correct_answers(module_id: str, activity_id: str, question_id: str) -> list[str]:
    question = catalog().module(module_id).activity(activity_id).content.question(question_id)
    return [o.id for o in question.options if o.correct]


def wrong_answers(module_id: str, activity_id: str, question_id: str) -> list[str]:
    question = catalog().module(module_id).activity(activity_id).content.question(question_id)
    return [next(o.id for o in question.options if not o.correct)]


def current_attempt(session, user_id: int, module_id: str, activity_id: str) -> QuizAttempt | None:
    return session.exec(
        select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.module_id == module_id,
                                  QuizAttempt.activity_id == activity_id).order_by(col(QuizAttempt.number).desc())
    ).first()


def submit(session, principal, bundle_id, module_id, activity_id, **form):
    data = {k: v if isinstance(v, list) else [v] for k, v in form.items()}
    return services.submit_step(session, principal, bundle_id, module_id, activity_id, "", data, utcnow())


def take_quiz(session, principal, bundle_id: str, module_id: str, activity_id: str = "check", right: bool = True):
    """Start an attempt and answer every drawn question (all right, or all wrong)."""
    submit(session, principal, bundle_id, module_id, activity_id, action="start")
    attempt = current_attempt(session, principal.id, module_id, activity_id)
    result = None
    for question_id in list(attempt.question_ids):
        choose = correct_answers if right else wrong_answers
        result = submit(session, principal, bundle_id, module_id, activity_id, action="answer", question=question_id,
                        answer=choose(module_id, activity_id, question_id))
    return result


def finish_module(session, principal, bundle_id: str, module_id: str):
    """Work through every activity of a module the way a learner does; returns the last StepResult."""
    result = None
    for activity in catalog().module(module_id).activities:
        if activity.kind == "lesson":
            for number in range(1, len(activity.content.pages) + 1):
                result = submit(session, principal, bundle_id, module_id, activity.id, action="next", page=str(number))
        else:
            result = take_quiz(session, principal, bundle_id, module_id, activity.id)
    return result


@pytest.fixture
def principal_of(session):
    def _principal(user):
        session.flush()
        return load_principal(session, user.id)

    return _principal


@pytest.fixture
def org_admin(make_user, make_org):
    def _make(org=None):
        return make_user(roles=[Role.ORG_ADMIN], org=org or make_org())

    return _make
