"""Every verification answer (valid, expired, revoked, superseded, unknown) by code page, JSON, PDF upload and the
offline command line, without signing in, and disclosing only what a verifier needs."""

from __future__ import annotations

import io
import re
import socket
from datetime import timedelta

import pytest
from sqlalchemy import update

from certificates import codes, production, services, signing
from certificates.models import Certificate
from certificates.plugin import settings, verify_url
from lms import db
from tests.certificates.conftest import serve

STATES = ("valid", "expired", "revoked", "superseded")
ANSWER_KEYS = {"status", "code", "holder_name", "bundle", "standards", "awarded_on", "issued_on", "expires_on"}


@pytest.fixture
def in_state(complete, make_user, session, principal):  # noqa: ANN001
    """A certificate brought into a state; returns (certificate, its replacement or None)."""

    def _make(state: str):  # noqa: ANN202
        user = make_user(name="Priya Shah")
        certificate = complete(user)
        replacement = None
        if state == "expired":
            session.execute(update(Certificate).where(Certificate.id == certificate.id)
                            .values(expires_at=db.utcnow() - timedelta(days=1)))
        elif state == "revoked":
            admin = make_user(roles=["platform_admin"])
            services.revoke(session, principal(admin), certificate.code, "Awarded in error")
        elif state == "superseded":
            user.name = "Priya Shah-Lewis"
            session.add(user)
            replacement = services.reissue(session, principal(user), certificate.code, verify_url)
        db.commit()
        session.refresh(certificate)
        db.commit()
        return certificate, replacement

    return _make


