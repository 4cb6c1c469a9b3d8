"""docs/plugins.md's activity kind: a reflection, from its own distribution, with its own templates and verb."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from lms import db
from lms.errors import DomainError
from lms.learning.models import ProgressStatus
from lms.plugins.discovery import PluginSet
from lms.testing import finish_module, submit
from tests.examples import EXAMPLES, discovered

CONTENT = EXAMPLES / "reflection_kind" / "content"
ADDRESS = "/learning/reflective/reflect-on-practice/reflect"


@pytest.fixture
def plugins(monkeypatch):
    kind = discovered("reflection_kind", monkeypatch)
    return PluginSet.from_paths(CONTENT / "bundles", [CONTENT / "modules"], kind.hook_objects)


@pytest.fixture
def learner(session, make_user, principal_of):
    from lms.learning import services

    user = make_user()
    me = principal_of(user)
    services.enrol(session, me, user.id, "reflective")
    return user, me


def statements(session) -> list[dict]:
    session.flush()
    rows = session.connection().execute(text("SELECT body FROM xapi_statements ORDER BY seq"))
    return [json.loads(row[0]) for row in rows]


def test_the_kind_loads_its_content_under_its_own_name(app):
    activity = app.extensions["lms.catalog"].module("reflect-on-practice").activity("reflect")
    assert activity.kind == "reflection"
    assert activity.content.min_words == 5


def test_its_page_renders_from_its_own_namespaced_template(app, learner, login_as):
    user, _ = learner
    page = login_as(user).get(ADDRESS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Think of a recent shift that went well" in html
    assert '<textarea class="nhsuk-textarea" id="reflection" name="reflection"' in html
    assert app.jinja_env.get_template("kinds/reflection/write.html").filename.endswith(
        "lms_example_reflection/templates/write.html")


def test_too_short_a_reflection_is_refused_and_changes_nothing(app, session, learner, login_as):
    user, me = learner
    page = login_as(user).post(ADDRESS, data={"reflection": "Too short"})
    assert page.status_code == 400
    assert "Write at least 5 words (you wrote 2)" in page.get_data(as_text=True)
    with pytest.raises(DomainError, match="at least 5 words"):
        submit(session, me, "reflective", "reflect-on-practice", "reflect", reflection="Too short")
    assert not [s for s in statements(db.session()) if "reflected" in s["verb"]["id"]]


def test_a_reflection_completes_the_activity_and_records_the_kinds_own_verb(session, learner):
    _, me = learner
    text_written = "I kept the handover calm and asked each nurse what they needed."
    result = submit(session, me, "reflective", "reflect-on-practice", "reflect", reflection=text_written)
    assert result.activity_completed and result.module_completed
    [reflected] = [s for s in statements(session) if s["verb"]["id"] == "http://id.tincanapi.com/verb/reflected"]
    assert reflected["verb"]["display"] == {"en-GB": "reflected on"}
    assert reflected["object"]["id"].endswith("/modules/reflect-on-practice/activities/reflect")
    assert reflected["object"]["definition"]["type"] == "http://id.tincanapi.com/activitytype/reflection"
    assert reflected["result"] == {"completion": True}
    [(key, words)] = reflected["context"]["extensions"].items()
    assert key.endswith("/xapi/extensions/reflection-words") and words == 12
    assert reflected["context"]["contextActivities"]["parent"][0]["id"].endswith("/modules/reflect-on-practice")
    assert text_written not in json.dumps(reflected)  # the text stays the learner's
    launched = [s for s in statements(session) if s["verb"]["id"].endswith("/launched")]
    assert launched[0]["object"]["definition"]["type"] == "http://id.tincanapi.com/activitytype/reflection"


def test_finish_module_works_through_it_with_a_finisher(session, learner):
    _, me = learner

    def reflect(session, principal, bundle_id, module_id, activity_id):  # noqa: ANN001, ANN202
        return submit(session, principal, bundle_id, module_id, activity_id, reflection="one two three four five")

    with pytest.raises(LookupError, match="no finisher for 'reflection'"):
        finish_module(session, me, "reflective", "reflect-on-practice")
    result = finish_module(session, me, "reflective", "reflect-on-practice", finishers={"reflection": reflect})
    assert result.module_completed
    assert [e.status for e in result.completed_enrolments] == ["completed"]


def test_a_part_of_the_activity_can_be_the_object(app, session, learner):
    """Run.record about a part (one prompt of several): the part is the object, the activity its parent."""
    from lms.api import Run, Thing, Verb
    from lms.learning import records
    from lms.db import utcnow

    _, me = learner
    catalog = app.extensions["lms.catalog"]
    module, activity = catalog.module("reflect-on-practice"), catalog.module("reflect-on-practice").activity("reflect")
    run = Run(session, me.id, module, activity, None, utcnow())
    run.record(Verb("http://adlnet.gov/expapi/verbs/responded", "responded to"), part=Thing("prompt-2", "Second prompt"),
               extensions={"https://example.org/xapi/mood": "calm"})
    from lms.learning.models import Enrolment
    from sqlmodel import select

    enrolment = session.exec(select(Enrolment)).one()
    records.activity_events(session, me.id, enrolment, catalog.bundles["reflective"], module, activity, run.events,
                            first=False, at=utcnow(), activity_type="http://id.tincanapi.com/activitytype/reflection")
    [responded] = [s for s in statements(session) if s["verb"]["id"].endswith("/responded")]
    assert responded["object"]["id"].endswith("/activities/reflect/parts/prompt-2")
    assert responded["object"]["definition"]["name"] == {"en-GB": "Second prompt"}
    assert responded["context"]["contextActivities"]["parent"][0]["id"].endswith("/activities/reflect")
    assert responded["context"]["extensions"] == {"https://example.org/xapi/mood": "calm"}
