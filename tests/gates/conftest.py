"""Gate tests load tests/plugin_fixtures/gated with a fake credentials plugin in place of certificates/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.api import hookimpl
from lms.learning.gates import Credential
from tests.conftest import fixture_plugins

ISSUED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

# Rules over the gated fixture's bundles (the shipped defaults name bundles test content lacks).
RULES = {
    "band-8a": {"title": "Agenda for Change band 8a", "requires": {"certificate": "starter"}},
    "role-lead": {"title": "Service lead",
                  "requires": {"all": [{"certificate": "starter"}, {"standard": "S-THREE"}]}},
}


def cert(bundle_id: str, status: str = "valid", *, issued: datetime = ISSUED, expires: datetime | None = None,
         standards: tuple[str, ...] = (), revoked: datetime | None = None, title: str | None = None) -> Credential:
    return Credential("certificate", bundle_id, title or bundle_id.capitalize(), status, issued, expires,
                      standards, revoked)


class FakeCredentials:
    """Stands in for the certificate plugin: hands out whatever credentials a test gives a person."""

    def __init__(self) -> None:
        self.held: dict[int, list[Credential]] = {}
        self.calls = 0

    def give(self, user, *credentials: Credential) -> None:  # noqa: ANN001
        self.held.setdefault(user.id, []).extend(credentials)

    @hookimpl
    def lms_credentials(self, session, user_id: int) -> list[Credential]:  # noqa: ANN001
        self.calls += 1
        return list(self.held.get(user_id, []))


@pytest.fixture
def credentials() -> FakeCredentials:
    return FakeCredentials()


@pytest.fixture
def plugins(credentials):  # noqa: ANN001
    return fixture_plugins("gated", hook_objects=[credentials])


@pytest.fixture
def test_config(test_config):  # noqa: ANN001
    return {**test_config, "ADVANCEMENT_RULES": RULES}
