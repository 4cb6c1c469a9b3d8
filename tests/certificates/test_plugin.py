"""The plugin's wiring: bundle validation of certificate templates, production safety, the demo, and an access
matrix of every certificate URL."""

from __future__ import annotations

import shutil

import pytest
from sqlmodel import select

import certificates.plugin
from certificates import codes
from certificates.models import Certificate
from lms import db
from lms.api import ContentError
from lms.app import create_app
from lms.auth.models import Role, User
from lms.plugins.discovery import PluginSet
from tests.conftest import FIXTURES, PRODUCTION_SETTINGS


def test_a_bundle_naming_a_missing_certificate_template_is_refused_at_start(tmp_path, test_config):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "certified", content)
    toml = content / "bundles" / "certified" / "bundle.toml"
    toml.write_text(toml.read_text().replace('template = "standard"', 'template = "fancy"'))
    plugins = PluginSet.from_paths(content / "bundles", [content / "modules"], [certificates.plugin])
    with pytest.raises(ContentError) as caught:
        create_app(test_config, plugins=plugins)
    message = str(caught.value)
    assert "bundle.toml: certificate.template: no certificate template 'fancy'" in message
    assert "(known: standard)" in message


def test_production_refuses_to_sign_with_a_demo_key(test_config, plugins):
    config = {**test_config, **PRODUCTION_SETTINGS, "CERTIFICATE_SIGNING_P12": "", "SESSION_COOKIE_SECURE": True}
    with pytest.raises(RuntimeError, match="CERTIFICATE_SIGNING_P12 is not set"):
        create_app(config, plugins=plugins)


def test_without_a_configured_key_development_creates_a_demo_authority(app, complete, make_user, instance):
    app.extensions["certificates.settings"] = certificates.production.Settings.from_config(
        {**app.config, "CERTIFICATE_SIGNING_P12": ""})
    certificate = complete(make_user())
    assert certificate.pdf_sha256 is not None
    assert (instance / "certificate-keys" / "demo-signing.p12").exists()
    assert (instance / "certificate-keys" / "demo-issuer-ca.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE")


def test_keygen_command_creates_and_keeps_the_demo_key(app, instance):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["certificates", "keygen"])
    assert first.exit_code == 0 and "demo-signing.p12" in first.output
    key = (instance / "certificate-keys" / "demo-signing.p12").read_bytes()
    again = runner.invoke(args=["certificates", "keygen"])
    assert "already exists" in again.output
    assert (instance / "certificate-keys" / "demo-signing.p12").read_bytes() == key


def test_the_demo_has_a_manager_with_a_certificate_and_one_revoked(app, session, make_user, instance):
    manager = make_user(email="manager@example.org", name="Morgan Ellis")
    accreditor = make_user(email="accreditor@example.org", roles=[Role.ACCREDITOR])
    certificates.plugin.lms_demo_data(session=session, people={"manager@example.org": manager,
                                                                "accreditor@example.org": accreditor})
    db.commit()
    held = session.exec(select(Certificate).where(Certificate.user_id == manager.id)).one()
    session.refresh(held)
    assert held.status(db.utcnow()).value == "valid" and (instance / held.pdf_path).is_file()
    other = session.exec(select(User).where(User.email == "revoked.manager@example.org")).one()
    revoked = session.exec(select(Certificate).where(Certificate.user_id == other.id)).one()
    session.refresh(revoked)
    assert revoked.status(db.utcnow()).value == "revoked" and revoked.revoked_by_id == accreditor.id
    assert (instance / revoked.pdf_path).is_file()


# Every certificate URL against every kind of visitor.

ANON, LEARNER, HOLDER, ORG_ADMIN, OTHER_ADMIN, ACCREDITOR, PLATFORM = (
    "anonymous", "learner", "holder", "org admin", "other org admin", "accreditor", "platform admin")
VISITORS = (ANON, LEARNER, HOLDER, ORG_ADMIN, OTHER_ADMIN, ACCREDITOR, PLATFORM)
MATRIX = {  # path template -> expected status per visitor, in VISITORS order
    "/verify": (200,) * 7,
    "/verify/{code}": (200,) * 7,
    "/verify/upload": (200,) * 7,
    "/api/v1/certificates/{code}": (200,) * 7,
    "/certificates": (302, 200, 200, 200, 200, 200, 200),
    "/certificates/{code}.pdf": (302, 403, 200, 200, 403, 200, 200),
    "/certificates/{code}/revoke": (302, 403, 403, 403, 403, 200, 200),
    "/certificates/organisations/{org}": (302, 403, 403, 200, 403, 200, 200),
    "/certificates/organisations/{org}/certificates.zip": (302, 403, 403, 200, 403, 200, 200),
}


@pytest.mark.parametrize("path", list(MATRIX))
def test_access_matrix(client, login_as, complete, make_user, make_org, path):
    org = make_org()
    holder = make_user(org=org)
    certificate = complete(holder)
    people = {
        LEARNER: make_user(org=org), HOLDER: holder, ORG_ADMIN: make_user(roles=[Role.ORG_ADMIN], org=org),
        OTHER_ADMIN: make_user(roles=[Role.ORG_ADMIN], org=make_org()),
        ACCREDITOR: make_user(roles=[Role.ACCREDITOR], org=org), PLATFORM: make_user(roles=[Role.PLATFORM_ADMIN]),
    }
    url = path.format(code=codes.display(certificate.code), org=org.id)
    seen = []
    for visitor in VISITORS:
        if visitor == ANON:
            with client.session_transaction() as flask_session:
                flask_session.clear()
        else:
            login_as(people[visitor])
        with client.get(url) as response:
            seen.append(response.status_code)
    assert tuple(seen) == MATRIX[path]


def test_managers_get_a_header_link_and_an_admin_menu_entry(app, client, login_as, make_user):
    from flask_login import login_user

    from certificates.plugin import lms_template_slot
    from lms.auth.security import load_principal

    learner, accreditor = make_user(), make_user(roles=[Role.ACCREDITOR])
    login_as(learner)
    page = client.get("/certificates").get_data(as_text=True)
    assert "My certificates" in page and "Certificate records" not in page
    login_as(accreditor)
    assert "Certificate records" in client.get("/certificates").get_data(as_text=True)
    with app.test_request_context("/"):
        manager = load_principal(db.session(), accreditor.id)
        login_user(manager)
        assert "/certificates/organisations" in lms_template_slot(slot="admin_menu", context={"user": manager})
        assert lms_template_slot(slot="admin_menu", context={"user": load_principal(db.session(), learner.id)}) is None


def test_the_dashboard_counts_the_certificates_a_learner_holds(client, login_as, complete, make_user, principal, session):
    from certificates import services
    from certificates.plugin import verify_url

    learner = make_user()
    login_as(learner)
    assert "Certificates" not in client.get("/").get_data(as_text=True)
    old = complete(learner)
    assert "You hold 1 certificate." in client.get("/").get_data(as_text=True)
    learner.name = "Jo Renamed"
    session.add(learner)
    services.reissue(session, principal(learner), old.code, verify_url)
    db.commit()
    page = client.get("/").get_data(as_text=True)
    assert "You hold 1 certificate." in page, "a certificate replaced by a re-issue is not counted"
    assert 'href="/certificates"' in page
