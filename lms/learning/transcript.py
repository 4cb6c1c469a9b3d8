"""A person's transcript: each bundle with its modules, dates and scores, and their certificates, in their time zone.

The same rows make the page, the CSV (through lms.csvfile) and the PDF (WeasyPrint, loaded on first use).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from lms.auth.models import User
from lms.learning.context import catalog
from lms.learning.eligibility import credentials_of
from lms.learning.gates import Credential
from lms.learning.models import ActivityProgress, Enrolment, EnrolmentStatus, ModuleProgress, ProgressStatus
from lms.timezones import local, zone

ENROLMENT_STATUS = {EnrolmentStatus.ACTIVE: "In progress", EnrolmentStatus.COMPLETED: "Completed",
                    EnrolmentStatus.WITHDRAWN: "Withdrawn"}
MODULE_STATUS = {ProgressStatus.NOT_STARTED: "Not started", ProgressStatus.IN_PROGRESS: "In progress",
                 ProgressStatus.COMPLETED: "Completed", ProgressStatus.WAIVED: "Prior learning recognised"}
CERTIFICATE_STATUS = {"valid": "Valid", "expired": "Expired", "revoked": "Revoked", "superseded": "Replaced"}
CSV_HEADER = ("Bundle", "Bundle status", "Enrolled", "Bundle completed", "Module", "Module status",
              "Module completed", "Best score (%)")


@dataclass(frozen=True)
class ModuleLine:
    title: str
    status: str
    completed_at: datetime | None  # in the person's zone
    score: float | None  # the best knowledge check score, percent


@dataclass(frozen=True)
class BundleLine:
    title: str
    version: str
    status: str
    enrolled_at: datetime
    completed_at: datetime | None
    due_at: datetime | None
    modules: tuple[ModuleLine, ...]


@dataclass(frozen=True)
class CertificateLine:
    title: str
    status: str
    issued_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class Transcript:
    name: str
    time_zone: str
    made_at: datetime  # in the person's zone
    bundles: tuple[BundleLine, ...]
    certificates: tuple[CertificateLine, ...]

    def csv_rows(self) -> list[tuple]:
        """One row per module of each bundle (a bundle with none listed: one row); dates as YYYY-MM-DD."""
        rows = []
        for bundle in self.bundles:
            head = (bundle.title, bundle.status, _day(bundle.enrolled_at), _day(bundle.completed_at))
            rows += [head + (m.title, m.status, _day(m.completed_at), _score(m.score)) for m in bundle.modules] or [
                head + ("", "", "", "")]
        return rows


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def _score(score: float | None) -> str:
    return f"{score:g}" if score is not None else ""


def build(session: Session, user_id: int, now: datetime) -> Transcript:
    """The person's transcript: every enrolment (oldest first) and every certificate plugins report."""
    user = session.get(User, user_id)
    where = zone(user.time_zone)
    content = catalog()
    enrolments = session.exec(select(Enrolment).where(Enrolment.user_id == user_id)
                              .order_by(col(Enrolment.enrolled_at), col(Enrolment.id))).all()
    progress = {p.module_id: p for p in session.exec(select(ModuleProgress).where(ModuleProgress.user_id == user_id))}
    scores = dict(session.exec(
        select(ActivityProgress.module_id, func.max(ActivityProgress.score))
        .where(ActivityProgress.user_id == user_id, col(ActivityProgress.score).is_not(None))
        .group_by(ActivityProgress.module_id)).all())
    lines = []
    for enrolment in enrolments:
        bundle = content.bundles.get(enrolment.bundle_id)
        listed = list(bundle.modules) + list(enrolment.local_module_ids) if bundle else []
        # Of a choice group's modules, those the person started: the choices they made.
        listed += [m for m in (bundle.all_module_ids if bundle else ()) if m not in listed and m in progress]
        modules = tuple(_module_line(content.modules[m].title if m in content.modules else m, progress.get(m),
                                     scores.get(m), where) for m in listed)
        lines.append(BundleLine(bundle.title if bundle else enrolment.bundle_id, enrolment.bundle_version,
                                ENROLMENT_STATUS.get(enrolment.status, enrolment.status),
                                local(enrolment.enrolled_at, where), local(enrolment.completed_at, where),
                                local(enrolment.due_at, where), modules))
    certificates = tuple(_certificate_line(c, where) for c in credentials_of(session, user_id) if c.kind == "certificate")
    return Transcript(user.name, user.time_zone, local(now, where), tuple(lines), certificates)


def _module_line(title: str, row: ModuleProgress | None, score: float | None, where: ZoneInfo) -> ModuleLine:
    status = row.status if row else ProgressStatus.NOT_STARTED
    return ModuleLine(title, MODULE_STATUS.get(status, status), local(row.completed_at, where) if row else None, score)


def _certificate_line(credential: Credential, where: ZoneInfo) -> CertificateLine:
    return CertificateLine(credential.title, CERTIFICATE_STATUS.get(credential.status, credential.status),
                           local(credential.issued_at, where), local(credential.expires_at, where))
