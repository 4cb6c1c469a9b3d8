"""The learner's pages over HTTP: dashboard, enrolment, bundle and module pages, a module end to end."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import g
from sqlmodel import select

from lms import db
from lms.db import utcnow
from lms.learning import services
from lms.learning.models import Enrolment, EnrolmentStatus, QuizAttempt
from tests.learning.conftest import correct_answers, finish_module, main_html as main, wrong_answers




def test_learner_pages_need_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302  # to the service's start page, which offers sign-in
    assert "My learning" not in response.get_data(as_text=True)
    for path in ("/learning/starter", "/learning/starter/alpha", "/learning/starter/alpha/lesson"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_dashboard_with_nothing_points_to_the_catalogue(make_user, login_as):
    page = main(login_as(make_user()).get("/"))
    assert "You have no training assigned" in page and 'href="/catalogue"' in page


def test_dashboard_links_to_my_learning_record(make_user, login_as):
    client = login_as(make_user())
    page = main(client.get("/"))
    link = re.search(r'<a href="([^"]+)">See my learning record</a>', page)
    assert link is not None and client.get(link.group(1)).status_code == 200


def test_dashboard_shows_due_dates_overdue_due_soon_and_progress(session, make_user, login_as, principal_of):
    user = make_user()
    me = principal_of(user)
    [starter] = services.assign_new_joiner(session, user, None)
    starter.due_at = utcnow() - timedelta(days=2)
    electives = services.enrol(session, me, user.id, "electives")
    electives.due_at = utcnow() + timedelta(days=3)
    finish_module(session, me, "starter", "alpha")
    page = main(login_as(user).get("/"))
    assert page.index("Starter bundle") < page.index("Electives bundle")  # overdue first
    assert re.search(r"Due \d+ \w+ \d{4}<strong class=\"nhsuk-tag nhsuk-tag--red\">Overdue</strong>", page)
    assert '<strong class="nhsuk-tag nhsuk-tag--orange">Due soon</strong>' in page
    assert 'for="progress-1">1 of 2 modules done (50%)</label>' in page
    assert '<progress class="lms-progress" id="progress-1" max="100" value="50">' in page
    assert 'Next:<a href="/learning/starter/beta">Module beta</a>' in page
    assert "Assigned to every new joiner" in page


def test_enrol_from_the_catalogue_then_a_second_click_changes_nothing(session, make_user, login_as):
    client = login_as(make_user())
    response = client.post("/catalogue/electives/enrol")
    assert response.status_code == 302 and response.headers["Location"].endswith("/learning/electives")
    page = main(client.get("/learning/electives"))
    assert "You are enrolled on Electives bundle" in page
    again = client.post("/catalogue/electives/enrol")
    assert again.status_code == 302
    assert "already enrolled" in main(client.get("/learning/electives"))
    assert len(db.session().exec(select(Enrolment)).all()) == 1


def test_enrol_needs_sign_in_and_a_real_bundle(make_user, client, login_as):
    assert client.post("/catalogue/electives/enrol").status_code == 302
    assert db.session().exec(select(Enrolment)).all() == []
    assert login_as(make_user()).post("/catalogue/nothing/enrol").status_code == 404


def test_bundle_page_explains_choice_groups_and_standards(make_user, login_as):
    client = login_as(make_user())
    client.post("/catalogue/electives/enrol")
    page = main(client.get("/learning/electives"))
    assert "<h2>Choose two</h2><p>Choose 2 of these 3. You have completed 0.</p>" in page
    assert "Standard three" in page and "Not yet covered" in page
    assert "Continue with Module alpha" in page


def test_pages_of_bundles_and_modules_the_person_is_not_on_are_not_found(make_user, login_as):
    client = login_as(make_user())
    assert client.get("/learning/starter").status_code == 404
    client.post("/catalogue/starter/enrol")
    assert client.get("/learning/starter/delta").status_code == 404
    assert client.get("/learning/starter/alpha/nothing").status_code == 404


def test_posting_a_lessons_last_page_first_is_refused_and_completes_nothing(session, make_user, login_as):
    """A script posting each lesson's last page number completed an accredited bundle in seconds."""
    client = login_as(make_user())
    client.post("/catalogue/starter/enrol")
    lesson = "/learning/starter/alpha/lesson"
    refused = client.post(lesson, data={"action": "next", "page": "2"})
    assert refused.status_code == 400
    assert "Read the lesson&#39;s pages in order: you have reached page 1 of 2" in main(refused)
    assert "First page of alpha" in main(refused)
    assert "Not started" in main(client.get("/learning/starter/alpha"))


