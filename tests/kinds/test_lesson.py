"""Lessons at run time: one page at a time, the place saved on each step, resumed, completed at the end."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lms.db import utcnow
from lms.errors import DomainError, NotFound
from lms.learning import services
from lms.learning.models import ActivityProgress, ProgressStatus
from tests.learning.conftest import submit


def page(session, me, at=""):
    return services.activity_page(session, me, "ordered", "limited", "reading", at, utcnow())


def step(session, me, action, number):
    return submit(session, me, "ordered", "limited", "reading", action=action, page=str(number))


def test_pages_in_order_with_continue_and_previous(session, learner):
    first = page(session, learner)
    assert (first.screen.title, first.screen.context["number"], first.screen.context["count"]) == ("One", 1, 3)
    assert "<p>The first page.</p>" in first.screen.context["lesson_page"].html
    step(session, learner, "next", 1)
    step(session, learner, "next", 2)
    assert page(session, learner).screen.title == "Three"
    step(session, learner, "previous", 3)
    shown = page(session, learner)
    assert shown.screen.title == "Two" and shown.fraction == pytest.approx(1 / 3)


def test_the_place_is_saved_so_the_learner_resumes_there(app, session, learner):
    from lms import db

    step(session, learner, "next", 1)
    db.commit()
    # A new request (a fresh session) finds the saved place.
    db.session().close()
    with app.app_context():
        assert page(db.session(), learner).screen.title == "Two"


def test_a_repeated_click_moves_one_page_only(session, learner):
    step(session, learner, "next", 1)
    step(session, learner, "next", 1)  # the same form sent twice
    assert page(session, learner).screen.title == "Two"


def test_continue_on_the_last_page_completes_the_lesson(session, learner):
    for number in (1, 2):
        assert step(session, learner, "next", number).next_step == f"page/{number + 1}"
    result = step(session, learner, "next", 3)
    assert result.next_step is None and result.activity_completed and result.next_activity.id == "check"
    row = session.exec(select(ActivityProgress).where(ActivityProgress.activity_id == "reading")).one()
    assert row.status == ProgressStatus.COMPLETED and row.completed_at
    assert page(session, learner).fraction == 1.0


@pytest.mark.parametrize(("action", "number", "field"), [
    ("jump", 1, "action"), ("next", 0, "page"), ("next", 4, "page"), ("next", "two", "page"),
    # Digits to isdigit(): "²" made int() raise (a 500), "١" was read as 1.
    ("next", "\u00b2", "page"), ("next", "\u0661", "page"), ("next", "1" + "0" * 30, "page"),
])
def test_bad_steps_are_refused_and_change_nothing(session, learner, action, number, field):
    with pytest.raises(DomainError) as caught:
        step(session, learner, action, number)
    assert caught.value.field == field
    assert session.exec(select(ActivityProgress)).all() == []


@pytest.mark.parametrize(("action", "number"), [("next", 3), ("next", 2), ("previous", 3)])
def test_a_page_not_reached_yet_is_refused_and_nothing_changes(session, learner, action, number):
    """Posting the last page's number completed the lesson whatever page had been reached."""
    with pytest.raises(DomainError) as caught:
        step(session, learner, action, number)
    assert caught.value.field == "page" and "you have reached page 1 of 3" in caught.value.message
    assert session.exec(select(ActivityProgress)).all() == []


def test_the_lesson_completes_only_once_every_page_was_reached_in_order(session, learner):
    step(session, learner, "next", 1)
    with pytest.raises(DomainError):
        step(session, learner, "next", 3)  # page 3 not reached: skipping page 2 completes nothing
    row = session.exec(select(ActivityProgress).where(ActivityProgress.activity_id == "reading")).one()
    assert row.status != ProgressStatus.COMPLETED and page(session, learner).screen.title == "Two"
    step(session, learner, "next", 2)
    assert step(session, learner, "next", 3).activity_completed


def test_pages_reached_stay_reached_after_going_back(session, learner):
    step(session, learner, "next", 1)
    step(session, learner, "next", 2)
    step(session, learner, "previous", 3)
    step(session, learner, "previous", 2)
    assert page(session, learner).screen.title == "One"
    assert step(session, learner, "next", 3).activity_completed  # e.g. from another tab left on page 3


def test_a_place_saved_before_pages_reached_were_kept_counts_as_reached(session, learner):
    step(session, learner, "next", 1)
    row = session.exec(select(ActivityProgress).where(ActivityProgress.activity_id == "reading")).one()
    row.state = {}  # as a row saved before the furthest page was kept: on page 2
    session.add(row)
    session.flush()
    step(session, learner, "next", 2)
    assert page(session, learner).screen.title == "Three"


@pytest.mark.parametrize("at", ["page/2", "page/3", "page/4", "page/0", "page/x", "page/\u00b2", "page", "feedback/1"])
def test_only_pages_reached_have_an_address(session, learner, at):
    with pytest.raises(NotFound):
        page(session, learner, at)


def test_each_page_reached_has_its_own_address_and_showing_it_changes_nothing(session, learner):
    step(session, learner, "next", 1)
    step(session, learner, "next", 2)
    shown = page(session, learner, "page/1")
    assert (shown.screen.title, shown.screen.context["number"], shown.screen.context["reached"]) == ("One", 1, 3)
    assert shown.screen.context["contents"] == ["One", "Two", "Three"]
    assert page(session, learner, "page/3").screen.title == "Three"
    assert page(session, learner).screen.title == "Three"  # the saved place is still where the learner got to


def test_a_step_posted_to_a_page_address_moves_on_from_that_page(session, learner):
    def at(address):
        return services.submit_step(session, learner, "ordered", "limited", "reading", address,
                                    {"action": ["next"]}, utcnow())

    assert at("page/1").next_step == "page/2"
    assert step(session, learner, "previous", 2).next_step == "page/1"
    with pytest.raises(DomainError):  # page 3 is not reached: its address cannot be posted to either
        at("page/3")
