"""Knowledge checks: single and multiple choice questions drawn from a bank, with a pass mark.

At run time an attempt draws ``questions_per_attempt`` questions at random and asks them one per
page; each answer is saved as it is given and followed by feedback on every option chosen. When
the last is answered the attempt is scored; a pass completes the activity, a fail may be retried
with a new draw while attempts remain. Coming back resumes at the first unanswered question.

A question's ``explanation`` says why its right answer is right; it is shown with the feedback on each
answer. The result page goes through the attempt's questions, and shows which answers were right as the
check's ``reveal_answers`` allows: after every attempt, only once passed (an assessed check whose
questions come round again), or never.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from sqlmodel import col, select

from lms.errors import Conflict, DomainError, NotFound
from lms.kinds.base import ActivityKind, FormData, Run, Screen, one_value
from lms.learning.models import QuizAttempt
from lms.plugins.manifest import Identifier, Strict, Text
from lms.xapi.vocabulary import ACTIVITY_TYPES


class OptionSpec(Strict):
    id: Identifier | Literal["a", "b", "c", "d", "e", "f"]
    text: Text
    correct: bool = False
    feedback: Text


class QuestionSpec(Strict):
    id: Identifier | str
    type: Literal["single", "multiple"]
    prompt: Text
    hint: str | None = None
    explanation: Text | None = Field(default=None, description="why the right answer is right, shown after answering")
    options: list[OptionSpec] = Field(min_length=2, max_length=8)

    @model_validator(mode="after")
    def _answerable(self) -> QuestionSpec:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError("option ids must be distinct")
        right = sum(o.correct for o in self.options)
        if self.type == "single" and right != 1:
            raise ValueError(f"a single-choice question needs exactly one correct option, it has {right}")
        if self.type == "multiple" and right < 1:
            raise ValueError("a multiple-choice question needs at least one correct option")
        return self

    def is_correct(self, chosen: list[str] | set[str]) -> bool:
        return set(chosen) == {o.id for o in self.options if o.correct}


class QuizContent(Strict):
    """quiz.toml: the bank, how many questions an attempt draws, the pass mark and attempt limit."""

    pass_mark: int = Field(ge=1, le=100, description="percentage of correct answers needed")
    questions_per_attempt: int = Field(ge=1)
    max_attempts: int = Field(default=0, ge=0, description="0 means unlimited")
    reveal_answers: Literal["after_attempt", "after_pass", "never"] = Field(
        default="after_attempt", description="when the result page shows which answers were right")
    questions: list[QuestionSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _drawable(self) -> QuizContent:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be distinct")
        if self.questions_per_attempt > len(self.questions):
            raise ValueError(
                f"questions_per_attempt is {self.questions_per_attempt} but the bank has {len(self.questions)}"
            )
        return self

    def question(self, question_id: str) -> QuestionSpec | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def reveals(self, attempt: QuizAttempt) -> bool:
        """Whether a finished attempt's result may show the right answers."""
        return attempt.submitted_at is not None and (
            self.reveal_answers == "after_attempt" or (self.reveal_answers == "after_pass" and bool(attempt.passed)))


@dataclass(frozen=True)
class Reviewed:
    """One question of a finished attempt on its result page: what was chosen, and whether it was right."""

    question: QuestionSpec
    chosen: tuple[OptionSpec, ...]
    correct: bool
    right: tuple[OptionSpec, ...]  # the right options: empty when the check does not reveal them


