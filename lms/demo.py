"""The embedded demo: sample organisations, people with every role, and learning under way."""

from __future__ import annotations

import ipaddress
import random
import socket
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from lms.auth.models import Role, User
from lms.auth.security import load_principal
from lms.auth.services import create_user
from lms.cohorts.demo import seed_cohorts
from lms.db import utcnow
from lms.evidence import assessment, prior_learning, quality
from lms.evidence.models import Submission
from lms.learning import services as learning
from lms.learning.models import Enrolment, QuizAttempt
from lms.learning.progress import submit_step
from lms.orgs.models import Organisation, Region
from lms.runtime import catalog, hooks


@dataclass(frozen=True)
class Account:
    email: str
    name: str
    job_title: str
    band: str | None
    roles: tuple[str, ...]
    organisation: str | None = "RX1"


ACCOUNTS = (
    Account("joiner@example.org", "Amira Hassan", "Healthcare assistant", "3", (Role.LEARNER,)),
    Account("manager@example.org", "Daniel Okafor", "Ward manager", "7", (Role.LEARNER,)),
    Account("facilitator@example.org", "Grace Whitfield", "Leadership development lead", "8a", (Role.LEARNER, Role.FACILITATOR)),
    Account("assessor@example.org", "Priya Nair", "Practice educator", "7", (Role.LEARNER, Role.ASSESSOR)),
    Account("accreditor@example.org", "Tom Reilly", "Accreditation officer", None, (Role.ACCREDITOR,)),
    Account("orgadmin@example.org", "Helen Brooks", "Learning and development manager", "6", (Role.LEARNER, Role.ORG_ADMIN)),
    Account("admin@example.org", "Sam Patel", "Platform administrator", None, (Role.PLATFORM_ADMIN,), None),
)
REGIONS = (("QNS", "Northshire and Cumbria Integrated Care System"), ("QSV", "Southvale Integrated Care System"))
ORGANISATIONS = (
    ("RX1", "Northshire Hospitals NHS Foundation Trust", "nhs-trust", "QNS"),
    ("1-101000001", "Northshire Community Care", "care-provider", "QNS"),
    ("NSC", "Northshire County Council", "local-authority", "QNS"),
    ("RX2", "Southvale Mental Health NHS Trust", "nhs-trust", "QSV"),
)
FIRST = ("Aisha", "Ben", "Chloe", "David", "Emeka", "Fatima", "George", "Hannah", "Imran", "Julia", "Kofi", "Lucy")
LAST = ("Ahmed", "Baker", "Clarke", "Davies", "Evans", "Franklin", "Gupta", "Hughes", "Ibrahim", "Jones")
TITLES = ("Healthcare assistant", "Staff nurse", "Care worker", "Receptionist", "Porter", "Social worker")


# Addresses that mean "every interface": no one can browse to them, so the demo names this machine instead.
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def served_address(host: str, port: int) -> str:
    """The demo's public base address: where it serves, so its QR codes and links lead back to it."""
    if host in WILDCARD_HOSTS:
        host = _this_machine()
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a host name
    return f"http://{host}:{port}"


