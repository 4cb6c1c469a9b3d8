"""Accreditors sample each assessor's acceptances (a share, never fewer than one) and may overturn one with a
reason: the module reopens, the certificate it earned is revoked with that reason, all on the record."""

from __future__ import annotations

import pytest
from sqlmodel import select

from certificates.models import Certificate
from lms.audit.models import AuditEvent
from lms.db import utcnow
from lms.errors import Conflict, DomainError, Forbidden
from lms.evidence import quality
from lms.evidence.models import SampleReview, Submission
from lms.evidence.quality import AssessorSummary
from lms.learning.models import Enrolment, ModuleProgress
from tests.evidence.conftest import BUNDLE, PROJECT, statements
from tests.evidence.test_assessment import _decide, _only, _submit


@pytest.mark.parametrize(("accepted", "share", "size"), [(0, 0.1, 0), (1, 0.1, 1), (9, 0.1, 1), (11, 0.1, 2),
                                                         (40, 0.25, 10), (3, 1.0, 3)])
def test_the_sample_is_a_share_of_acceptances_never_fewer_than_one(app, accepted, share, size) -> None:  # noqa: ANN001
    app.config["EVIDENCE_SAMPLE_SHARE"] = share
    assert AssessorSummary(1, "A", accepted, 0, 0).sample_size == size


@pytest.fixture
def accepted(session, people, ready, principal_of):  # noqa: ANN001
    _submit(session, ready)
    _decide(session, principal_of(people["assessor"]), _only(session).id)
    return _only(session)


def test_an_accreditor_sees_every_assessors_decisions_and_draws_the_sample(session, people, accepted,  # noqa: ANN001
                                                                          principal_of) -> None:
    accreditor = principal_of(people["accreditor"])
    (summary,) = quality.assessors(session, accreditor)
    assert (summary.name, summary.accepted, summary.sample_size, summary.to_draw) == ("Asha Assessor", 1, 1, 1)
    drawn = quality.draw_sample(session, accreditor, people["assessor"].id, utcnow())
    assert [d.submission_id for d in drawn] == [accepted.id]
    with pytest.raises(Conflict, match="already drawn"):
        quality.draw_sample(session, accreditor, people["assessor"].id, utcnow())
    assert session.exec(select(AuditEvent.action).where(AuditEvent.action == "evidence.sample_drawn")).all()


def test_an_accreditor_of_another_organisation_sees_nothing(session, people, accepted, make_user, make_org,  # noqa: ANN001
                                                          principal_of) -> None:
    from lms.auth.models import Role

    elsewhere = principal_of(make_user(roles=[Role.ACCREDITOR], org=make_org()))
    assert quality.assessors(session, elsewhere) == []
    with pytest.raises(Forbidden):
        quality.assessors(session, principal_of(people["learner"]))


def test_overturning_reopens_the_module_and_revokes_the_certificate(session, people, accepted, principal_of) -> None:  # noqa: ANN001
    accreditor = principal_of(people["accreditor"])
    (review,) = quality.draw_sample(session, accreditor, people["assessor"].id, utcnow())
    with pytest.raises(DomainError, match="Give the reason"):
        quality.conclude(session, accreditor, review.id, overturn=True, reason=" ", now=utcnow())
    reason = "The evidence shows no partner outside the trust was involved."
    quality.conclude(session, accreditor, review.id, overturn=True, reason=reason, now=utcnow())
    submission = session.get(Submission, accepted.id)
    assert (submission.status, submission.overturn_reason) == ("referred", reason)
    assert session.exec(select(ModuleProgress.status).where(ModuleProgress.module_id == PROJECT)).one() == "in_progress"
    enrolment = session.exec(select(Enrolment).where(Enrolment.bundle_id == BUNDLE)).one()
    assert enrolment.status == "active"
    certificate = session.exec(select(Certificate)).one()
    assert (certificate.revocation_reason, certificate.revoked_by_id) == (reason, accreditor.id)
    overturned = [s for s in statements(session) if s["verb"]["id"].endswith("/xapi/verbs/overturned")]
    assert len(overturned) == 1 and overturned[0]["authority"]["account"]["name"] == str(accreditor.id)
    actions = set(session.exec(select(AuditEvent.action)).all())
    assert {"evidence.review_overturned", "learning.enrolment_reopened", "certificate.revoked"} <= actions
    with pytest.raises(Conflict, match="already been reviewed"):
        quality.conclude(session, accreditor, review.id, overturn=False, reason="", now=utcnow())


def test_upholding_changes_nothing_of_the_learners(session, people, accepted, principal_of) -> None:  # noqa: ANN001
    accreditor = principal_of(people["accreditor"])
    (review,) = quality.draw_sample(session, accreditor, people["assessor"].id, utcnow())
    quality.conclude(session, accreditor, review.id, overturn=False, reason="", now=utcnow())
    assert session.get(SampleReview, review.id).outcome == "upheld"
    assert session.exec(select(Certificate.revoked_at)).one() is None
    assert session.exec(select(Enrolment.status).where(Enrolment.bundle_id == BUNDLE)).one() == "completed"