def test_a_module_end_to_end_through_http(session, make_user, login_as):
    user = make_user()
    client = login_as(user)
    client.post("/catalogue/starter/enrol")
    assert "Not started" in main(client.get("/learning/starter/alpha"))
    # The lesson, page by page, resuming where left off.
    lesson = "/learning/starter/alpha/lesson"
    db.release()  # the test's own session: requests share its app context, so they see what g holds
    assert "First page of alpha" in main(client.get(lesson))
    assert "lms_session" not in g  # a lesson page reads without making an ORM session
    client.get("/learning/starter/alpha/check")
    assert "lms_session" in g  # a quiz page reads its attempt through one
    assert client.get(f"{lesson}/page/2").status_code == 404  # not reached yet: no address to skip ahead to
    assert client.post(lesson, data={"action": "next", "page": "1"}).headers["Location"].endswith(f"{lesson}/page/2")
    assert "Second page of alpha" in main(client.get(lesson))
    second = main(client.get(f"{lesson}/page/2"))  # each page has its own address, so Back and bookmarks work
    assert "Second page of alpha" in second and f'action="{lesson}/page/2"' in second
    assert f'<a class="nhsuk-contents-list__link" href="{lesson}/page/1">' in second  # back to a page already read
    assert f'href="{lesson}/page/1" rel="prev"' in second
    first = main(client.get(f"{lesson}/page/1"))
    assert "First page of alpha" in first and f'href="{lesson}/page/2">' in first  # and forward again, as far as read
    finished = client.post(lesson, data={"action": "next", "page": "2"})
    assert finished.headers["Location"].endswith("/learning/starter/alpha/check")
    # The knowledge check: intro, start, each question with its feedback, the result.
    check = "/learning/starter/alpha/check"
    assert "Start the knowledge check" in main(client.get(check))
    client.post(check, data={"action": "start"})
    attempt = db.session().exec(select(QuizAttempt)).one()
    for number, question_id in enumerate(attempt.question_ids, start=1):
        page = main(client.get(check))
        assert f"question {number} of 2" in page
        response = client.post(check, data={"action": "answer", "question": question_id,
                                            "answer": correct_answers("alpha", "check", question_id)})
        assert response.headers["Location"].endswith(f"{check}/feedback/{question_id}")
        feedback = main(client.get(response.headers["Location"]))
        assert "<h1>Correct</h1>" in feedback and 'nhsuk-tag--green">Right' in feedback
    result = main(client.get(check))
    assert "You passed" in result and "You answered 2 of 2 questions correctly (100%)" in result
    module = main(client.get("/learning/starter/alpha"))
    assert 'Module status:<strong class="nhsuk-tag nhsuk-tag--green">Completed</strong>' in module
    assert "1 of 2 modules done (50%)" in main(client.get("/learning/starter"))


def test_wrong_answer_feedback_says_why(session, make_user, login_as):
    client = login_as(make_user())
    client.post("/catalogue/starter/enrol")
    check = "/learning/starter/alpha/check"
    client.post(check, data={"action": "start"})
    question_id = db.session().exec(select(QuizAttempt)).one().question_ids[0]
    response = client.post(check, data={"action": "answer", "question": question_id,
                                        "answer": wrong_answers("alpha", "check", question_id)})
    page = main(client.get(response.headers["Location"]))
    assert "<h1>Not quite</h1>" in page and 'nhsuk-tag--red">Wrong' in page
    why = {"q1": "The right one is right because it says so.", "q2": "Both A and B say they are right."}
    assert re.search(rf"<h2>Why</h2>\s*<p>{why[question_id]}</p>", page)


def test_the_result_goes_through_each_answer_with_the_right_ones(session, make_user, login_as):
    client = login_as(make_user())
    client.post("/catalogue/starter/enrol")
    check = "/learning/starter/alpha/check"
    client.post(check, data={"action": "start"})
    attempt = db.session().exec(select(QuizAttempt)).one()
    first, second = attempt.question_ids
    client.post(check, data={"action": "answer", "question": first, "answer": wrong_answers("alpha", "check", first)})
    client.post(check, data={"action": "answer", "question": second, "answer": correct_answers("alpha", "check", second)})
    page = main(client.get(check))
    assert "You answered 1 of 2 questions correctly (50%)" in page and "<h2>Your answers</h2>" in page
    items = re.findall(r"<li>\s*<div class=\"nhsuk-card\">(.*?)</li>\s*(?=<li>|</ol>)", page, re.S)
    assert len(items) == 2
    assert 'nhsuk-tag--red">Wrong' in items[0] and "The right answer" in items[0]
    assert 'nhsuk-tag--green">Right' in items[1] and "The right answer" not in items[1]