def _this_machine() -> str:
    """The address other devices on the network reach this machine by (the one its outgoing traffic leaves from).

    Connecting a UDP socket sends nothing: it only asks the system which interface it would route through.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): never a real destination
            return probe.getsockname()[0]
        except OSError:  # no network at all: only this machine can reach the demo
            return "127.0.0.1"


def is_seeded(session: Session) -> bool:
    return session.exec(select(User.id).limit(1)).first() is not None


def seed(session: Session, password: str, *, rng: random.Random | None = None) -> dict[str, User]:
    """Create the demo world; returns the demo accounts by e-mail address."""
    rng = rng or random.Random(2022)
    regions = {code: Region(code=code, name=name) for code, name in REGIONS}
    session.add_all(regions.values())
    session.flush()
    orgs = {code: Organisation(code=code, name=name, kind=kind, region_id=regions[region].id)
            for code, name, kind, region in ORGANISATIONS}
    session.add_all(orgs.values())
    session.flush()
    people = {
        a.email: create_user(session, None, email=a.email, name=a.name, job_title=a.job_title, band=a.band,
                             organisation_id=orgs[a.organisation].id if a.organisation else None,
                             roles=a.roles, password=password)
        for a in ACCOUNTS
    }
    admin = load_principal(session, people["admin@example.org"].id)
    _add_local_modules(session, admin, orgs)
    _staff(session, orgs, rng)
    manager = load_principal(session, people["manager@example.org"].id)
    _finish_bundle(session, manager, "induction", days_ago=200)
    _work_through(session, load_principal(session, people["joiner@example.org"].id), "induction", modules=2)
    hooks().lms_demo_data(session=session, people=people)
    seed_cohorts(session, people)
    # With a core management certificate from the plugins' demo data, the manager has moved on.
    if "senior-management" in catalog().bundles:
        learning.enrol(session, manager, manager.id, "senior-management")
        _work_through(session, manager, "senior-management", modules=1)
    if "mid-career" in catalog().bundles:
        _assessed_evidence(session, people)
    return people


# The mid-career workplace project's demo answers: what a manager would write against each criterion.
PROJECT_ANSWERS = {
    "shared-purpose": "With the council's reablement lead and a care home manager, agreed one aim: people medically fit "
                      "for discharge go home or to reablement within 48 hours.",
    "system-understanding": "Learned that reablement places are commissioned weekly by the council and care homes need "
                            "24 hours' notice to assess; we changed our referral timing to fit both.",
    "behaviours": "Invited the care home staff to chair our weekly huddle so the most junior voices were heard first.",
    "difference-made": "Delays over 48 hours fell from 14 to 6 a week over 10 weeks (huddle log attached).",
    "reflection": "Feedback said I moved to solutions too fast; I now ask partners what they need before proposing.",
}


def _assessed_evidence(session: Session, people: dict[str, User]) -> None:
    """Workplace projects waiting for the demo assessor, acceptances for the accreditor to sample, and a
    request to recognise prior learning waiting for a decision."""
    now = utcnow()
    assessor = load_principal(session, people["assessor@example.org"].id)
    rx1 = people["assessor@example.org"].organisation_id
    staff = session.exec(select(User).where(User.organisation_id == rx1, User.email.like("staff%"))
                         .order_by(User.id)).all()[:5]
    submissions = []
    for n, user in enumerate(staff):
        learner = load_principal(session, user.id)
        if "mid-career" not in learning.enrolled_bundle_ids(session, user.id):  # some booked a cohort already
            learning.enrol(session, learner, learner.id, "mid-career")
        _work_through(session, learner, "mid-career", modules=4)
        form = {f"criterion-{key}": [text] for key, text in PROJECT_ANSWERS.items()} | {"action": ["submit"]}
        submit_step(session, learner, "mid-career", "midcareer-workplace-project", "project", "", form, now)
        submission = session.get(Submission, assessment.queue(session, assessor, limit=100)[-1].submission_id)
        submission.submitted_at = now - timedelta(days=12 - 2 * n)  # oldest first in the queue
        session.add(submission)
        submissions.append(submission)
    content = catalog().module("midcareer-workplace-project").activity("project").content
    for submission in submissions[:2]:  # two already accepted: the accreditor's sample comes from these
        assessment.decide(session, assessor, submission.id, accept=True, met={c.id: True for c in content.criteria},
                          comments={}, feedback="Clear shared aim with partners, and the measure shows the change.",
                          now=now)
    quality.draw_sample(session, load_principal(session, people["accreditor@example.org"].id), assessor.id, now)
    manager = load_principal(session, people["manager@example.org"].id)
    if "senior-management" in catalog().bundles:
        prior_learning.ask(session, manager, manager.id, "senior-management", "senior-governance-and-regulation",
                           reason_code="equivalent_programme", now=now,
                           evidence="Completed the trust's Board Assurance and Governance programme (2 days, 2023), "
                                    "covering assurance, the duty of candour and working with the CQC.")


def _add_local_modules(session: Session, admin, orgs: dict[str, Organisation]) -> None:  # noqa: ANN001
    induction = catalog().bundle("induction")
    for org in orgs.values():
        for module in catalog().local_modules_for(org.code):
            if org.kind in ("nhs-trust",) and module.organisation is None:
                continue  # the generic local module is a care-setting one
            learning.add_local_module(session, admin, org.id, induction.id, module.id)


def _staff(session: Session, orgs: dict[str, Organisation], rng: random.Random) -> None:
    """Thirty more joiners spread over the organisations, some ahead, some overdue."""
    now = utcnow()
    for n in range(30):
        org = list(orgs.values())[n % len(orgs)]
        name = f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"
        user = create_user(session, None, email=f"staff{n + 1}@example.org", name=name, organisation_id=org.id,
                           job_title=TITLES[n % len(TITLES)], band=str(rng.choice((2, 3, 4, 5))))
        enrolment = session.exec(select(Enrolment).where(Enrolment.user_id == user.id)).first()
        joined_days_ago = rng.choice((3, 20, 60, 75, 100, 120))
        enrolment.enrolled_at = now - timedelta(days=joined_days_ago)
        enrolment.due_at = enrolment.enrolled_at + timedelta(days=catalog().bundle("induction").auto_assign_due_days)
        session.add(enrolment)
        _work_through(session, load_principal(session, user.id), "induction", modules=rng.randint(0, 4))


def _finish_bundle(session: Session, principal, bundle_id: str, days_ago: int) -> None:  # noqa: ANN001
    _work_through(session, principal, bundle_id, modules=None)
    enrolment = session.exec(select(Enrolment).where(Enrolment.user_id == principal.id,
                                                     Enrolment.bundle_id == bundle_id)).one()
    enrolment.enrolled_at = utcnow() - timedelta(days=days_ago + 60)
    enrolment.due_at = enrolment.enrolled_at + timedelta(days=84)
    session.add(enrolment)


def _work_through(session: Session, principal, bundle_id: str, modules: int | None) -> None:  # noqa: ANN001
    """Do the first `modules` modules of a bundle (all if None) exactly as a learner would, step by step."""
    enrolment = session.exec(select(Enrolment).where(Enrolment.user_id == principal.id,
                                                     Enrolment.bundle_id == bundle_id)).one()
    bundle = catalog().bundle(bundle_id)
    module_ids = list(bundle.modules) + list(enrolment.local_module_ids)
    for module_id in module_ids[:modules]:
        for activity in catalog().module(module_id).activities:
            _do_activity(session, principal, bundle_id, module_id, activity)


def _do_activity(session: Session, principal, bundle_id: str, module_id: str, activity) -> None:  # noqa: ANN001
    now = utcnow()

    def step(**form: str) -> None:
        submit_step(session, principal, bundle_id, module_id, activity.id, "", {k: [v] for k, v in form.items()}, now)

    if activity.kind == "lesson":
        for page in range(1, len(activity.content.pages) + 1):
            step(action="next", page=str(page))
    elif activity.kind == "quiz":
        step(action="start")
        attempt = session.exec(select(QuizAttempt).where(
            QuizAttempt.user_id == principal.id, QuizAttempt.module_id == module_id,
            QuizAttempt.activity_id == activity.id).order_by(QuizAttempt.number.desc())).first()
        for question_id in attempt.question_ids:
            question = activity.content.question(question_id)
            right = [o.id for o in question.options if o.correct]
            submit_step(session, principal, bundle_id, module_id, activity.id, "",
                        {"action": ["answer"], "question": [question_id], "answer": right}, now)
