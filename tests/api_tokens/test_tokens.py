"""API tokens: created once and printed once, stored hashed, scoped, revoked, audited."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lms.api_tokens import services
from lms.api_tokens.cli import api_token
from lms.api_tokens.models import ApiToken
from lms.audit.models import AuditEvent
from lms.errors import Conflict, DomainError, NotFound


def run(app, *args: str):  # noqa: ANN001, ANN201
    return app.test_cli_runner().invoke(api_token, list(args))


def audit_actions(session) -> list[tuple[str, str, int | None]]:  # noqa: ANN001
    return [(e.action, e.target, e.actor_id) for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_create_prints_the_token_once_and_stores_only_its_hash(app, session, make_org, make_user):
    org = make_org(code="RX1")
    admin = make_user(email="admin@example.org", org=org)
    result = run(app, "create", "HR system", "--organisation", "RX1", "--by", "admin@example.org")
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("lms_") and len(secret) > 40
    token = session.exec(select(ApiToken)).one()
    assert token.name == "HR system" and token.organisation_id == org.id and token.created_by_id == admin.id
    assert token.token_hash == services.hash_token(secret) and secret not in repr(token.model_dump())
    assert audit_actions(session) == [("api_token.created", f"api_token:{token.id}", admin.id)]
    assert services.authenticate(session, secret) == token


def test_a_platform_wide_token(app, session):
    result = run(app, "create", "Regional workforce data")
    assert result.exit_code == 0 and "for the whole platform" in result.output
    assert session.exec(select(ApiToken)).one().organisation_id is None


@pytest.mark.parametrize(("args", "message"), [
    (("create", "   "), "Error: Give the token a name, such as the system that will use it"),
    (("create", "x" * 101), "Error: The name must be 100 characters or fewer"),
    (("create", "HR", "--organisation", "NOPE"), "Error: There is no organisation with code 'NOPE'"),
    (("create", "HR", "--by", "nobody@example.org"), "Error: There is no person with e-mail address"),
    (("revoke", "42"), "Error: There is no API token with id 42"),
])
def test_bad_input_is_refused_and_changes_nothing(app, session, args, message):
    result = run(app, *args)
    assert result.exit_code == 1 and message in result.output
    assert session.exec(select(ApiToken)).all() == [] and audit_actions(session) == []


def test_revoke_stops_the_token_and_is_audited_once(app, session):
    secret = run(app, "create", "HR").output.strip().splitlines()[-1]
    token = session.exec(select(ApiToken)).one()
    result = run(app, "revoke", str(token.id))
    assert result.exit_code == 0 and f"Revoked API token {token.id} (HR)" in result.output
    session.refresh(token)
    assert token.revoked_at is not None and services.authenticate(session, secret) is None
    again = run(app, "revoke", str(token.id))
    assert again.exit_code == 1 and "was already revoked" in again.output
    assert [a for a, _, _ in audit_actions(session)] == ["api_token.created", "api_token.revoked"]


def test_list_shows_tokens_without_secrets(app, session, make_org):
    make_org(code="RX9")
    secret = run(app, "create", "HR", "--organisation", "RX9").output.strip().splitlines()[-1]
    run(app, "create", "Talent")
    listing = run(app, "list").output
    assert "HR\torganisation RX9\tactive\tnever used" in listing
    assert "Talent\tplatform-wide\tactive" in listing and secret not in listing


def test_services_refuse_directly_too(session):
    with pytest.raises(DomainError, match="Give the token a name"):
        services.create(session, "")
    with pytest.raises(NotFound):
        services.revoke(session, 1)
    issued = services.create(session, "HR")
    services.revoke(session, issued.token.id)
    with pytest.raises(Conflict):
        services.revoke(session, issued.token.id)


@pytest.mark.parametrize(("header", "secret"), [
    ("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None), ("Bearer", None), ("Bearer a b", None),
    ("", None), ("abc", None),
])
def test_bearer_header_parsing(header, secret):
    assert services.bearer_secret(header) == secret
