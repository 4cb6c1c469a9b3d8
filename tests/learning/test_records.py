"""Learning events become xAPI statements in the same transaction: enrolled, read, answered, passed, completed."""

from __future__ import annotations

import json

from sqlmodel import select

from lms import db
from lms.learning import services
from lms.xapi.models import XapiStatement
from tests.learning.conftest import finish_module, take_quiz


def statements(session) -> list[dict]:  # noqa: ANN001
    rows = session.exec(select(XapiStatement.body).order_by(XapiStatement.seq)).all()
    return [json.loads(body) for body in rows]


def verbs_for(session, object_suffix: str) -> list[str]:  # noqa: ANN001
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements(session)
            if s["object"].get("id", "").endswith(object_suffix)]


def test_a_new_joiner_is_registered_assigned_and_enrolled(session, make_user):  # noqa: ANN001
    user = make_user()
    from lms.auth.services import create_user

    joiner = create_user(session, None, email="new.joiner@example.org", name="New Joiner",
                         organisation_id=user.organisation_id)
    mine = [s for s in statements(session) if s["actor"].get("account", {}).get("name") == str(joiner.id)
            or s.get("object", {}).get("account", {}).get("name") == str(joiner.id)]
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in mine]
    assert verbs == ["registered", "assigned", "enrolled_onto_learning_plan"]
    session.flush()  # the dashboard reads on a connection, as a page's reader
    enrolment = services.dashboard(session.connection(), joiner.id, db.utcnow()).items[0].enrolment
    assert mine[2]["context"]["registration"] == enrolment.registration


def test_working_through_a_module_records_each_step_with_its_registration(session, make_user, principal_of):  # noqa: ANN001
    user = make_user()
    principal = principal_of(user)
    services.enrol(session, principal, user.id, "starter")
    before = len(statements(session))
    finish_module(session, principal, "starter", "alpha")
    new = statements(session)[before:]
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in new]
    # lesson: launched, one "experienced" per page; quiz: launched, answered x2, passed; then the module.
    assert verbs == ["launched", "experienced", "experienced", "launched", "answered", "answered", "passed",
                     "completed"]
    registration = {s["context"]["registration"] for s in new}
    assert len(registration) == 1
    passed = new[6]
    assert passed["result"]["success"] is True and passed["result"]["score"]["scaled"] == 1.0
    assert passed["result"]["duration"].startswith("PT")
    parents = passed["context"]["contextActivities"]["parent"]
    assert parents[0]["id"].endswith("alpha")


def test_a_failed_quiz_is_recorded_as_failed(session, make_user, principal_of):  # noqa: ANN001
    principal = principal_of(make_user())
    services.enrol(session, principal, principal.id, "starter")
    take_quiz(session, principal, "starter", "alpha", right=False)
    assert verbs_for(session, "check")[-1] == "failed"


def test_completing_a_bundle_records_satisfied_and_completed(session, make_user, principal_of):  # noqa: ANN001
    principal = principal_of(make_user())
    services.enrol(session, principal, principal.id, "starter")
    finish_module(session, principal, "starter", "alpha")
    finish_module(session, principal, "starter", "beta")
    assert verbs_for(session, "starter")[-2:] == ["satisfied", "completed"]


def test_a_rejected_step_records_nothing(session, make_user, principal_of):  # noqa: ANN001
    import pytest

    from lms.errors import DomainError

    principal = principal_of(make_user())
    services.enrol(session, principal, principal.id, "starter")
    db.commit()
    before = len(statements(session))
    with pytest.raises(DomainError):
        services.submit_step(session, principal, "starter", "alpha", "lesson", "", {"action": ["fly"]}, db.utcnow())
    db.rollback()
    assert len(statements(session)) == before
