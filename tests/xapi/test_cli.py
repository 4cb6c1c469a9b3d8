"""``lms xapi client create|list|revoke`` and the statement-recorded hook."""

from __future__ import annotations

import pytest

from lms.api import hookimpl
from lms.xapi.cli import xapi_group
from tests.conftest import fixture_plugins
from tests.xapi.conftest import Lrs, basic, statement


def run(app, *args: str):  # noqa: ANN001, ANN201
    return app.test_cli_runner().invoke(xapi_group, list(args))


def test_create_prints_credentials_that_work(app, client):  # noqa: ANN001
    result = run(app, "client", "create", "Demo", "--key", "demo-lrs", "--secret", "demo-password",
                 "--scope", "statements/write", "--scope", "statements/read/mine")
    assert result.exit_code == 0, result.output
    assert "key: demo-lrs\nsecret: demo-password" in result.output
    lrs = Lrs(client, "demo-lrs")
    response = client.post("/xapi/statements", json=statement(),
                           headers={"Authorization": basic("demo-lrs", "demo-password"),
                                    "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 200
    assert lrs.key == "demo-lrs"


def test_create_generates_a_key_and_secret(app):  # noqa: ANN001
    result = run(app, "client", "create", "Generated")
    assert result.exit_code == 0
    lines = dict(line.split(": ", 1) for line in result.output.strip().splitlines())
    assert len(lines["key"]) >= 12 and len(lines["secret"]) >= 24
    assert lines["scopes"] == "all"


def test_list_and_revoke(app):  # noqa: ANN001
    run(app, "client", "create", "Tool", "--key", "tool")
    assert "tool\tTool\tall\tactive" in run(app, "client", "list").output
    assert run(app, "client", "revoke", "tool").exit_code == 0
    assert "revoked" in run(app, "client", "list").output
    unknown = run(app, "client", "revoke", "nobody")
    assert unknown.exit_code != 0 and "No client has key nobody" in unknown.output


def test_bad_input_is_refused(app):  # noqa: ANN001
    run(app, "client", "create", "Tool", "--key", "tool")
    assert "already exists" in run(app, "client", "create", "Again", "--key", "tool").output
    bad = run(app, "client", "create", "Tool", "--scope", "everything")
    assert bad.exit_code != 0 and "Scopes must be" in bad.output
    assert "No LRS clients" not in run(app, "client", "list").output


class Recorder:
    def __init__(self) -> None:
        self.seen: list[dict] = []

    @hookimpl
    def lms_statement_recorded(self, session, statement):  # noqa: ANN001
        self.seen.append(statement)


RECORDER = Recorder()


@pytest.fixture
def plugins():  # noqa: ANN201
    RECORDER.seen.clear()
    return fixture_plugins("basic", hook_objects=[RECORDER])


def test_plugins_hear_each_stored_statement(lrs):  # noqa: ANN001
    ids = lrs.store(statement(), statement())
    lrs.store(statement(id=ids[0]))  # already stored: not recorded again
    assert [s["id"] for s in RECORDER.seen] == ids
    assert all("stored" in s for s in RECORDER.seen)


def test_ensure_makes_the_demo_client_idempotently(app, client, session):  # noqa: ANN001
    from lms import db
    from lms.xapi import clients

    clients.ensure(session, None, "Demo LRS client", "demo-lrs", "first-secret")
    clients.revoke(session, None, "demo-lrs")
    again = clients.ensure(session, None, "Demo LRS client", "demo-lrs", "demo-password")
    db.commit()
    assert again.is_active
    headers = {"Authorization": basic("demo-lrs", "demo-password"), "X-Experience-API-Version": "1.0.3"}
    assert client.get("/xapi/statements", headers=headers).status_code == 200
    assert "demo-lrs" in run(app, "client", "list").output


class Writer:
    """A plugin that writes in the statement's transaction through the session it is given."""

    @hookimpl
    def lms_statement_recorded(self, session, statement):  # noqa: ANN001
        from lms.audit.models import AuditEvent

        session.add(AuditEvent(actor_id=None, action="statement.seen", target=statement["id"], detail={}))


def test_a_plugin_writes_in_the_same_transaction(app, lrs, session):  # noqa: ANN001
    from sqlmodel import select

    from lms.audit.models import AuditEvent

    app.extensions["lms.plugins"].register(Writer())
    (kept,) = lrs.store(statement())
    assert lrs.post([statement(), statement(verb={"id": "bad"})]).status_code == 400
    targets = [e.target for e in session.exec(select(AuditEvent).where(AuditEvent.action == "statement.seen"))]
    assert targets == [kept]