class QuizKind(ActivityKind):
    name = "quiz"
    label = "Knowledge check"
    activity_type = ACTIVITY_TYPES["quiz"]
    template_folder = Path(__file__).parent / "templates" / "quiz"
    content_schema = QuizContent

    # Run time ------------------------------------------------------------------------------

    def show(self, run: Run, step: str) -> Screen:
        quiz: QuizContent = run.content
        attempt = latest_attempt(run)
        if step.startswith("feedback/"):
            return self._feedback(run, attempt, step.removeprefix("feedback/"))
        if step:
            raise NotFound("There is no such page in this knowledge check")
        if attempt is None or _stale(quiz, attempt):
            return Screen("kinds/quiz/intro.html", run.activity.title, {"quiz": quiz, "attempts_used": 0})
        if attempt.submitted_at is None:
            questions = _drawn(quiz, attempt)
            index = next(i for i, q in enumerate(questions) if q.id not in attempt.answers)
            return Screen("kinds/quiz/question.html", questions[index].prompt, {
                "quiz": quiz, "attempt": attempt, "question": questions[index], "number": index + 1,
                "count": len(questions),
            })
        reveal = quiz.reveals(attempt)
        review = [Reviewed(q, tuple(o for o in q.options if o.id in attempt.answers.get(q.id, ())),
                           q.is_correct(attempt.answers.get(q.id, [])),
                           tuple(o for o in q.options if o.correct) if reveal else ())
                  for q in _drawn(quiz, attempt)]
        return Screen("kinds/quiz/result.html", "Your result", {
            "quiz": quiz, "attempt": attempt, "correct": _correct_count(quiz, attempt),
            "count": len(attempt.question_ids), "can_retry": _can_retry(quiz, attempt), "review": review,
            "reveal": reveal,
        })

    def _feedback(self, run: Run, attempt: QuizAttempt | None, question_id: str) -> Screen:
        quiz: QuizContent = run.content
        question = quiz.question(question_id)
        if attempt is None or question is None or question_id not in attempt.answers:
            raise NotFound("You have not answered that question yet")
        chosen = attempt.answers[question_id]
        questions = _drawn(quiz, attempt)
        number = next(i for i, q in enumerate(questions) if q.id == question_id) + 1
        return Screen("kinds/quiz/feedback.html", question.prompt, {
            "quiz": quiz, "attempt": attempt, "question": question, "number": number, "count": len(questions),
            "chosen": [o for o in question.options if o.id in chosen], "is_correct": question.is_correct(chosen),
            "finished": attempt.submitted_at is not None,
        })

    def submit(self, run: Run, step: str, form: FormData) -> str | None:
        if step:
            raise NotFound("There is no such page in this knowledge check")
        action = one_value(form, "action")
        if action == "start":
            return self._start(run)
        if action == "answer":
            return self._answer(run, form)
        raise DomainError("Choose an action: start, or answer the question", field="action")

    def _start(self, run: Run) -> str:
        quiz: QuizContent = run.content
        attempt = latest_attempt(run)
        if attempt is not None and attempt.submitted_at is None and not _stale(quiz, attempt):
            return ""  # already under way (a repeated click): carry on where it is
        if attempt is not None and attempt.passed:
            raise Conflict("You have already passed this knowledge check")
        if attempt is not None and not _stale(quiz, attempt) and not _can_retry(quiz, attempt):
            raise DomainError(f"You have used all {quiz.max_attempts} attempts at this knowledge check", field="action")
        drawn = _random.sample([q.id for q in quiz.questions], quiz.questions_per_attempt)
        number = attempt.number + 1 if attempt else 1
        run.session.add(QuizAttempt(user_id=run.user_id, module_id=run.module.id, activity_id=run.activity.id,
                                    number=number, question_ids=drawn, answers={}, started_at=run.now))
        run.progress.state = {"attempt": number, "answered": 0, "total": len(drawn)}
        return ""

    def _answer(self, run: Run, form: FormData) -> str:
        quiz: QuizContent = run.content
        attempt = latest_attempt(run)
        if attempt is None or attempt.submitted_at is not None or _stale(quiz, attempt):
            raise DomainError("Start the knowledge check before answering", field="action")
        question_id = one_value(form, "question")
        question = quiz.question(question_id)
        if question is None or question_id not in attempt.question_ids:
            raise DomainError("That question is not part of your current attempt", field="question")
        if question_id in attempt.answers:
            raise Conflict("You have already answered this question")
        chosen = sorted({v.strip() for v in form.get("answer") or () if v.strip()})
        if not chosen:
            raise DomainError("Select an answer" if question.type == "single" else "Select at least one answer",
                              field="answer")
        if not set(chosen) <= {o.id for o in question.options}:
            raise DomainError("Select one of the answers shown", field="answer")
        if question.type == "single" and len(chosen) > 1:
            raise DomainError("Select only one answer", field="answer")
        attempt.answers = {**attempt.answers, question_id: chosen}
        run.emit("answered", question=question, chosen=chosen, correct=question.is_correct(chosen))
        answered = [q for q in _drawn(quiz, attempt) if q.id in attempt.answers]
        run.progress.state = {"attempt": attempt.number, "answered": len(answered), "total": len(attempt.question_ids)}
        if len(answered) == len(_drawn(quiz, attempt)):
            attempt.submitted_at = run.now
            attempt.score = round(100 * _correct_count(quiz, attempt) / len(answered), 1)
            attempt.passed = attempt.score >= quiz.pass_mark
            run.progress.score = attempt.score
            run.emit("quiz_result", scaled=attempt.score / 100, raw=_correct_count(quiz, attempt), max=len(answered),
                     passed=attempt.passed, duration=run.now - attempt.started_at)
            if attempt.passed:
                run.complete(attempt.score)
        run.session.add(attempt)
        return f"feedback/{question_id}"

    def fraction(self, run: Run) -> float:
        if self.is_complete(run):
            return 1.0
        state = run.progress.state or {}
        return state.get("answered", 0) / state["total"] if state.get("total") else 0.0


_random = random.SystemRandom()


def latest_attempt(run: Run) -> QuizAttempt | None:
    """The person's most recent attempt (one indexed query)."""
    return run.session.exec(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == run.user_id, QuizAttempt.module_id == run.module.id,
               QuizAttempt.activity_id == run.activity.id)
        .order_by(col(QuizAttempt.number).desc())
        .limit(1)
    ).first()


def _drawn(quiz: QuizContent, attempt: QuizAttempt) -> list[QuestionSpec]:
    """The attempt's questions in the order drawn (any since removed from the bank are skipped)."""
    return [q for q in (quiz.question(i) for i in attempt.question_ids) if q is not None]


def _stale(quiz: QuizContent, attempt: QuizAttempt) -> bool:
    """An unfinished attempt whose questions a new content version removed: it is set aside for a new draw."""
    return attempt.submitted_at is None and len(_drawn(quiz, attempt)) < len(attempt.question_ids)


def _correct_count(quiz: QuizContent, attempt: QuizAttempt) -> int:
    return sum(q.is_correct(attempt.answers.get(q.id, [])) for q in _drawn(quiz, attempt))


def _can_retry(quiz: QuizContent, attempt: QuizAttempt) -> bool:
    return not attempt.passed and (quiz.max_attempts == 0 or attempt.number < quiz.max_attempts)
