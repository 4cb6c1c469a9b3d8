"""Knowledge checks at run time: draws, one question at a time, feedback, scoring, retries, bad input."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lms.db import utcnow
from lms.errors import Conflict, DomainError, NotFound
from lms.learning import services
from lms.learning.models import ActivityProgress, ProgressStatus, QuizAttempt
from tests.learning.conftest import correct_answers, current_attempt, submit, take_quiz, wrong_answers


def screen(session, me, step=""):
    return services.activity_page(session, me, "ordered", "limited", "check", step, utcnow()).screen


def answer(session, me, question_id, chosen):
    return submit(session, me, "ordered", "limited", "check", action="answer", question=question_id, answer=chosen)


def progress(session, me):
    return session.exec(select(ActivityProgress).where(ActivityProgress.user_id == me.id,
                                                       ActivityProgress.activity_id == "check")).first()


def test_an_attempt_draws_questions_from_the_bank_and_asks_them_one_at_a_time(session, learner):
    assert screen(session, learner).template == "kinds/quiz/intro.html"
    submit(session, learner, "ordered", "limited", "check", action="start")
    attempt = current_attempt(session, learner.id, "limited", "check")
    assert len(attempt.question_ids) == 2 and set(attempt.question_ids) <= {"q1", "q2", "q3", "q4"}
    first, second = attempt.question_ids
    shown = screen(session, learner)
    assert shown.context["question"].id == first and (shown.context["number"], shown.context["count"]) == (1, 2)
    result = answer(session, learner, first, ["b"])
    assert result.next_step == f"feedback/{first}"
    feedback = screen(session, learner, f"feedback/{first}").context
    assert not feedback["is_correct"] and [o.id for o in feedback["chosen"]] == ["b"]
    assert feedback["chosen"][0].feedback == "No." and not feedback["finished"]
    # Coming back resumes at the first unanswered question.
    assert screen(session, learner).context["question"].id == second


def test_scoring_and_passing_completes_the_activity(session, learner):
    result = take_quiz(session, learner, "ordered", "limited")
    attempt = current_attempt(session, learner.id, "limited", "check")
    assert (attempt.score, attempt.passed) == (100.0, True) and attempt.submitted_at
    assert result.activity_completed
    row = progress(session, learner)
    assert (row.status, row.score) == (ProgressStatus.COMPLETED, 100.0)
    shown = screen(session, learner)
    assert shown.template == "kinds/quiz/result.html" and shown.context["correct"] == 2
    with pytest.raises(Conflict, match="already passed"):
        submit(session, learner, "ordered", "limited", "check", action="start")


def test_a_fail_is_scored_and_can_be_retried_with_a_new_draw_until_attempts_run_out(session, learner):
    submit(session, learner, "ordered", "limited", "check", action="start")
    first, second = current_attempt(session, learner.id, "limited", "check").question_ids
    answer(session, learner, first, correct_answers("limited", "check", first))
    answer(session, learner, second, wrong_answers("limited", "check", second))
    attempt = current_attempt(session, learner.id, "limited", "check")
    assert (attempt.score, attempt.passed) == (50.0, False)  # pass mark is 100
    assert progress(session, learner).status == ProgressStatus.IN_PROGRESS
    result = screen(session, learner)
    assert result.template == "kinds/quiz/result.html" and result.context["can_retry"]
    take_quiz(session, learner, "ordered", "limited", right=False)
    attempts = session.exec(select(QuizAttempt).order_by(QuizAttempt.number)).all()
    assert [a.number for a in attempts] == [1, 2]
    assert not screen(session, learner).context["can_retry"]
    with pytest.raises(DomainError, match="used all 2 attempts"):
        submit(session, learner, "ordered", "limited", "check", action="start")
    assert len(session.exec(select(QuizAttempt)).all()) == 2


def test_starting_twice_carries_on_the_same_attempt(session, learner):
    submit(session, learner, "ordered", "limited", "check", action="start")
    submit(session, learner, "ordered", "limited", "check", action="start")
    assert len(session.exec(select(QuizAttempt)).all()) == 1


@pytest.mark.parametrize(("form", "field", "message"), [
    ({}, "answer", "Select an answer"),
    ({"answer": ["z"]}, "answer", "Select one of the answers shown"),
    ({"answer": ["a", "b"]}, "answer", "Select only one answer"),
    ({"answer": ["a"], "question": "not-drawn"}, "question", "not part of your current attempt"),
    ({"answer": ["a"], "question": "no-such-question"}, "question", "not part of your current attempt"),
])
def test_bad_answers_get_a_clear_error_and_change_nothing(session, learner, form, field, message):
    submit(session, learner, "ordered", "limited", "check", action="start")
    attempt = current_attempt(session, learner.id, "limited", "check")
    question = attempt.question_ids[0]
    if form.get("question") == "not-drawn":
        form = {**form, "question": next(q for q in ("q1", "q2", "q3", "q4") if q not in attempt.question_ids)}
    with pytest.raises(DomainError, match=message) as caught:
        submit(session, learner, "ordered", "limited", "check", action="answer", **{"question": question, **form})
    assert caught.value.field == field
    session.refresh(attempt)
    assert attempt.answers == {} and attempt.submitted_at is None


def test_answering_the_same_question_twice_is_refused(session, learner):
    submit(session, learner, "ordered", "limited", "check", action="start")
    question = current_attempt(session, learner.id, "limited", "check").question_ids[0]
    answer(session, learner, question, ["a"])
    with pytest.raises(Conflict):
        answer(session, learner, question, ["b"])
    assert current_attempt(session, learner.id, "limited", "check").answers == {question: ["a"]}


def test_answering_before_starting_and_unknown_actions_are_refused(session, learner):
    with pytest.raises(DomainError, match="Start the knowledge check"):
        answer(session, learner, "q1", ["a"])
    with pytest.raises(DomainError) as caught:
        submit(session, learner, "ordered", "limited", "check", action="cheat")
    assert caught.value.field == "action"
    assert session.exec(select(QuizAttempt)).all() == [] and progress(session, learner) is None


def test_feedback_for_an_unanswered_question_is_not_found(session, learner):
    submit(session, learner, "ordered", "limited", "check", action="start")
    question = current_attempt(session, learner.id, "limited", "check").question_ids[0]
    with pytest.raises(NotFound):
        screen(session, learner, f"feedback/{question}")
    with pytest.raises(NotFound):
        screen(session, learner, "elsewhere")


def test_multiple_choice_needs_exactly_the_correct_set(app, session, make_user, principal_of):
    user = make_user()
    me = principal_of(user)
    services.enrol(session, me, user.id, "ordered")
    quiz = app.extensions["lms.catalog"].module("alpha").activity("check").content
    q2 = quiz.question("q2")
    assert q2.type == "multiple" and q2.is_correct(["a", "b"]) and not q2.is_correct(["a"])
    assert not q2.is_correct(["a", "b", "c"])


def test_fraction_follows_the_answers(session, learner):
    page = services.activity_page(session, learner, "ordered", "limited", "check", "", utcnow())
    assert page.fraction == 0.0
    submit(session, learner, "ordered", "limited", "check", action="start")
    answer(session, learner, current_attempt(session, learner.id, "limited", "check").question_ids[0], ["a"])
    assert services.activity_page(session, learner, "ordered", "limited", "check", "", utcnow()).fraction == 0.5


def test_an_attempt_whose_questions_left_the_bank_is_set_aside_for_a_new_draw(session, learner):
    submit(session, learner, "ordered", "limited", "check", action="start")
    attempt = current_attempt(session, learner.id, "limited", "check")
    attempt.question_ids = ["q1", "removed-in-version-2"]  # as if the content changed under the attempt
    session.flush()
    assert screen(session, learner).template == "kinds/quiz/intro.html"
    with pytest.raises(DomainError, match="Start the knowledge check"):
        answer(session, learner, "q1", ["a"])
    submit(session, learner, "ordered", "limited", "check", action="start")
    fresh = current_attempt(session, learner.id, "limited", "check")
    assert fresh.number == 2 and set(fresh.question_ids) <= {"q1", "q2", "q3", "q4"}


def reveal(monkeypatch, mode: str) -> None:
    """Set the limited check's reveal_answers as its quiz.toml would."""
    from lms.api import catalog

    activity = catalog().module("limited").activity("check")
    # The content is frozen, as loaded; the test swaps it in the instance dict and monkeypatch restores it.
    monkeypatch.setitem(activity.__dict__, "content", activity.content.model_copy(update={"reveal_answers": mode}))


