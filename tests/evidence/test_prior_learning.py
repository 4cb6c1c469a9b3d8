"""Recognition of prior learning: asked for by the learner or their manager with a reason and evidence, decided
by an assessor in scope; a granted module counts as met (waived) and the certificate names it as such."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lms import db
from lms.db import utcnow
from lms.errors import Conflict, DomainError, Forbidden
from lms.evidence import prior_learning
from lms.evidence.hooks import lms_certificate_context
from lms.learning import services
from lms.learning.models import ModuleProgress
from tests.evidence.conftest import BUNDLE, PROJECT, statements

MODULE = "midcareer-whole-system"


@pytest.fixture
def enrolled(session, people, principal_of):  # noqa: ANN001
    learner = principal_of(people["learner"])
    services.enrol(session, learner, learner.id, BUNDLE)
    return learner


def _ask(session, actor, learner_id, module=MODULE, reason_code="qualification"):  # noqa: ANN001, ANN202
    return prior_learning.ask(session, actor, learner_id, BUNDLE, module, reason_code=reason_code,
                              evidence="Level 5 Diploma in Leadership for Health and Social Care, 2021", now=utcnow())


def test_granting_waives_the_module_and_the_certificate_lists_it(session, people, enrolled, principal_of) -> None:  # noqa: ANN001
    asked = _ask(session, enrolled, enrolled.id)
    assessor = principal_of(people["assessor"])
    assert [r.id for r, _ in prior_learning.queue(session, assessor)] == [asked.id]
    prior_learning.decide(session, assessor, asked.id, grant=True, reason="The diploma covers every outcome.",
                          now=utcnow())
    row = session.exec(select(ModuleProgress).where(ModuleProgress.module_id == MODULE)).one()
    assert row.status == "waived"
    waived = [s for s in statements(session) if s["verb"]["id"] == "https://w3id.org/xapi/adl/verbs/waived"]
    assert len(waived) == 1 and waived[0]["object"]["id"].endswith(f"/modules/{MODULE}")
    db.commit()
    context = lms_certificate_context(bundle=services.catalog().bundle(BUNDLE), enrolment=None,
                                      user=people["learner"])
    assert context == {"recognised_prior_learning": ["Understanding the whole system"]}


def test_a_manager_may_ask_for_their_report_and_no_one_else_may(session, people, enrolled, principal_of) -> None:  # noqa: ANN001
    asked = _ask(session, principal_of(people["manager"]), enrolled.id, reason_code="experience")
    assert (asked.requested_by_id, asked.user_id) == (people["manager"].id, enrolled.id)
    with pytest.raises(Forbidden, match="someone you manage"):
        _ask(session, principal_of(people["assessor"]), enrolled.id, module="midcareer-behaviours-and-culture")


def test_refusals_change_nothing(session, people, enrolled, principal_of) -> None:  # noqa: ANN001
    with pytest.raises(DomainError, match="cannot be recognised"):
        _ask(session, enrolled, enrolled.id, module=PROJECT)  # declared recognisable = false
    with pytest.raises(DomainError, match="Choose the reason"):
        _ask(session, enrolled, enrolled.id, reason_code="because")
    asked = _ask(session, enrolled, enrolled.id)
    with pytest.raises(Conflict, match="already waiting"):
        _ask(session, enrolled, enrolled.id)
    with pytest.raises(Forbidden, match="someone you manage"):
        prior_learning.decide(session, principal_of(people["manager"]), asked.id, grant=True, reason="ok", now=utcnow())
    assessor = principal_of(people["assessor"])
    with pytest.raises(DomainError, match="Give the reason"):
        prior_learning.decide(session, assessor, asked.id, grant=False, reason="", now=utcnow())
    prior_learning.decide(session, assessor, asked.id, grant=False, reason="No evidence of cross-sector work.",
                          now=utcnow())
    with pytest.raises(Conflict, match="already been decided"):
        prior_learning.decide(session, assessor, asked.id, grant=True, reason="changed my mind", now=utcnow())
    assert session.exec(select(ModuleProgress.status).where(ModuleProgress.module_id == MODULE)).first() is None
