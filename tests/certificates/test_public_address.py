"""The address signed into a certificate is the configured public one, whatever Host the learner's request
carried; `lms certificates verify` asks for the live status only at a server it trusts, and says plainly (exit 3)
when it could not; `lms demo` links to where it serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from certificates import codes, production, services, signing
from certificates.models import Certificate
from lms import db
from lms.api import catalog
from lms.cli import cli
from lms.config import DEVELOPMENT_BASE_URL
from lms.demo import served_address
from tests.certificates.conftest import ISSUER, mark_done, serve
from tests.conftest import FORGED_HOST


@pytest.fixture
def test_config(test_config) -> dict:  # noqa: ANN001
    """No PUBLIC_BASE_URL given: the default (the development server's address) stands."""
    return {key: value for key, value in test_config.items() if key != "PUBLIC_BASE_URL"}


@pytest.fixture
def liar() -> Iterator[str]:
    """A server that says every certificate is valid (what a forged Host could have pointed verifiers to)."""

    def answer(environ, start_response):  # noqa: ANN001, ANN202
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"status": "valid"}).encode()]

    yield from serve(answer)


@pytest.fixture
def genuine_server(app) -> Iterator[str]:  # noqa: ANN001
    """This test's own service, answering the verification API from its database."""
    yield from serve(app)


def verify(app, pdf: Path, *args: str):  # noqa: ANN001, ANN201
    return app.test_cli_runner().invoke(args=["certificates", "verify", str(pdf), *args])


@pytest.mark.parametrize("configured", [None, "https://certificates.example.org"])
def test_a_certificate_earned_through_a_forged_host_carries_the_configured_address(
        app, client, session, make_user, login_via_forged_host, configured):
    if configured:
        app.config["PUBLIC_BASE_URL"] = configured
    learner = make_user()
    mark_done(session, learner.id, catalog().bundle("certified").all_module_ids)
    login_via_forged_host(learner)
    response = client.post("/catalogue/certified/enrol", environ_overrides=FORGED_HOST)
    assert response.status_code == 302
    certificate = session.exec(select(Certificate).where(Certificate.user_id == learner.id)).one()
    session.refresh(certificate)
    assert certificate.verify_url == f"{configured or DEVELOPMENT_BASE_URL}/verify/{codes.display(certificate.code)}"


def revoked_certificate_pointing_at(app, complete, make_user, session, principal,  # noqa: ANN001
                                    base: str) -> Certificate:
    """Issue a certificate whose signed address is base, then revoke it."""
    saved, app.config["PUBLIC_BASE_URL"] = app.config["PUBLIC_BASE_URL"], base
    certificate = complete(make_user(name="Robin Vale"))
    app.config["PUBLIC_BASE_URL"] = saved
    services.revoke(session, principal(make_user(roles=["platform_admin"])), certificate.code, "Awarded in error")
    db.commit()
    return certificate


def test_verify_does_not_ask_an_untrusted_address_and_says_so(app, complete, make_user, session, principal,
                                                             instance, liar):
    certificate = revoked_certificate_pointing_at(app, complete, make_user, session, principal, liar)
    result = verify(app, instance / certificate.pdf_path)
    assert result.exit_code == 3, result.output
    assert f"Live status not checked: the certificate's server {liar} is not one this command trusts" in result.output
    assert "Live status: valid" not in result.output
    assert "Do not rely on it as current" in result.output


def test_verify_asks_a_configured_status_server(app, complete, make_user, session, principal, instance,
                                                genuine_server):
    certificate = revoked_certificate_pointing_at(app, complete, make_user, session, principal, genuine_server)
    app.config["CERTIFICATE_STATUS_SERVERS"] = [genuine_server + "/"]
    result = verify(app, instance / certificate.pdf_path)
    assert result.exit_code == 2, result.output
    assert f"Live status: revoked (from {genuine_server})" in result.output and "Awarded in error" in result.output


def test_verify_asks_the_address_the_signing_certificate_vouches_for(app, complete, make_user, session, principal,
                                                                     tmp_path, genuine_server):
    certificate = revoked_certificate_pointing_at(app, complete, make_user, session, principal, genuine_server)
    p12, ca = signing.keygen(tmp_path / "issuer", ISSUER, service_url=genuine_server)
    pdf = tmp_path / "signed-by-a-key-naming-the-service.pdf"
    pdf.write_bytes(production.build_pdf(certificate, production.Settings(tmp_path, p12, None, ISSUER, False)))
    result = verify(app, pdf, "--trust", str(ca))
    assert result.exit_code == 2, result.output
    assert f"Live status: revoked (from {genuine_server})" in result.output


def test_verify_asks_a_named_server_even_when_the_certificate_points_elsewhere(
        app, complete, make_user, session, principal, instance, liar, genuine_server):
    certificate = revoked_certificate_pointing_at(app, complete, make_user, session, principal, liar)
    result = verify(app, instance / certificate.pdf_path, "--server", genuine_server)
    assert result.exit_code == 2 and "Live status: revoked" in result.output


def test_the_verify_help_documents_every_exit_status(app):
    text = app.test_cli_runner().invoke(args=["certificates", "verify", "--help"]).output
    for line in ("0  genuine, and the live status is valid", "1  not genuine", "2  genuine, but expired",
                 "3  genuine and in date by the file alone, but the live status was NOT checked"):
        assert line in text


def test_the_demo_serves_links_and_qr_codes_at_the_address_it_binds(monkeypatch):
    given = {}

    class Stop(Exception):
        pass

    def create_app(config):  # noqa: ANN001, ANN202
        given.update(config)
        raise Stop

    monkeypatch.setattr("lms.app.create_app", create_app)
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--host", "127.0.0.1", "--port", "8123"])
    assert isinstance(result.exception, Stop)
    assert given == {"DEMO": True, "PUBLIC_BASE_URL": "http://127.0.0.1:8123"}
    CliRunner().invoke(cli, ["demo", "--no-serve", "--public-url", "https://demo.example.org/"])
    assert given["PUBLIC_BASE_URL"] == "https://demo.example.org"


def test_a_demo_on_every_interface_is_named_by_an_address_others_can_reach():
    assert served_address("localhost", 5000) == "http://localhost:5000"
    assert served_address("::1", 8000) == "http://[::1]:8000"
    wildcard = served_address("0.0.0.0", 8000)
    assert wildcard.startswith("http://") and wildcard.endswith(":8000") and "0.0.0.0" not in wildcard