def test_a_question_sent_with_no_answer_shows_the_error_and_changes_nothing(session, make_user, login_as):
    client = login_as(make_user())
    client.post("/catalogue/starter/enrol")
    check = "/learning/starter/alpha/check"
    client.post(check, data={"action": "start"})
    question_id = db.session().exec(select(QuizAttempt)).one().question_ids[0]
    response = client.post(check, data={"action": "answer", "question": question_id})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "<title>Error: " in text
    page = main(response)
    assert 'href="#answer"' in page and "nhsuk-form-group--error" in page
    assert re.search(r'<input class="nhsuk-\w+__input" id="answer" name="answer"', page)
    db.session().expire_all()
    assert db.session().exec(select(QuizAttempt)).one().answers == {}


def test_completing_the_bundle_is_announced_and_shown(session, make_user, login_as, principal_of):
    user = make_user()
    client = login_as(user)
    client.post("/catalogue/starter/enrol")
    finish_module(db.session(), principal_of(user), "starter", "alpha")
    db.commit()
    lesson = "/learning/starter/beta/lesson"
    client.post(lesson, data={"action": "next", "page": "1"})
    client.post(lesson, data={"action": "next", "page": "2"})
    check = "/learning/starter/beta/check"
    client.post(check, data={"action": "start"})
    assert client.get("/learning/starter/completed").headers["Location"] == "/learning/starter"  # not yet
    for question_id in db.session().exec(select(QuizAttempt).where(QuizAttempt.module_id == "beta")).one().question_ids:
        answered = client.post(check, data={"action": "answer", "question": question_id,
                                            "answer": correct_answers("beta", "check", question_id)})
    db.session().expire_all()
    assert db.session().exec(select(Enrolment)).one().status == EnrolmentStatus.COMPLETED
    dashboard = main(client.get("/"))
    assert "You have completed Starter bundle" in dashboard and "<h2>Completed</h2>" in dashboard
    # The last answer still gets its feedback and the result, whose Continue leads to the completion page.
    assert answered.headers["Location"].endswith(f"{check}/feedback/{question_id}")
    result = main(client.get(check))
    assert 'href="/learning/starter/completed" role="button" draggable="false">Continue</a>' in result
    page = main(client.get("/learning/starter/completed"))
    assert '<h1 class="nhsuk-panel__title">You have completed Starter bundle</h1>' in page
    assert 'href="/profile">See everything you are eligible for</a>' in page


class TestWithCsrf:
    @pytest.fixture
    def test_config(self, test_config):
        return {**test_config, "WTF_CSRF_ENABLED": True}

    def test_a_step_without_the_csrf_token_is_refused(self, make_user, login_as):
        client = login_as(make_user())
        assert client.post("/catalogue/starter/enrol").status_code == 400
        assert db.session().exec(select(Enrolment)).all() == []


def starter_with_beta_done(make_user, login_as, principal_of):
    """A learner's client, enrolled on the starter bundle with module beta done: alpha completes the bundle."""
    user = make_user()
    client = login_as(user)
    client.post("/catalogue/starter/enrol")
    finish_module(db.session(), principal_of(user), "starter", "beta")
    return user, client


def test_a_lesson_that_completes_a_bundle_leads_straight_to_its_completion_page(session, make_user, login_as,
                                                                               principal_of):
    from lms.learning.models import ActivityProgress, ProgressStatus

    user, client = starter_with_beta_done(make_user, login_as, principal_of)
    db.session().add(ActivityProgress(user_id=user.id, module_id="alpha", activity_id="check",
                                      status=ProgressStatus.COMPLETED, completed_at=utcnow(), state={}))
    db.commit()
    lesson = "/learning/starter/alpha/lesson"
    client.post(lesson, data={"action": "next", "page": "1"})
    assert client.post(lesson, data={"action": "next", "page": "2"}).headers["Location"] == "/learning/starter/completed"
