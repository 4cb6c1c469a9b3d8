"""The evidence pages over HTTP: attaching files (refused by content, size or shape with a clear message and
nothing stored), files served only as attachments, a double-clicked submit, and assessors' refusals."""

from __future__ import annotations

import io

from sqlmodel import func, select

from lms.evidence.models import EvidenceFile, Submission
from tests.evidence.conftest import ACTIVITY, BUNDLE, PDF, PROJECT, answers, docx
from tests.evidence.test_assessment import _decide, _only, _submit

ACTIVITY_URL = f"/learning/{BUNDLE}/{PROJECT}/{ACTIVITY}"
UPLOAD_URL = f"/evidence/{BUNDLE}/{PROJECT}/{ACTIVITY}/files"


def _upload(client, name: str, data: bytes):  # noqa: ANN001, ANN202
    return client.post(UPLOAD_URL, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _files(session) -> int:  # noqa: ANN001
    return session.exec(select(func.count()).select_from(EvidenceFile)).one()


def test_a_pdf_is_attached_and_served_only_as_an_attachment(session, people, ready, login_as, app) -> None:  # noqa: ANN001
    client = login_as(people["learner"])
    response = _upload(client, "project summary.pdf", PDF)
    assert response.status_code == 302
    row = session.exec(select(EvidenceFile)).one()
    assert (row.name, row.media_type) == ("project summary.pdf", "application/pdf")
    assert "project summary.pdf" in client.get(ACTIVITY_URL).get_data(as_text=True)
    served = client.get(f"/evidence/files/{row.id}")
    assert served.status_code == 200 and served.data == PDF
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    served.close()  # a file response holds its file open until closed
    assert login_as(people["outsider"]).get(f"/evidence/files/{row.id}").status_code == 404


def test_bad_files_get_a_clear_message_and_nothing_is_stored(session, people, ready, login_as, app) -> None:  # noqa: ANN001
    client = login_as(people["learner"])
    program = _upload(client, "report.pdf", b"MZ\x90\x00" + b"\x00" * 500)
    assert program.status_code == 400
    assert "must be a PDF, a Word document" in program.get_data(as_text=True)
    bomb = _upload(client, "cv.docx", docx({"word/media/zeros.bin": b"\x00" * (100 * 1024 * 1024)}))
    assert bomb.status_code == 400 and "opened safely" in bomb.get_data(as_text=True)
    assert _files(session) == 0
    assert session.exec(select(func.count()).select_from(Submission)).one() == 0


def test_an_80_mb_upload_is_refused_before_it_is_read(session, people, ready, login_as) -> None:  # noqa: ANN001
    client = login_as(people["learner"])
    body = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="video.pdf"\r\n\r\n'
            + b"\x00" * (80 * 1024 * 1024) + b"\r\n--x--\r\n")
    response = client.post(UPLOAD_URL, data=body, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "larger than the service accepts" in response.get_data(as_text=True)
    assert _files(session) == 0


def test_a_double_clicked_submit_submits_once(session, people, ready, login_as) -> None:  # noqa: ANN001
    client = login_as(people["learner"])
    form = {k: v[0] for k, v in answers().items()} | {"action": "submit"}
    first, second = client.post(ACTIVITY_URL, data=form), client.post(ACTIVITY_URL, data=form)
    assert first.status_code == second.status_code == 302
    assert "already submitted" in client.get(ACTIVITY_URL).get_data(as_text=True)
    assert [(s.attempt, s.status) for s in session.exec(select(Submission)).all()] == [(1, "submitted")]


def test_an_empty_submission_is_a_400_naming_the_criterion(session, people, ready, login_as) -> None:  # noqa: ANN001
    response = login_as(people["learner"]).post(ACTIVITY_URL, data={"action": "submit"})
    assert response.status_code == 400
    assert "Say how your evidence meets this criterion" in response.get_data(as_text=True)
    assert session.exec(select(func.count()).select_from(Submission)).one() == 0


def test_an_assessor_decides_through_the_page_and_cannot_decide_twice(session, people, ready, login_as,  # noqa: ANN001
                                                                     principal_of) -> None:
    _submit(session, ready)
    submission_id = _only(session).id
    client = login_as(people["assessor"])
    assert "Lee Learner" in client.get("/assessment").get_data(as_text=True)
    form = {"outcome": "accept", "feedback": "Well evidenced."}
    from lms.evidence.assessment import catalog

    for criterion in catalog().module(PROJECT).activity(ACTIVITY).content.criteria:
        form[f"met-{criterion.id}"] = "yes"
    missing = client.post(f"/assessment/submissions/{submission_id}", data={"outcome": "accept"})
    assert missing.status_code == 400 and "Say whether this criterion is met" in missing.get_data(as_text=True)
    assert client.post(f"/assessment/submissions/{submission_id}", data=form).status_code == 302
    session.expire_all()
    assert session.get(Submission, submission_id).status == "accepted"
    again = client.post(f"/assessment/submissions/{submission_id}", data=form, follow_redirects=True)
    assert "already been decided" in again.get_data(as_text=True)
    assert login_as(people["manager"]).get(f"/assessment/submissions/{submission_id}").status_code == 403
