"""Assessed evidence on the shipped content: the mid-career programme's workplace project, its people and files."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlmodel import select

from lms.auth.models import Role
from lms.db import utcnow
from lms.learning import services
from lms.learning.progress import record_for
from lms.xapi.models import XapiStatement
from tests.learning.conftest import finish_module
from tests.test_access_matrix import plugins, test_config  # noqa: F401  (the shipped content, as the demo runs it)

BUNDLE = "mid-career"
PROJECT = "midcareer-workplace-project"
ACTIVITY = "project"
ONLINE = ("midcareer-collaborative-leadership", "midcareer-whole-system", "midcareer-behaviours-and-culture",
          "midcareer-preparing-for-your-cohort")
COHORT = "midcareer-in-person-cohort"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63"
                    "f8ffff3f0005fe02fea7d6a5be0000000049454e44ae426082")


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal real Word document: content types naming the main document part, and the part itself."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def people(session, make_user, make_org):  # noqa: ANN001
    """A learner and their line manager, an assessor and an accreditor of their organisation, and an assessor elsewhere."""
    org, other = make_org(), make_org()
    manager = make_user(name="Mo Manager", roles=[Role.LEARNER, Role.ASSESSOR], org=org)
    learner = make_user(name="Lee Learner", org=org, line_manager_id=manager.id)
    assessor = make_user(name="Asha Assessor", roles=[Role.LEARNER, Role.ASSESSOR], org=org)
    accreditor = make_user(name="Ari Accreditor", roles=[Role.ACCREDITOR], org=org)
    outsider = make_user(name="Oz Outsider", roles=[Role.ASSESSOR], org=other)
    return {"learner": learner, "manager": manager, "assessor": assessor, "accreditor": accreditor,
            "outsider": outsider}


@pytest.fixture
def ready(session, people, principal_of):  # noqa: ANN001
    """The learner enrolled on the mid-career programme with its online modules done: only the project is left."""
    learner = principal_of(people["learner"])
    services.enrol(session, learner, learner.id, BUNDLE)
    finish_before_project(session, learner)
    return learner


def finish_before_project(session, principal) -> None:  # noqa: ANN001
    """The online modules done, and the in-person cohort attended (as a facilitator's register completes it)."""
    for module_id in ONLINE:
        finish_module(session, principal, BUNDLE, module_id)
    record_for(session, principal.id, None, BUNDLE, COHORT, "cohort", [], utcnow(), complete=True)
    session.flush()


def answers(**overrides: str) -> dict[str, list[str]]:
    content = services.catalog().module(PROJECT).activity(ACTIVITY).content
    values = {f"criterion-{c.id}": f"What I did for {c.id}: worked with the council's housing team." for c in content.criteria}
    values.update(overrides)
    return {k: [v] for k, v in values.items()}


def statements(session) -> list[dict]:  # noqa: ANN001
    return [json.loads(b) for b in session.exec(select(XapiStatement.body).order_by(XapiStatement.seq)).all()]


def verb_names(session) -> list[str]:  # noqa: ANN001
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements(session)]
