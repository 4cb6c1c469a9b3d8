"""Issue, re-issue and revoke certificates, and find them for holders, organisations and renewals."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, exists, func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from certificates import codes
from certificates.models import Certificate, CertificateStatus
from lms.api import Conflict, DomainError, Forbidden, NotFound, audit, touch_people, utcnow
from lms.api import Enrolment, PlainQuery, Principal, Role, User

VerifyUrl = Callable[[str], str]  # canonical code -> the address the QR code and the page print
REASON_MAX = 500


def add_months(moment: datetime, months: int) -> datetime:
    """The same day months later, or the month's last day when it is shorter (31 January + 1 = 28/29 February)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _insert_once(session: Session, make: Callable[[str], Certificate]) -> Certificate | None:
    """Insert in a savepoint; None if the completion or re-issue already has its certificate.

    A clash on the random code (75 bits, so in practice never) is told apart and retried with a new one.
    """
    for _ in range(3):
        certificate = make(codes.new_code())
        try:
            with session.begin_nested():
                session.add(certificate)
        except IntegrityError:
            taken = session.exec(select(Certificate.id).where(Certificate.code == certificate.code)).first()
            if taken is None:
                return None
            continue
        return certificate
    raise RuntimeError("could not find an unused verification code")


def issue_for_completion(session: Session, enrolment: Enrolment, user: User, bundle, standard_titles: Mapping[str, str],
                         verify_url: VerifyUrl, actor_id: int | None) -> Certificate | None:  # noqa: ANN001
    """The certificate for a just-completed enrolment, inside the completing transaction.

    Returns None when the bundle issues no certificate or this completion already has one (a concurrent
    completion won the race: the unique constraint decided, and this transaction carries on without error).
    """
    if bundle.certificate_template is None:
        return None
    now = utcnow()
    awarded = enrolment.completed_at or now

    def make(code: str) -> Certificate:
        return Certificate(
            code=code, enrolment_id=enrolment.id, enrolment_registration=enrolment.registration, issue_number=1,
            user_id=user.id, organisation_id=user.organisation_id, holder_name=user.name,
            bundle_id=bundle.id, bundle_version=enrolment.bundle_version or bundle.version, bundle_title=bundle.title,
            standards=[{"id": s, "title": standard_titles.get(s, s)} for s in bundle.standards],
            template=bundle.certificate_template, verify_url=verify_url(code), awarded_at=awarded, issued_at=now,
            expires_at=add_months(awarded, bundle.validity_months) if bundle.validity_months else None,
            issued_by_id=actor_id,
        )

    certificate = _insert_once(session, make)
    if certificate is not None:
        audit(session, actor_id, "certificate.issued", f"certificate:{certificate.id}",
              organisation_id=certificate.organisation_id, bundle_id=bundle.id, user_id=user.id)
    return certificate


# Built once: verification looks codes up on every request, and the statement need not be rebuilt each time.
_BY_CODE = select(Certificate).where(Certificate.code == bindparam("code"))


def by_code(session: Session, text: str) -> Certificate | None:
    """The certificate for a typed code; raises InvalidCode for a malformed one."""
    return session.exec(_BY_CODE, params={"code": codes.parse(text)}).first()


def _get(session: Session, text: str) -> Certificate:
    certificate = by_code(session, text)
    if certificate is None:
        raise NotFound("There is no certificate with that code")
    return certificate


def reissue(session: Session, actor: Principal, text: str, verify_url: VerifyUrl) -> Certificate:
    """A new certificate with the holder's current name; the old one is marked superseded.

    The holder, an admin of the holder's organisation or a platform admin may ask. Dates, bundle version
    and standards are those of the original award.
    """
    old = _get(session, text)
    if actor.id != old.user_id and not actor.has_role(Role.ORG_ADMIN, old.organisation_id):
        raise Forbidden("Only the holder or an administrator of their organisation can re-issue this certificate")
    now = utcnow()
    if old.status(now) not in (CertificateStatus.VALID, CertificateStatus.EXPIRED):
        raise Conflict(f"This certificate is {old.status(now).value} and cannot be re-issued")
    holder = session.get(User, old.user_id)
    if holder.name == old.holder_name:
        raise Conflict("The name on this certificate already matches the holder's name, so there is nothing to re-issue")
    # Conditional, so a concurrent revocation or re-issue makes this one fail rather than both succeed.
    marked = session.execute(
        update(Certificate).where(Certificate.id == old.id, col(Certificate.superseded_at).is_(None),
                                  col(Certificate.revoked_at).is_(None)).values(superseded_at=now)
    )
    if marked.rowcount != 1:
        raise Conflict("This certificate has just been revoked or re-issued")

    def make(code: str) -> Certificate:
        return Certificate(
            code=code, enrolment_id=old.enrolment_id, enrolment_registration=old.enrolment_registration,
            issue_number=old.issue_number + 1, replaces_id=old.id, user_id=old.user_id,
            organisation_id=holder.organisation_id, holder_name=holder.name, bundle_id=old.bundle_id,
            bundle_version=old.bundle_version, bundle_title=old.bundle_title, standards=list(old.standards),
            template=old.template, verify_url=verify_url(code), awarded_at=old.awarded_at, issued_at=now,
            expires_at=old.expires_at, issued_by_id=actor.id,
        )

    new = _insert_once(session, make)
    if new is None:
        raise Conflict("This certificate has already been re-issued")
    session.refresh(old)
    audit(session, actor.id, "certificate.reissued", f"certificate:{old.id}", organisation_id=old.organisation_id,
          replacement_id=new.id, old_name=old.holder_name, new_name=new.holder_name)
    return new


