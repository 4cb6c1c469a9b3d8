"""The learning log, tested with the fixtures lms publishes (lms.testing): an app, people, a signed-in client."""

from lms.testing import finish_module


def test_the_page_asks_who_you_are(client):
    assert client.get("/learning-log").status_code == 302


def test_a_new_learner_has_an_empty_log_and_nothing_on_the_dashboard(make_user, login_as):
    browser = login_as(make_user())
    assert "You have not completed a bundle yet" in browser.get("/learning-log").get_data(as_text=True)
    assert "Read your learning log" not in browser.get("/").get_data(as_text=True)


def test_a_completed_bundle_is_logged_and_counted_on_the_dashboard(app, session, make_user, principal_of, login_as):
    from lms.learning import services

    content = app.extensions["lms.catalog"]
    # The smallest bundle anyone may enrol on and finish alone: no gate, no choices, only lessons and quizzes
    # (an assessor signs evidence off, which no learner can do for themselves).
    bundle = min((b for b in content.bundles.values() if b.requires is None and not b.choice_groups
                  and all(a.kind in ("lesson", "quiz") for m in b.modules for a in content.module(m).activities)),
                 key=lambda b: len(b.modules))
    user = make_user()
    me = principal_of(user)
    services.enrol(session, me, user.id, bundle.id)
    for module_id in bundle.modules:
        finish_module(session, me, bundle.id, module_id)
    browser = login_as(user)
    assert bundle.title in browser.get("/learning-log").get_data(as_text=True)
    assert "You have completed 1 bundle." in browser.get("/").get_data(as_text=True)
