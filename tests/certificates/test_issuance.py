"""Issuance: one certificate per completed enrolment (the database decides), what it records, and the PDF
rendered, signed and stored once after commit."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from certificates import production, services
from certificates.models import Certificate
from certificates.plugin import lms_credentials, lms_enrolment_completed, settings
from lms import db
from lms.api import catalog
from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.learning.models import Enrolment


def count(session, **where) -> int:  # noqa: ANN001
    query = select(func.count()).select_from(Certificate)
    for name, value in where.items():
        query = query.where(getattr(Certificate, name) == value)
    return session.exec(query).one()


def test_completing_a_bundle_issues_a_certificate_recording_what_was_met(complete, make_user, session):
    user = make_user(name="Amelia Okonkwo")
    certificate = complete(user)
    enrolment = session.get(Enrolment, certificate.enrolment_id)
    assert certificate.holder_name == "Amelia Okonkwo"
    assert (certificate.bundle_id, certificate.bundle_version, certificate.bundle_title) == (
        "certified", "1.4.0", "Certified management bundle")
    assert certificate.standards == [{"id": "S-ONE", "title": "Standard one"}, {"id": "S-TWO", "title": "Standard two"}]
    assert certificate.awarded_at == enrolment.completed_at
    expected = enrolment.completed_at
    assert certificate.expires_at == expected.replace(year=expected.year + 2)  # validity_months = 24
    assert certificate.verify_url == f"http://lms.test/verify/{certificate.code[:4]}-{certificate.code[4:8]}-" \
                                     f"{certificate.code[8:12]}-{certificate.code[12:]}"
    assert certificate.organisation_id == user.organisation_id
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "certificate.issued")).one().target == \
        f"certificate:{certificate.id}"


def test_a_bundle_without_validity_never_expires_and_one_without_a_certificate_issues_none(complete, make_user, session):
    user = make_user()
    assert complete(user, "lifetime").expires_at is None
    assert complete(user, "plain") is None
    assert count(session, user_id=user.id) == 1


@pytest.mark.parametrize(("start", "months", "end"), [
    (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
    (datetime(2028, 1, 31, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),
    (datetime(2026, 11, 15, tzinfo=UTC), 14, datetime(2028, 1, 15, tzinfo=UTC)),
])
def test_expiry_is_the_same_day_months_later_or_the_month_end(start, months, end):
    assert services.add_months(start, months) == end


def test_the_hook_called_twice_for_one_completion_issues_once(complete, make_user, session):
    user = make_user()
    first = complete(user)
    enrolment = session.get(Enrolment, first.enrolment_id)
    lms_enrolment_completed(session=session, enrolment=enrolment, bundle=catalog().bundle("certified"), actor_id=None)
    db.commit()
    assert count(session, user_id=user.id) == 1


def test_the_database_refuses_a_second_certificate_for_a_completion(complete, make_user, session):
    first = complete(make_user())
    duplicate = Certificate(**{**first.model_dump(exclude={"id", "code", "replaces_id"}), "code": "0" * 16})
    session.add(duplicate)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_concurrent_completions_issue_exactly_one_certificate(app, complete, make_user, session):
    """Two transactions issue for the same completion at once: the unique constraint lets one win and the
    other carries on without error (on PostgreSQL the loser waits for the winner's commit, then yields)."""
    user = make_user()
    enrolment = Enrolment(user_id=user.id, bundle_id="certified", bundle_version="1.4.0", status="completed",
                          registration="5e0c8c53-8d5e-4b41-9a55-3ad1c1d3e9a1", completed_at=db.utcnow())
    session.add(enrolment)
    db.commit()
    bundle, engine = catalog().bundle("certified"), db.engine()
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_immediate=True)
    barrier, results, errors = threading.Barrier(2), [], []

    def issue() -> None:
        try:
            with Session(engine) as own:
                barrier.wait()
                row = own.get(Enrolment, enrolment.id)
                made = services.issue_for_completion(own, row, own.get(type(user), user.id), bundle, {},
                                                     lambda code: f"http://lms.test/verify/{code}", None)
                own.commit()
                results.append(made is not None)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [False, True]
    assert count(session, enrolment_id=enrolment.id) == 1


def test_the_pdf_is_stored_once_after_commit_with_its_hash(complete, make_user, instance):
    certificate = complete(make_user())
    stored = (instance / certificate.pdf_path).read_bytes()
    assert certificate.pdf_path.startswith("certificates/") and certificate.pdf_stored_at is not None
    assert hashlib.sha256(stored).hexdigest() == certificate.pdf_sha256
    assert stored.startswith(b"%PDF-")