@pytest.mark.parametrize("state", STATES)
def test_the_json_answer_for_each_state(client, in_state, state):
    certificate, replacement = in_state(state)
    response = client.get(f"/api/v1/certificates/{codes.display(certificate.code)}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == state
    expected_keys = ANSWER_KEYS | {"revoked": {"revoked_on", "revocation_reason"},
                                   "superseded": {"replaced_by"}}.get(state, set())
    assert set(body) == expected_keys  # nothing about the holder beyond the name on the certificate
    assert body["holder_name"] == "Priya Shah" and body["code"] == codes.display(certificate.code)
    assert body["bundle"] == {"id": "certified", "title": "Certified management bundle", "version": "1.4.0"}
    assert body["standards"] == [{"id": "S-ONE", "title": "Standard one"}, {"id": "S-TWO", "title": "Standard two"}]
    assert body["expires_on"] == certificate.expires_at.date().isoformat()
    if state == "revoked":
        assert body["revocation_reason"] == "Awarded in error"
        assert body["revoked_on"] == certificate.revoked_at.date().isoformat()
    if state == "superseded":
        assert body["replaced_by"] == codes.display(replacement.code)


def test_the_json_api_leaves_no_connection_behind(client, in_state):
    certificate, _ = in_state("valid")
    db.commit()  # the test's own transaction ends, so the lookup reads on a connection of its own
    pool = db.engine().pool
    checked_out = pool.checkedout()
    for _ in range(3):
        assert client.get(f"/api/v1/certificates/{codes.display(certificate.code)}").status_code == 200
    # The lean app's context ended each time and kept its connection for the next: one in all, not one each.
    assert pool.checkedout() <= checked_out + 1


def test_the_json_answer_for_an_unknown_and_a_malformed_code(client):
    payload = "7K3M9QXP2HRT5WD"
    unknown = codes.display(payload + codes.check_character(payload))
    response = client.get(f"/api/v1/certificates/{unknown}")
    assert (response.status_code, response.get_json()) == (404, {"status": "unknown"})
    typo = unknown[:-1] + ("0" if unknown[-1] != "0" else "1")
    response = client.get(f"/api/v1/certificates/{typo}")
    assert response.status_code == 400
    assert response.get_json()["field"] == "code" and "typing mistake" in response.get_json()["error"]


def test_the_code_may_be_typed_in_any_case_and_grouping(client, in_state):
    certificate, _ = in_state("valid")
    assert client.get(f"/api/v1/certificates/{certificate.code.lower()}").get_json()["status"] == "valid"


@pytest.mark.parametrize(("state", "heading", "detail"), [
    ("valid", "This certificate is valid", "Certified management bundle"),
    ("expired", "This certificate has expired", "Expired on"),
    ("revoked", "This certificate has been revoked", "Reason: Awarded in error"),
    ("superseded", "This certificate has been replaced", "Check the replacement"),
])
def test_the_verification_page_for_each_state_needs_no_sign_in(client, in_state, state, heading, detail):
    certificate, _ = in_state(state)
    response = client.get(f"/verify/{codes.display(certificate.code)}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in page and detail in page and "Priya Shah" in page
    assert "@" not in page.split("<main", 1)[1].split("</main>", 1)[0]  # no e-mail address disclosed


@pytest.mark.parametrize(("state", "first", "expiry", "absent"), [
    ("valid", None, "Valid until", ("Was due to expire", "Revoked on")),
    ("expired", "Expired on", "Expired on", ("Valid until", "Standards met")),
    ("revoked", "Revoked on", "Was due to expire on", ("Valid until", "Standards met")),
    ("superseded", "Replaced by a newer certificate", "Was due to expire on", ("Valid until", "Standards met")),
])
def test_a_certificate_not_valid_says_so_first_and_never_reads_as_valid(client, in_state, state, first, expiry,
                                                                         absent):
    certificate, _ = in_state(state)
    page = client.get(f"/verify/{codes.display(certificate.code)}").get_data(as_text=True)
    main = " ".join(page.split("<main", 1)[1].split("</main>", 1)[0].split())
    details = main.index("nhsuk-summary-list")
    if first:  # a warning callout before any detail
        callout = main.index("nhsuk-card--warning")
        assert callout < details and first in main[callout:details]
    else:
        assert "nhsuk-card--warning" not in main
    assert re.search(rf"{expiry}\s*</dt>\s*<dd[^>]*>\s*\d+ \w+ \d{{4}}", main)
    assert not any(words in main for words in absent)
    if state == "revoked":
        assert re.search(r"Revoked on\s*</dt>\s*<dd[^>]*>\s*\d+ \w+ \d{4}: Awarded in error", main)


def test_the_verification_page_for_an_unknown_code(client):
    payload = "ABCDEFGHJKMNPQR"
    response = client.get(f"/verify/{codes.display(payload + codes.check_character(payload))}")
    assert response.status_code == 404
    assert "We cannot confirm this certificate" in response.get_data(as_text=True)


def test_the_code_form_leads_to_the_answer_or_explains_a_typo(client, in_state):
    certificate, _ = in_state("valid")
    response = client.get("/verify", query_string={"code": certificate.code.lower()})
    assert response.status_code == 302 and response.location.endswith(f"/verify/{codes.display(certificate.code)}")
    wrong = client.get("/verify", query_string={"code": certificate.code[:-2]})
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 400
    assert "There is a problem" in page and "has 16 characters; you entered 14" in page
    assert client.get("/verify").status_code == 200


def upload(client, pdf: bytes):  # noqa: ANN001, ANN201
    return client.post("/verify/upload", data={"pdf": (io.BytesIO(pdf), "certificate.pdf")},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("state", STATES)
def test_uploading_the_issued_pdf_checks_signature_hash_and_status(client, in_state, instance, state):
    certificate, _ = in_state(state)
    response = upload(client, (instance / certificate.pdf_path).read_bytes())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "signed by" in page and "exactly the file this service issued" in page
    colour = {"valid": "green", "expired": "orange", "revoked": "red", "superseded": "yellow"}[state]
    assert f"nhsuk-tag--{colour}" in page and state.capitalize() in page


def test_a_tampered_upload_is_not_confirmed(client, in_state, instance):
    certificate, _ = in_state("valid")
    pdf = bytearray((instance / certificate.pdf_path).read_bytes())
    pdf[pdf.index(b"stream\n") + 20] ^= 0x01
    page = upload(client, bytes(pdf)).get_data(as_text=True)
    assert "We cannot confirm this certificate" in page and "No matching certificate" in page
    assert "exactly the file this service issued" not in page


def test_a_genuinely_signed_file_that_is_not_the_issued_one_is_not_confirmed(client, in_state):
    """Re-rendering the same certificate gives a validly signed file, but not the one in the registry."""
    certificate, _ = in_state("valid")
    again = production.build_pdf(certificate, settings())
    page = upload(client, again).get_data(as_text=True)
    assert "The file is not the one this service issued for that code" in page
    assert "We cannot confirm this certificate" in page


def test_a_file_signed_by_another_authority_is_not_confirmed(client, in_state, tmp_path):
    certificate, _ = in_state("valid")
    p12, _ = signing.keygen(tmp_path / "forger", "Forged Body")
    forged = production.build_pdf(certificate, production.Settings(tmp_path, p12, None, "Forged Body", False))
    page = upload(client, forged).get_data(as_text=True)
    assert "not signed by this service&#39;s certificate authority" in page


def test_an_upload_that_is_not_a_pdf_is_refused_on_its_field(client):
    response = client.post("/verify/upload", data={"pdf": (io.BytesIO(b"x"), "notes.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "The file must be a PDF" in response.get_data(as_text=True)
    empty = client.post("/verify/upload", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "Choose the certificate" in empty.get_data(as_text=True)


# The offline command line: the file alone, then the live status when a server answers.

@pytest.fixture
def live_server(app):  # noqa: ANN001
    yield from serve(app)


def verify_cli(app, *args: str):  # noqa: ANN001, ANN201
    return app.test_cli_runner().invoke(args=["certificates", "verify", *args])


def test_offline_verification_reads_the_signature_and_data_without_a_network(app, in_state, instance):
    certificate, _ = in_state("valid")
    result = verify_cli(app, str(instance / certificate.pdf_path), "--offline")
    assert result.exit_code == 3, result.output  # genuine, but whether it is still current was not checked
    assert "Signature: valid, file unchanged since signing" in result.output
    assert "(trusted)" in result.output and "Holder: Priya Shah" in result.output
    assert "Status (from the file alone): valid" in result.output
    assert "Live status not checked: --offline was given" in result.output


def test_offline_verification_adds_the_live_status_when_the_server_answers(app, in_state, instance, live_server):
    certificate, _ = in_state("revoked")
    result = verify_cli(app, str(instance / certificate.pdf_path), "--server", live_server)
    assert result.exit_code == 2, result.output
    assert "Live status: revoked" in result.output and "Awarded in error" in result.output


def test_offline_verification_carries_on_when_no_server_is_reachable(app, in_state, instance):
    certificate, _ = in_state("valid")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = verify_cli(app, str(instance / certificate.pdf_path), "--server", f"http://127.0.0.1:{port}")
    assert result.exit_code == 3, result.output
    assert f"Live status not checked: http://127.0.0.1:{port} did not answer" in result.output


def test_offline_verification_fails_a_changed_file_and_an_untrusted_signer(app, in_state, instance, tmp_path):
    certificate, _ = in_state("valid")
    pdf = bytearray((instance / certificate.pdf_path).read_bytes())
    pdf[pdf.index(b"stream\n") + 20] ^= 0x01
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(pdf))
    result = verify_cli(app, str(changed), "--offline")
    assert result.exit_code == 1 and "NOT VALID" in result.output
    _, other_ca = signing.keygen(tmp_path / "other", "Another Body")
    result = verify_cli(app, str(instance / certificate.pdf_path), "--offline", "--trust", str(other_ca))
    assert result.exit_code == 1 and "NOT TRUSTED" in result.output


def test_the_start_page_and_every_footer_lead_to_verification(client, make_user, login_as):
    start = client.get("/start").get_data(as_text=True)
    assert re.search(r'<main.*<a href="/verify">check a certificate</a>', start, re.S)
    for page in (start, login_as(make_user()).get("/").get_data(as_text=True)):  # signed out and in
        footer = page[page.index('<footer'):]
        assert re.search(r'href="/verify"\s*>Check a certificate</a>', footer)

