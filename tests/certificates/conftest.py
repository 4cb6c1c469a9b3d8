"""Certificate tests: the certified fixture content with the plugin loaded, one signing key per run, and
helpers that complete a bundle through the learning services so issuance runs the real way."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from werkzeug.serving import make_server

import certificates.plugin
from certificates import signing
from certificates.models import Certificate
from lms import db
from lms.auth.security import load_principal
from lms.learning import services as learning
from lms.learning.models import ModuleProgress, ProgressStatus
from tests.conftest import fixture_plugins

ISSUER = "Test Issuing Body"


@pytest.fixture(scope="session")
def signing_files(tmp_path_factory) -> tuple[Path, Path]:
    """A demo issuer authority made once per test run (RSA key generation takes about a second)."""
    return signing.keygen(tmp_path_factory.mktemp("keys"), ISSUER)


@pytest.fixture
def test_config(test_config, signing_files) -> dict:  # noqa: ANN001
    p12, _ = signing_files
    return {**test_config, "CERTIFICATE_SIGNING_P12": str(p12), "CERTIFICATE_ISSUER_NAME": ISSUER}


@pytest.fixture
def plugins():
    return fixture_plugins("certified", hook_objects=[certificates.plugin])


@pytest.fixture
def instance(app) -> Path:  # noqa: ANN001
    return Path(app.instance_path)


def mark_done(session, user_id: int, module_ids) -> None:  # noqa: ANN001
    from lms.api import catalog

    done = set(session.exec(select(ModuleProgress.module_id).where(ModuleProgress.user_id == user_id)).all())
    for module_id in set(module_ids) - done:
        session.add(ModuleProgress(user_id=user_id, module_id=module_id, module_version=catalog().module(module_id).version,
                                   status=ProgressStatus.COMPLETED, completed_at=db.utcnow()))
    session.flush()


@pytest.fixture
def complete(session):  # noqa: ANN001
    """Complete a bundle the way the platform does (enrol with its modules done) and commit, which runs the
    after-commit rendering; returns the certificate issued (refreshed), or None."""

    def _complete(user, bundle_id: str = "certified", commit: bool = True) -> Certificate | None:  # noqa: ANN001
        from lms.api import catalog

        mark_done(session, user.id, catalog().bundle(bundle_id).all_module_ids)
        learning.enrol(session, load_principal(session, user.id), user.id, bundle_id)
        if commit:
            db.commit()
        certificate = session.exec(select(Certificate).where(Certificate.user_id == user.id,
                                                             Certificate.bundle_id == bundle_id)
                                   .order_by(Certificate.id.desc())).first()
        if certificate is not None:
            session.refresh(certificate)
        if commit:
            db.commit()  # end the read: on SQLite an open transaction here would hold the write lock
        return certificate

    return _complete


@pytest.fixture
def principal(session):  # noqa: ANN001
    def _principal(user):  # noqa: ANN001
        session.flush()
        return load_principal(session, user.id)

    return _principal


def serve(wsgi_app) -> Iterator[str]:  # noqa: ANN001
    """Serve a WSGI app on a free port of 127.0.0.1 from a thread; yields its base address (for fixtures)."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