def test_nothing_is_rendered_when_the_completing_transaction_rolls_back(complete, make_user, session, instance):
    user = make_user()
    db.commit()
    complete(user, commit=False)
    db.rollback()
    assert count(session, user_id=user.id) == 0
    assert not (instance / "certificates").exists()


def test_a_stored_certificate_is_never_rendered_again(complete, make_user, session, instance):
    certificate = complete(make_user())
    path = instance / certificate.pdf_path
    before = path.read_bytes()
    assert production.produce(db.engine(), certificate.id, settings()) is False
    # Even a producer that missed the stored row keeps the file that is there (link, never overwrite).
    relative, digest = production.store_file(instance, certificate, b"%PDF-1.7 something else")
    assert (relative, digest) == (certificate.pdf_path, certificate.pdf_sha256)
    assert path.read_bytes() == before


def test_a_failed_render_is_recorded_and_retried_by_render_pending(app, complete, make_user, session, monkeypatch):
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        raise OSError("disk full")

    monkeypatch.setattr(production, "build_pdf", broken)
    certificate = complete(make_user())
    assert certificate.pdf_sha256 is None
    assert (certificate.render_attempts, certificate.render_error) == (1, "OSError: disk full")
    monkeypatch.undo()
    db.commit()
    result = app.test_cli_runner().invoke(args=["certificates", "render-pending"])
    assert result.exit_code == 0, result.output
    assert "Stored 1 of 1" in result.output
    session.refresh(certificate)
    assert certificate.pdf_sha256 is not None and certificate.render_error is None


def test_issue_due_issues_for_completions_that_have_none(app, make_user, session):
    user = make_user()
    session.add(Enrolment(user_id=user.id, bundle_id="certified", bundle_version="1.4.0", status="completed",
                          registration="0d8f9a55-2f05-4bb8-9d0c-2c7d6bb7b0a1", completed_at=db.utcnow()))
    db.commit()
    result = app.test_cli_runner().invoke(args=["certificates", "issue-due"])
    assert result.exit_code == 0, result.output
    assert "Issued 1 certificate(s)" in result.output and "Stored 1 of 1" in result.output
    again = app.test_cli_runner().invoke(args=["certificates", "issue-due"])
    assert "Issued 0 certificate(s)" in again.output


def test_credentials_report_every_certificate_with_its_status(complete, make_user, session):
    user = make_user()
    complete(user, "lifetime")
    certificate = complete(user)
    credentials = {c.id: c for c in lms_credentials(session=session, user_id=user.id)}
    assert set(credentials) == {"certified", "lifetime"}
    held = credentials["certified"]
    assert (held.kind, held.title, held.status, held.standards) == ("certificate", "Certified management bundle",
                                                                    "valid", ("S-ONE", "S-TWO"))
    assert held.expires_at == certificate.expires_at and held.issued_at == certificate.issued_at
    assert held.revoked_at is None


def test_a_revoked_certificate_is_reported_with_its_revocation_date(complete, make_user, make_org, session, principal):
    org = make_org()
    user = make_user(org=org)
    certificate = complete(user)
    accreditor = principal(make_user(roles=[Role.ACCREDITOR], org=org))
    services.revoke(session, accreditor, certificate.code, "Awarded in error")
    db.commit()
    [held] = lms_credentials(session=session, user_id=user.id)
    assert held.status == "revoked" and held.revoked_at == certificate.revoked_at is not None


def test_issuing_records_an_earned_statement_in_the_same_transaction(complete, make_user, session):
    import json

    from lms.xapi.models import XapiStatement

    user = make_user(name="Amelia Okonkwo")
    certificate = complete(user)
    bodies = [json.loads(row.body) for row in session.exec(select(XapiStatement)).all()]
    earned = [b for b in bodies if b["verb"]["id"] == "https://w3id.org/xapi/tla/verbs/earned"]
    assert len(earned) == 1
    assert earned[0]["object"]["id"].endswith(f"/certificates/{certificate.code[:4]}-{certificate.code[4:8]}-"
                                              f"{certificate.code[8:12]}-{certificate.code[12:]}")
    assert earned[0]["actor"]["name"] == "Amelia Okonkwo"
    assert earned[0]["context"]["registration"] == session.get(Enrolment, certificate.enrolment_id).registration
    assert earned[0]["context"]["contextActivities"]["parent"][0]["id"].endswith("/bundles/certified")
