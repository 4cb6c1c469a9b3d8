"""Learners save drafts and submit evidence; assessors in scope judge each criterion and accept (completing the
module, the bundle and its certificate) or refer it with feedback; refusals change nothing."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from certificates.models import Certificate
from lms.audit.models import AuditEvent
from lms.db import utcnow
from lms.errors import Conflict, DomainError, Forbidden
from lms.evidence import assessment
from lms.evidence.models import Judgement, Submission
from lms.learning.models import Enrolment, ModuleProgress
from lms.testing.learning import submit
from tests.evidence.conftest import ACTIVITY, BUNDLE, PROJECT, answers, statements, verb_names


def _submit(session, learner, **overrides):  # noqa: ANN001, ANN202
    data = answers(**overrides)
    return submit(session, learner, BUNDLE, PROJECT, ACTIVITY, action="submit",
                  **{k: v[0] for k, v in data.items()})


def _decide(session, principal, submission_id, accept=True, feedback="Clear evidence of shared purpose."):  # noqa: ANN001, ANN202
    content = assessment.catalog().module(PROJECT).activity(ACTIVITY).content
    return assessment.decide(session, principal, submission_id, accept=accept,
                             met={c.id: accept for c in content.criteria}, comments={}, feedback=feedback, now=utcnow())


def _only(session) -> Submission:  # noqa: ANN001
    return session.exec(select(Submission)).one()


def test_a_draft_is_kept_and_submitting_records_a_statement(session, ready) -> None:  # noqa: ANN001
    submit(session, ready, BUNDLE, PROJECT, ACTIVITY, action="save", **{"criterion-shared-purpose": "Begun"})
    draft = _only(session)
    assert (draft.status, draft.answers["shared-purpose"], draft.submitted_at) == ("draft", "Begun", None)
    _submit(session, ready)
    assert _only(session).status == "submitted"
    assert verb_names(session)[-1] == "submit"


def test_an_empty_submission_is_refused_and_changes_nothing(session, ready) -> None:  # noqa: ANN001
    before = len(statements(session))
    with pytest.raises(DomainError, match="Say how your evidence meets this criterion"):
        submit(session, ready, BUNDLE, PROJECT, ACTIVITY, action="submit")
    assert session.exec(select(func.count()).select_from(Submission)).one() == 0
    assert len(statements(session)) == before


def test_submitting_twice_is_refused_and_changes_nothing(session, ready) -> None:  # noqa: ANN001
    _submit(session, ready)
    before = (len(statements(session)), _only(session).submitted_at)
    with pytest.raises(Conflict, match="already submitted"):
        _submit(session, ready)
    assert (len(statements(session)), _only(session).submitted_at) == before


def test_the_queue_is_oldest_first_in_scope_and_never_shows_own_or_managed_work(session, people, ready,  # noqa: ANN001
                                                                               principal_of, make_user) -> None:
    _submit(session, ready)
    assessor, manager, outsider = (principal_of(people[k]) for k in ("assessor", "manager", "outsider"))
    assert [i.learner_name for i in assessment.queue(session, assessor)] == ["Lee Learner"]
    assert assessment.queue(session, manager) == []  # they manage the learner
    assert assessment.queue(session, outsider) == []  # another organisation


@pytest.mark.parametrize(("who", "message"), [("manager", "someone you manage"), ("outsider", "organisation")])
def test_an_assessor_out_of_scope_cannot_decide(session, people, ready, principal_of, who, message) -> None:  # noqa: ANN001
    _submit(session, ready)
    with pytest.raises(Forbidden, match=message):
        _decide(session, principal_of(people[who]), _only(session).id)
    assert _only(session).status == "submitted"


def test_an_assessor_never_assesses_their_own_submission(session, people, principal_of) -> None:  # noqa: ANN001
    from lms.learning import services
    from tests.evidence.conftest import finish_before_project

    assessor = principal_of(people["assessor"])
    services.enrol(session, assessor, assessor.id, BUNDLE)
    finish_before_project(session, assessor)
    _submit(session, assessor)
    assert assessment.queue(session, assessor) == []
    with pytest.raises(Forbidden, match="your own work"):
        _decide(session, assessor, _only(session).id)
    assert _only(session).status == "submitted"


def test_accepting_completes_the_module_and_bundle_and_issues_the_certificate(session, people, ready,  # noqa: ANN001
                                                                             principal_of) -> None:
    _submit(session, ready)
    assessor = principal_of(people["assessor"])
    _decide(session, assessor, _only(session).id)
    submission = _only(session)
    assert (submission.status, submission.assessor_id) == ("accepted", assessor.id)
    assert session.exec(select(func.count()).select_from(Judgement)).one() == 5
    progress = session.exec(select(ModuleProgress).where(ModuleProgress.module_id == PROJECT)).one()
    assert progress.status == "completed"
    assert session.exec(select(Enrolment.status).where(Enrolment.bundle_id == BUNDLE)).one() == "completed"
    assert session.exec(select(Certificate.bundle_id)).all() == [BUNDLE]
    passed = next(s for s in statements(session)
                  if s["verb"]["id"].endswith("/passed") and s["object"]["id"].endswith(f"{PROJECT}/activities/project"))
    assert passed["authority"]["account"]["name"] == str(assessor.id)  # the assessor's judgement
    assert passed["result"]["response"] == "Clear evidence of shared purpose."
    assert session.exec(select(AuditEvent.action).where(AuditEvent.action == "evidence.decided")).all()


def test_accepting_needs_every_criterion_met_and_feedback(session, people, ready, principal_of) -> None:  # noqa: ANN001
    _submit(session, ready)
    assessor, submission_id = principal_of(people["assessor"]), _only(session).id
    with pytest.raises(DomainError, match="Write feedback"):
        _decide(session, assessor, submission_id, feedback="  ")
    content = assessment.catalog().module(PROJECT).activity(ACTIVITY).content
    with pytest.raises(DomainError, match="Say whether this criterion is met"):
        assessment.decide(session, assessor, submission_id, accept=False, met={"shared-purpose": False},
                          comments={}, feedback="x", now=utcnow())
    one_unmet = {c.id: c.id != "reflection" for c in content.criteria}
    with pytest.raises(DomainError, match="every criterion is met"):
        assessment.decide(session, assessor, submission_id, accept=True, met=one_unmet, comments={}, feedback="x",
                          now=utcnow())
    assert _only(session).status == "submitted"


def test_a_referral_is_resubmitted_as_a_new_attempt_and_a_decision_is_made_once(session, people, ready,  # noqa: ANN001
                                                                               principal_of) -> None:
    _submit(session, ready)
    assessor = principal_of(people["assessor"])
    first = _only(session).id
    _decide(session, assessor, first, accept=False, feedback="Say what changed for people using services.")
    assert verb_names(session)[-1] == "failed"
    with pytest.raises(Conflict, match="already been decided"):
        _decide(session, assessor, first)
    _submit(session, ready, **{"criterion-difference-made": "Delayed discharges fell from 14 to 6 a week."})
    attempts = session.exec(select(Submission).order_by(Submission.attempt)).all()
    assert [(a.attempt, a.status) for a in attempts] == [(1, "referred"), (2, "submitted")]
    assert attempts[1].answers["difference-made"].startswith("Delayed discharges")


def test_an_assessor_listed_for_other_bundles_neither_sees_nor_decides(session, people, ready, principal_of) -> None:  # noqa: ANN001
    from lms.evidence.models import AssessorBundle

    _submit(session, ready)
    session.add(AssessorBundle(user_id=people["assessor"].id, bundle_id="management-core"))
    session.flush()
    assessor = principal_of(people["assessor"])
    assert assessment.queue(session, assessor) == []
    with pytest.raises(Forbidden, match="do not assess this bundle"):
        _decide(session, assessor, _only(session).id)
    session.add(AssessorBundle(user_id=people["assessor"].id, bundle_id=BUNDLE))
    session.flush()
    assert [i.learner_name for i in assessment.queue(session, assessor)] == ["Lee Learner"]