def test_a_wrong_answer_shows_why_with_the_questions_explanation(session, learner):
    submit(session, learner, "ordered", "limited", "check", action="start")
    first = current_attempt(session, learner.id, "limited", "check").question_ids[0]
    answer(session, learner, first, wrong_answers("limited", "check", first))
    shown = screen(session, learner, f"feedback/{first}").context
    assert not shown["is_correct"] and shown["question"].explanation == f"Because {first[1]} is right."


@pytest.mark.parametrize(("mode", "passing", "revealed"), [
    ("after_attempt", False, True), ("after_attempt", True, True),
    ("after_pass", False, False), ("after_pass", True, True),
    ("never", False, False), ("never", True, False),
])
def test_the_result_reviews_each_answer_and_shows_the_right_ones_as_the_check_allows(
        monkeypatch, session, learner, mode, passing, revealed):
    reveal(monkeypatch, mode)
    take_quiz(session, learner, "ordered", "limited", right=passing)
    shown = screen(session, learner)
    assert shown.template.endswith("quiz/result.html") and shown.context["reveal"] == revealed
    attempt = current_attempt(session, learner.id, "limited", "check")
    review = shown.context["review"]
    assert [item.question.id for item in review] == attempt.question_ids
    for item in review:
        assert item.correct == passing
        assert [o.id for o in item.chosen] == attempt.answers[item.question.id]
        assert [o.id for o in item.right] == (["a"] if revealed else [])


def test_an_unfinished_attempt_reveals_nothing(session, learner):
    from lms.api import catalog

    submit(session, learner, "ordered", "limited", "check", action="start")
    attempt = current_attempt(session, learner.id, "limited", "check")
    assert not catalog().module("limited").activity("check").content.reveals(attempt)


def test_reveal_answers_takes_only_the_three_settings(tmp_path):
    from lms.kinds.quiz import QuizContent
    from lms.plugins.manifest import parse_toml
    from tests.conftest import FIXTURES

    source = (FIXTURES / "limited" / "modules" / "limited" / "quiz.toml").read_text()
    quiz = tmp_path / "quiz.toml"
    quiz.write_text('reveal_answers = "sometimes"\n' + source)
    content, problems = parse_toml(quiz, QuizContent)
    assert content is None and [p.field for p in problems] == ["reveal_answers"]
    quiz.write_text('reveal_answers = "never"\n' + source)
    assert parse_toml(quiz, QuizContent)[0].reveal_answers == "never"


def test_every_question_of_every_shipped_knowledge_check_explains_itself():
    from pathlib import Path

    from lms.kinds.quiz import QuizContent
    from lms.plugins.manifest import parse_toml

    shipped = Path(__file__).parents[2] / "modules"
    checks = sorted(shipped.glob("*/quiz.toml"))
    assert len(checks) == 29
    for path in checks:
        quiz, problems = parse_toml(path, QuizContent)
        assert problems == [] and all(q.explanation for q in quiz.questions), path
