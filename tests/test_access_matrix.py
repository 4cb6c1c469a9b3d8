"""The access matrix: every URL of the app, requested as every role, answers the expected status.

One test walks the whole matrix on the demo world (shipped content, demo people) and reports every
cell that differs at once. A route added without a row here fails the coverage test.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

import certificates.plugin
from lms import db
from lms.auth.models import Role
from lms.auth.security import load_principal
from lms.demo import seed
from lms.orgs.models import Organisation
from lms.plugins.discovery import PluginSet

ROLES = ("anonymous", "learner", "facilitator", "assessor", "accreditor", "org_admin", "other_admin", "platform_admin")
SIGNED_IN = ROLES[1:]
ADMINS = ("org_admin", "platform_admin")

# endpoint -> (URL template, {role: expected status}); roles not listed expect `default`.
OK, REDIRECT, BAD, UNAUTH, FORBIDDEN, MISSING = 200, 302, 400, 401, 403, 404


def expect(default: int, **statuses: int) -> dict[str, int]:
    return {role: statuses.get(role, default) for role in ROLES}


def signed_in(anonymous: int = REDIRECT) -> dict[str, int]:
    return expect(OK, anonymous=anonymous)


def admins_only(other: int = FORBIDDEN, platform_only: bool = False) -> dict[str, int]:
    allowed = ("platform_admin",) if platform_only else ADMINS
    return {role: OK if role in allowed else REDIRECT if role == "anonymous" else other for role in ROLES}


def learner_pages() -> dict[str, int]:
    # Everyone with the learner role was assigned the induction when they joined; for anyone else
    # (accreditor, platform admin) it is not a page of theirs.
    return expect(OK, anonymous=REDIRECT, accreditor=MISSING, other_admin=MISSING, platform_admin=MISSING)


def facilitators_only() -> dict[str, int]:
    return expect(FORBIDDEN, anonymous=REDIRECT, facilitator=OK, platform_admin=OK)


MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "learning.dashboard": ("/", signed_in()),
    "catalog.accessibility": ("/accessibility", expect(OK)),
    "auth.start": ("/start", expect(OK)),
    "auth.sign_in": ("/sign-in", expect(REDIRECT, anonymous=OK)),  # signed in: on to the dashboard
    "auth.account": ("/account", signed_in()),
    "auth.join": ("/join/not-a-real-token", expect(BAD)),
    "auth.reset_password": ("/reset-password/not-a-real-token", expect(BAD)),
    "catalog.index": ("/catalogue", expect(OK)),
    "catalog.bundle": ("/catalogue/induction", expect(OK)),
    "catalog.content_file": ("/content/{image_module}/{image_path}", expect(OK)),
    "learning.bundle": ("/learning/induction", learner_pages()),
    "learning.module": ("/learning/induction/{module}", learner_pages()),
    "learning.activity": ("/learning/induction/{module}/lesson", learner_pages()),
    # Nobody in the demo has completed the induction: the bundle's own page says where things stand.
    "learning.completed": ("/learning/induction/completed", expect(REDIRECT)),
    "learning_record.index": ("/my-learning-record/", signed_in()),
    "learning_record.download": ("/my-learning-record/download", signed_in()),
    "learning_record.transcript_csv": ("/my-learning-record/transcript.csv", signed_in()),
    "learning_record.transcript_pdf": ("/my-learning-record/transcript.pdf", signed_in()),
    "eligibility.mine": ("/profile", signed_in()),
    "eligibility.person": ("/people/{joiner}/profile", expect(MISSING, anonymous=REDIRECT, learner=OK, org_admin=OK,
                                                              platform_admin=OK)),
    "eligibility.api_eligibility": ("/api/v1/people/{joiner}/eligibility?target=band-8a", expect(UNAUTH)),
    # An admin of one organisation is taken straight to it.
    "orgs.home": ("/admin", expect(FORBIDDEN, anonymous=REDIRECT, org_admin=REDIRECT, other_admin=REDIRECT,
                                   platform_admin=OK)),
    "orgs.audit_all": ("/admin/audit", admins_only(platform_only=True)),
    "orgs.organisations": ("/admin/organisations", admins_only(platform_only=True)),
    "orgs.new_organisation": ("/admin/organisations/new", admins_only(platform_only=True)),
    "orgs.new_region": ("/admin/regions/new", admins_only(platform_only=True)),
    "orgs.organisation": ("/admin/organisations/{org}", admins_only()),
    "orgs.assign": ("/admin/organisations/{org}/assign", admins_only()),
    "orgs.audit": ("/admin/organisations/{org}/audit", admins_only()),
    "orgs.compliance": ("/admin/organisations/{org}/compliance", admins_only()),
    "orgs.compliance_csv": ("/admin/organisations/{org}/compliance.csv", admins_only()),
    "orgs.staff_import": ("/admin/organisations/{org}/import", admins_only()),
    "orgs.invite": ("/admin/organisations/{org}/invite", admins_only()),
    "orgs.local_modules": ("/admin/organisations/{org}/local-modules", admins_only()),
    "orgs.people_list": ("/admin/organisations/{org}/people", admins_only()),
    "orgs.person": ("/admin/organisations/{org}/people/{joiner}", admins_only()),
    "notices.index": ("/messages", signed_in()),
    "cohorts.home": ("/cohorts", signed_in()),
    "cohorts.approvals": ("/cohorts/approvals", signed_in()),
    "cohorts.alumni_networks": ("/cohorts/alumni", signed_in()),
    # Someone else's booking: no one else has its calendar file.
    "cohorts.calendar": ("/cohorts/bookings/{booking}/calendar.ics", expect(MISSING, anonymous=REDIRECT)),
    # The demo facilitator runs the cohorts of their organisation; a platform admin runs any.
    "cohorts.facilitate": ("/facilitate", facilitators_only()),
    "cohorts.new_cohort": ("/facilitate/new", facilitators_only()),
    "cohorts.cohort": ("/facilitate/cohorts/{cohort}", facilitators_only()),
    "cohorts.register": ("/facilitate/sessions/{cohort_session}/register", facilitators_only()),
    # Assessed evidence: the assessor's queue and a demo submission waiting in it (the platform admin holds
    # every role but assesses no organisation's work: an empty queue, and no submission in its scope).
    "evidence.queue": ("/assessment", expect(FORBIDDEN, anonymous=REDIRECT, assessor=OK, platform_admin=OK)),
    "evidence.assess": ("/assessment/submissions/{waiting}", expect(FORBIDDEN, anonymous=REDIRECT, assessor=OK)),
    "evidence.prior_learning_decision": ("/assessment/prior-learning/{rpl}",
                                         expect(FORBIDDEN, anonymous=REDIRECT, assessor=OK)),
    "evidence.download": ("/evidence/files/{file}", expect(MISSING, anonymous=REDIRECT, assessor=OK, accreditor=OK,
                                                           platform_admin=OK)),
    # The form to ask for a module to be recognised (for oneself or a report: whose enrolment is checked on sending).
    "evidence.prior_learning_request": ("/prior-learning/senior-management/senior-boards-and-non-executives",
                                        signed_in()),
    # Accreditors quality-assure their organisations' assessment; the platform admin, every organisation's.
    "evidence.quality": ("/quality-assurance", expect(FORBIDDEN, anonymous=REDIRECT, accreditor=OK,
                                                      platform_admin=OK)),
    "evidence.assessor_decisions": ("/quality-assurance/assessors/{assessor}",
                                    expect(FORBIDDEN, anonymous=REDIRECT, accreditor=OK, platform_admin=OK)),
    "evidence.review": ("/quality-assurance/reviews/{review}",
                        expect(FORBIDDEN, anonymous=REDIRECT, accreditor=OK, platform_admin=OK)),
    "certificates.mine": ("/certificates", signed_in()),
    "certificates_api.certificate": ("/api/v1/certificates/{code}", expect(OK)),
    # The holder is the demo manager; their organisation's admins and accreditors may download it.
    "certificates.download": ("/certificates/{code}.pdf", expect(FORBIDDEN, anonymous=REDIRECT, accreditor=OK,
                                                                 org_admin=OK, platform_admin=OK)),
    "certificates.revoke": ("/certificates/{code}/revoke", expect(FORBIDDEN, anonymous=REDIRECT, accreditor=OK,
                                                                  platform_admin=OK)),
    "certificates.organisations": ("/certificates/organisations", expect(
        FORBIDDEN, anonymous=REDIRECT, accreditor=REDIRECT, org_admin=REDIRECT, other_admin=REDIRECT, platform_admin=OK)),
    "certificates.organisation": ("/certificates/organisations/{org}", admins_only() | {"accreditor": OK}),
    "certificates.organisation_zip": ("/certificates/organisations/{org}/certificates.zip",
                                      admins_only() | {"accreditor": OK}),
    "certificates.verify": ("/verify", expect(OK)),
    "certificates.verify_code": ("/verify/{code}", expect(OK)),
    "certificates.verify_upload": ("/verify/upload", expect(OK)),
    "assets": ("/assets/nhsuk-frontend.min.css", expect(OK)),
    "static": ("/static/lms.css", expect(OK)),
    # The LRS authenticates its clients with HTTP Basic; a browser session is not an xAPI client.
    "xapi_resources.about": ("/xapi/about", expect(OK)),
    "xapi_resources.activity": ("/xapi/activities?activityId=https://example.org/a", expect(UNAUTH)),
    "xapi_documents.activity_profile": ("/xapi/activities/profile?activityId=https://example.org/a", expect(UNAUTH)),
    "xapi_documents.state": ("/xapi/activities/state", expect(UNAUTH)),
    "xapi_resources.agents": ("/xapi/agents", expect(UNAUTH)),
    "xapi_documents.agent_profile": ("/xapi/agents/profile", expect(UNAUTH)),
    "xapi.statements": ("/xapi/statements", expect(UNAUTH)),
}
# Endpoints that only take POST: their GET answers 405 for everyone (their access is tested by their areas).
POST_ONLY = {"auth.sign_out", "learning.enrol", "orgs.join_links_csv", "orgs.change_local_module",
             "orgs.password_reset", "orgs.change_role", "certificates.reissue", "notices.read_all",
             "notices.read_one", "auth.time_zone", "cohorts.decide", "cohorts.join_directory",
             "cohorts.leave_directory", "cohorts.cancel_session", "cohorts.cancel_cohort", "cohorts.finish",
             "evidence.upload", "evidence.remove_file", "evidence.draw_sample"}


@pytest.fixture
def plugins() -> PluginSet:
    found = PluginSet.discover()
    found.plugins.setdefault("certificates", certificates.plugin)
    return found


@pytest.fixture
def test_config(test_config):  # noqa: ANN001
    # The shipped content and its default advancement rules, as the demo runs them.
    return {key: value for key, value in test_config.items() if key != "ADVANCEMENT_RULES"}


def test_every_route_has_a_row(app):  # noqa: ANN001
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) - POST_ONLY == set()
    assert set(MATRIX) - endpoints == set()


def _evidence_values(session, people) -> dict:  # noqa: ANN001
    """A submission waiting for the demo assessor, a file, a prior-learning request and a sampled decision."""
    from pathlib import Path

    from flask import current_app

    from lms.evidence.files import store
    from lms.evidence.models import EvidenceFile, PriorLearningRequest, SampleReview, Submission

    path, digest = store(Path(current_app.config["INSTANCE_PATH"]), b"%PDF-1.7 plan")
    waiting = session.exec(select(Submission.id).where(Submission.status == "submitted")).first()
    session.add(EvidenceFile(submission_id=waiting, user_id=session.get(Submission, waiting).user_id, name="plan.pdf",
                             media_type="application/pdf", size=13, sha256=digest, path=path))
    session.flush()
    file_id = session.exec(select(EvidenceFile.id)).first()
    db.commit()
    return {"waiting": waiting, "file": file_id, "rpl": session.exec(select(PriorLearningRequest.id)).first(),
            "review": session.exec(select(SampleReview.id)).first(), "assessor": people["assessor@example.org"].id}


def test_every_url_answers_every_role_as_expected(app, client, session):  # noqa: ANN001
    people = seed(session, "demo-password")
    rx1 = session.exec(select(Organisation).where(Organisation.code == "RX1")).one()
    rx2 = session.exec(select(Organisation).where(Organisation.code == "RX2")).one()
    from lms.auth.services import create_user

    other_admin = create_user(session, None, email="other.admin@example.org", name="Other Admin",
                              organisation_id=rx2.id, roles=(Role.ORG_ADMIN,), password="another-password-1")
    db.commit()
    from certificates.models import Certificate

    code = session.exec(select(Certificate.code).where(Certificate.revoked_at.is_(None))).first()
    image_module = "induction-working-across-health-and-care"
    image = next((app.extensions["lms.catalog"].module(image_module).path / "images").iterdir())
    from lms.cohorts.models import Booking, Cohort, CohortSession

    under_way = session.exec(select(Cohort).where(Cohort.title == "Mid-career programme: Northshire, winter")).one()
    today = session.exec(select(CohortSession).where(CohortSession.cohort_id == under_way.id)
                         .order_by(CohortSession.starts_at).offset(1)).first()
    booking = session.exec(select(Booking.id).where(Booking.cohort_id == under_way.id)).first()
    values = {"org": rx1.id, "joiner": people["joiner@example.org"].id, "code": code,
              "cohort": under_way.id, "cohort_session": today.id, "booking": booking,
              "module": app.extensions["lms.catalog"].bundle("induction").modules[0],
              "image_module": image_module, "image_path": f"images/{image.name}", **_evidence_values(session, people)}
    accounts = {"learner": people["joiner@example.org"], "facilitator": people["facilitator@example.org"],
                "assessor": people["assessor@example.org"], "accreditor": people["accreditor@example.org"],
                "org_admin": people["orgadmin@example.org"], "other_admin": other_admin,
                "platform_admin": people["admin@example.org"]}
    wrong = []
    for role in ROLES:
        with client.session_transaction() as flask_session:
            flask_session.clear()
            if role != "anonymous":
                flask_session["_user_id"] = load_principal(session, accounts[role].id).get_id()
        for endpoint, (template, statuses) in MATRIX.items():
            url = template.format(**values)
            headers = {"X-Experience-API-Version": "1.0.3"} if url.startswith("/xapi/") else {}
            response = client.get(url, headers=headers)
            response.close()  # file responses (assets, PDFs) hold their file open until closed
            status = response.status_code
            if status != statuses[role]:
                wrong.append(f"{role:>15} GET {url}: {status}, expected {statuses[role]}")
    assert wrong == [], "\n" + "\n".join(wrong)
