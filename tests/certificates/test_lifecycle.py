"""Revocation (who may, with a reason, audited), re-issue after a name change, renewals, the holder's page and
downloads, and an organisation's zip."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta

import pypdf
import pytest
from sqlalchemy import update
from sqlmodel import select

from certificates import codes, services, verification
from certificates.models import Certificate
from certificates.plugin import verify_url
from lms import db
from lms.api import Conflict, DomainError, Forbidden
from lms.audit.models import AuditEvent
from lms.auth.models import Role
from tests.test_csvfile import HOSTILE


def audit_actions(session) -> list[str]:  # noqa: ANN001
    return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all())


# Revocation.

@pytest.mark.parametrize(("roles", "same_org", "allowed"), [
    ([Role.ACCREDITOR], True, True),
    ([Role.PLATFORM_ADMIN], False, True),
    ([Role.ACCREDITOR], False, False),
    ([Role.ORG_ADMIN], True, False),
    ([Role.LEARNER], True, False),
])
def test_who_may_revoke(complete, make_user, make_org, session, principal, roles, same_org, allowed):
    org = make_org()
    certificate = complete(make_user(org=org))
    actor = make_user(roles=roles, org=org if same_org else make_org())
    if allowed:
        services.revoke(session, principal(actor), certificate.code, "Awarded in error")
        assert certificate.status(db.utcnow()).value == "revoked" and certificate.revoked_by_id == actor.id
    else:
        with pytest.raises(Forbidden):
            services.revoke(session, principal(actor), certificate.code, "Awarded in error")
        session.refresh(certificate)
        assert certificate.revoked_at is None


def test_revoking_needs_a_reason_is_audited_and_happens_once(complete, make_user, session, principal):
    certificate = complete(make_user())
    admin = principal(make_user(roles=[Role.PLATFORM_ADMIN]))
    for blank in ("", "   "):
        with pytest.raises(DomainError, match="Enter the reason") as caught:
            services.revoke(session, admin, certificate.code, blank)
        assert caught.value.field == "reason"
    with pytest.raises(DomainError, match="500 characters or fewer"):
        services.revoke(session, admin, certificate.code, "x" * 501)
    assert certificate.revoked_at is None
    services.revoke(session, admin, certificate.code, "  Evidence   was forged ")
    assert certificate.revocation_reason == "Evidence was forged"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "certificate.revoked")).one()
    assert (event.actor_id, event.target, event.detail["reason"]) == (admin.id, f"certificate:{certificate.id}",
                                                                      "Evidence was forged")
    with pytest.raises(Conflict, match="already been revoked"):
        services.revoke(session, admin, certificate.code, "Again")


def test_the_revoke_page_revokes_and_shows_errors_on_the_field(app, client, login_as, complete, make_user, session):
    certificate = complete(make_user())
    admin = make_user(roles=[Role.PLATFORM_ADMIN])
    login_as(admin)
    path = f"/certificates/{codes.display(certificate.code)}/revoke"
    assert "Reason for revoking" in client.get(path).get_data(as_text=True)
    refused = client.post(path, data={"reason": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "There is a problem" in page and "Enter the reason" in page
    done = client.post(path, data={"reason": "Awarded in error"})
    assert done.status_code == 302
    session.refresh(certificate)
    assert certificate.revocation_reason == "Awarded in error"


# Re-issue after a change of name.

def test_reissue_after_a_name_change_supersedes_the_old_certificate(complete, make_user, session, principal, instance):
    user = make_user(name="Jo Bloggs")
    old = complete(user)
    user.name = "Jo Smith"
    session.add(user)
    new = services.reissue(session, principal(user), old.code, verify_url)
    from certificates.plugin import produce_after_commit

    produce_after_commit(new.id)
    db.commit()
    session.refresh(new)
    assert (new.holder_name, new.replaces_id, new.issue_number) == ("Jo Smith", old.id, 2)
    assert (new.awarded_at, new.expires_at, new.bundle_version) == (old.awarded_at, old.expires_at, old.bundle_version)
    assert old.status(db.utcnow()).value == "superseded" and new.status(db.utcnow()).value == "valid"
    answer = verification.answer_for_code(session.connection(), old.code, db.utcnow())
    assert answer.replaced_by == codes.display(new.code)
    text = pypdf.PdfReader(io.BytesIO((instance / new.pdf_path).read_bytes())).pages[0].extract_text()
    assert "Jo Smith" in text and codes.display(old.code) in text  # "Replaces ..."
    assert (instance / old.pdf_path).exists()  # the old file is kept, never rewritten
    assert "certificate.reissued" in audit_actions(session)


def test_reissue_is_refused_without_a_name_change_for_others_and_for_revoked(complete, make_user, session, principal):
    user = make_user(name="Jo Bloggs")
    certificate = complete(user)
    with pytest.raises(Conflict, match="already matches"):
        services.reissue(session, principal(user), certificate.code, verify_url)
    user.name = "Jo Smith"
    session.add(user)
    with pytest.raises(Forbidden):
        services.reissue(session, principal(make_user()), certificate.code, verify_url)
    services.revoke(session, principal(make_user(roles=[Role.PLATFORM_ADMIN])), certificate.code, "Fraud")
    with pytest.raises(Conflict, match="revoked and cannot be re-issued"):
        services.reissue(session, principal(user), certificate.code, verify_url)


def test_a_certificate_is_reissued_only_once(complete, make_user, session, principal):
    user = make_user(name="Jo Bloggs")
    certificate = complete(user)
    user.name = "Jo Smith"
    session.add(user)
    services.reissue(session, principal(user), certificate.code, verify_url)
    with pytest.raises(Conflict, match="superseded and cannot be re-issued"):
        services.reissue(session, principal(user), certificate.code, verify_url)


def test_the_holder_reissues_from_my_certificates(client, login_as, complete, make_user, session):
    user = make_user(name="Jo Bloggs")
    certificate = complete(user)
    user.name = "Jo Smith"
    session.add(user)
    login_as(user)
    page = client.get("/certificates").get_data(as_text=True)
    assert "Get a new certificate in your current name" in page
    response = client.post(f"/certificates/{codes.display(certificate.code)}/reissue")
    assert response.status_code == 302
    held = services.held_by(session, user.id)
    assert [c.holder_name for c in held] == ["Jo Smith", "Jo Bloggs"]
    assert held[0].pdf_sha256 is not None  # rendered after the request committed


# Expiry and renewal.

def test_due_for_renewal_lists_expiring_and_expired_certificates_not_yet_renewed(complete, make_user, make_org, session,
                                                                               principal):
    org, now = make_org(), db.utcnow()
    soon, later, expired, revoked = (complete(make_user(org=org)) for _ in range(4))
    complete(make_user(org=org), "lifetime")  # never expires
    for certificate, days in ((soon, 30), (later, 400), (expired, -5), (revoked, 10)):
        session.execute(update(Certificate).where(Certificate.id == certificate.id)
                        .values(expires_at=now + timedelta(days=days)))
    services.revoke(session, principal(make_user(roles=[Role.PLATFORM_ADMIN])), revoked.code, "Fraud")
    assert [c.id for c in services.due_for_renewal(session, now, 90, {org.id})] == [expired.id, soon.id]
    assert services.due_for_renewal(session, now, 90, {make_org().id}) == []


def test_a_renewed_certificate_leaves_the_renewal_list(complete, make_user, session):
    user, now = make_user(), db.utcnow()
    old = complete(user)
    session.execute(update(Certificate).where(Certificate.id == old.id).values(
        expires_at=now - timedelta(days=1), awarded_at=now - timedelta(days=800)))
    assert [c.id for c in services.due_for_renewal(session, now, 90)] == [old.id]
    newer = Certificate(**{**old.model_dump(exclude={"id", "code", "enrolment_registration"}),
                           "code": "1" * 16, "enrolment_registration": "renewed", "awarded_at": now,
                           "expires_at": now + timedelta(days=700)})
    session.add(newer)
    session.flush()
    assert services.due_for_renewal(session, now, 90) == []


def test_renewals_command_lists_them(app, complete, make_user, session):
    certificate = complete(make_user(name="Ada Lovelace"))
    session.execute(update(Certificate).where(Certificate.id == certificate.id)
                    .values(expires_at=db.utcnow() + timedelta(days=10)))
    db.commit()
    result = app.test_cli_runner().invoke(args=["certificates", "renewals", "--days", "30"])
    assert result.exit_code == 0 and "Ada Lovelace" in result.output and "1 certificate(s) due" in result.output


# The holder's page, downloads, the organisation page and zip.

def test_my_certificates_never_show_a_revoked_one_as_valid(client, login_as, complete, make_user, session, principal):
    user = make_user()
    certificate = complete(user)
    services.revoke(session, principal(make_user(roles=[Role.PLATFORM_ADMIN])), certificate.code, "Awarded in error")
    login_as(user)
    page = " ".join(client.get("/certificates").get_data(as_text=True).split())
    assert "Valid until" not in page
    assert re.search(r"Was due to expire on\s*</dt>\s*<dd[^>]*>\s*\d+ \w+ \d{4}", page)
    assert re.search(r"Revoked on\s*</dt>\s*<dd[^>]*>\s*\d+ \w+ \d{4}: Awarded in error", page)


def test_my_certificates_lists_and_downloads_the_stored_file(client, login_as, complete, make_user, instance):
    user = make_user()
    certificate = complete(user)
    login_as(user)
    page = client.get("/certificates").get_data(as_text=True)
    assert "Certified management bundle" in page and codes.display(certificate.code) in page
    response = client.get(f"/certificates/{codes.display(certificate.code)}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == (instance / certificate.pdf_path).read_bytes()
    assert "attachment" in response.headers["Content-Disposition"]


def test_nobody_else_downloads_a_certificate(client, login_as, complete, make_user, make_org):
    org = make_org()
    certificate = complete(make_user(org=org))
    path = f"/certificates/{codes.display(certificate.code)}.pdf"
    assert client.get(path).status_code == 302  # sign in first
    login_as(make_user(org=org))
    assert client.get(path).status_code == 403
    login_as(make_user(roles=[Role.ORG_ADMIN], org=make_org()))
    assert client.get(path).status_code == 403
    login_as(make_user(roles=[Role.ORG_ADMIN], org=org))
    assert client.get(path).status_code == 200


def test_the_dashboard_links_to_my_certificates(client, login_as, complete, make_user):
    user = make_user()
    login_as(user)
    assert "View and download your certificates" not in client.get("/").get_data(as_text=True)
    complete(user)
    assert "View and download your certificates" in client.get("/").get_data(as_text=True)


def test_an_organisation_admin_sees_certificates_and_renewals(client, login_as, complete, make_user, make_org, session):
    org = make_org()
    certificate = complete(make_user(org=org, name="Grace Hopper"))
    session.execute(update(Certificate).where(Certificate.id == certificate.id)
                    .values(expires_at=db.utcnow() + timedelta(days=20)))
    login_as(make_user(roles=[Role.ORG_ADMIN], org=org))
    response = client.get("/certificates/organisations", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("Grace Hopper") == 2  # renewals and all certificates
    assert client.get(f"/certificates/organisations/{make_org().id}").status_code == 403


def test_the_organisation_zip_holds_every_pdf_and_an_index(client, login_as, complete, make_user, make_org, session,
                                                           instance):
    org = make_org()
    first, second = complete(make_user(org=org, name="Ann Ng")), complete(make_user(org=org, name="Bo Li"))
    complete(make_user(org=make_org()))  # someone else's
    admin = make_user(roles=[Role.ORG_ADMIN], org=org)
    login_as(admin)
    with client.get(f"/certificates/organisations/{org.id}/certificates.zip") as response:
        assert response.status_code == 200 and response.mimetype == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    rows = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode())))
    assert {r["holder_name"] for r in rows} == {"Ann Ng", "Bo Li"}
    for certificate in (first, second):
        row = next(r for r in rows if r["code"] == codes.display(certificate.code))
        assert archive.read(row["file"]) == (instance / certificate.pdf_path).read_bytes()
        assert row["sha256"] == certificate.pdf_sha256 and row["status"] == "valid"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "certificate.bulk_download")).one()
    assert (event.actor_id, event.detail["count"]) == (admin.id, 2)
    login_as(make_user(roles=[Role.ORG_ADMIN], org=make_org()))
    assert client.get(f"/certificates/organisations/{org.id}/certificates.zip").status_code == 403


def test_the_zips_index_writes_hostile_names_and_reasons_as_text(client, login_as, complete, make_user, make_org,
                                                                 session, principal):
    org = make_org()
    revoker = principal(make_user(roles=["platform_admin"]))
    for name in HOSTILE:
        certificate = complete(make_user(org=org, name=name))
        services.revoke(session, revoker, certificate.code, "Withdrawn after review")
        session.execute(update(Certificate).where(Certificate.id == certificate.id)  # however it got there
                        .values(revocation_reason=name, holder_name=name))
    login_as(make_user(roles=[Role.ORG_ADMIN], org=org))
    with client.get(f"/certificates/organisations/{org.id}/certificates.zip") as response:
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    rows = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode())))
    assert {r["holder_name"] for r in rows} == {r["revocation_reason"] for r in rows} == {"'" + n for n in HOSTILE}