def can_revoke(actor: Principal, certificate: Certificate) -> bool:
    """Accreditors of the holder's organisation (at issue) and platform admins."""
    return actor.is_platform_admin or actor.has_role(Role.ACCREDITOR, certificate.organisation_id)


def revoke(session: Session, actor: Principal, text: str, reason: str) -> Certificate:
    """Revoke with a reason a verifier will be shown; audited; cannot be undone."""
    certificate = _get(session, text)
    if not can_revoke(actor, certificate):
        raise Forbidden("Only an accreditor or a platform administrator can revoke certificates")
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Enter the reason for revoking the certificate", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"The reason must be {REASON_MAX} characters or fewer", field="reason")
    return mark_revoked(session, certificate, actor.id, reason)


def mark_revoked(session: Session, certificate: Certificate, actor_id: int | None, reason: str) -> Certificate:
    """Record a revocation (permission and reason already checked); audited; at most once."""
    marked = session.execute(
        update(Certificate).where(Certificate.id == certificate.id, col(Certificate.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=actor_id, revocation_reason=reason)
    )
    if marked.rowcount != 1:
        raise Conflict("This certificate has already been revoked")
    touch_people(session, [certificate.user_id])  # a Core UPDATE: the holder's pages show what it held
    session.refresh(certificate)
    audit(session, actor_id, "certificate.revoked", f"certificate:{certificate.id}",
          organisation_id=certificate.organisation_id, reason=reason, code=certificate.code)
    return certificate


def for_enrolment(session: Session, enrolment_id: int) -> Certificate | None:
    """The newest certificate issued for an enrolment (a re-issue replaces the first), if any."""
    return session.exec(select(Certificate).where(Certificate.enrolment_id == enrolment_id)
                        .order_by(col(Certificate.issued_at).desc(), col(Certificate.id).desc()).limit(1)).first()


def revoke_for_enrolment(session: Session, enrolment_id: int, registration: str, actor_id: int | None,
                         reason: str) -> list[Certificate]:
    """Revoke every certificate still standing for one completion of an enrolment (its registration then)."""
    standing = session.exec(select(Certificate).where(
        Certificate.enrolment_id == enrolment_id, Certificate.enrolment_registration == registration,
        col(Certificate.revoked_at).is_(None))).all()
    return [mark_revoked(session, certificate, actor_id, reason[:500]) for certificate in standing]


def held_by(session: Session, user_id: int) -> list[Certificate]:
    return list(session.exec(select(Certificate).where(Certificate.user_id == user_id)
                             .order_by(col(Certificate.issued_at).desc(), col(Certificate.id).desc())).all())


# The dashboard asks on every visit: one counting query, built once and run on the DBAPI cursor.
_CURRENT_COUNT = PlainQuery(select(func.count()).select_from(Certificate)
                            .where(Certificate.user_id == bindparam("user_id"), col(Certificate.superseded_at).is_(None)))


def current_count(connection: Connection, user_id: int) -> int:
    """How many certificates a person holds that have not been replaced by a re-issue, as ``connection`` sees."""
    return _CURRENT_COUNT.scalars(connection, user_id=user_id)[0]


def for_organisation(session: Session, organisation_id: int) -> list[Certificate]:
    return list(session.exec(select(Certificate).where(Certificate.organisation_id == organisation_id)
                             .order_by(Certificate.holder_name, Certificate.bundle_id, Certificate.id)).all())


def due_for_renewal(session: Session, now: datetime, within_days: int,
                    organisation_ids: set[int] | None = None) -> list[Certificate]:
    """Current certificates expiring within the window or already expired, unless the holder has since
    been awarded the same bundle again."""
    newer = aliased(Certificate)
    renewed = exists().where(
        newer.user_id == Certificate.user_id, newer.bundle_id == Certificate.bundle_id,
        newer.awarded_at > Certificate.awarded_at, col(newer.revoked_at).is_(None),
    )
    query = select(Certificate).where(
        col(Certificate.expires_at).is_not(None), Certificate.expires_at <= now + timedelta(days=within_days),
        col(Certificate.revoked_at).is_(None), col(Certificate.superseded_at).is_(None), ~renewed,
    )
    if organisation_ids is not None:
        query = query.where(col(Certificate.organisation_id).in_(organisation_ids))
    return list(session.exec(query.order_by(Certificate.expires_at, Certificate.id)).all())
