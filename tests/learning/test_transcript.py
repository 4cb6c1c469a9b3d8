"""The transcript: bundles, modules, dates and scores in the person's time zone, as a page, a CSV and a PDF;
and the time zone setting on the account page."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlmodel import select

from lms import db
from lms.auth.models import User
from lms.learning import services
from lms.learning.models import ActivityProgress, Enrolment, ModuleProgress, ProgressStatus
from lms.learning.transcript import CSV_HEADER, build
from tests.learning.conftest import main_html as main

LATE_EVENING = datetime(2026, 1, 5, 3, 30, tzinfo=UTC)  # still 4 January in New York


@pytest.fixture
def learner(session, make_user, principal_of):
    """Enrolled on the starter bundle (alpha, beta): alpha completed early on 5 January UTC with 80%."""
    user = make_user(name="Ada Lovelace")
    services.enrol(session, principal_of(user), user.id, "starter")
    session.add(ModuleProgress(user_id=user.id, module_id="alpha", module_version="1.0.0",
                               status=ProgressStatus.COMPLETED, completed_at=LATE_EVENING))
    session.add(ActivityProgress(user_id=user.id, module_id="alpha", activity_id="check", status=ProgressStatus.COMPLETED,
                                 score=80.0, completed_at=LATE_EVENING, state={}))
    enrolment = session.exec(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    enrolment.enrolled_at = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    session.add(enrolment)
    db.commit()
    return user


def set_zone(user, name: str) -> None:
    row = db.session().get(User, user.id)
    row.time_zone = name
    db.commit()


def test_the_transcript_lists_each_bundle_with_its_modules_dates_and_scores(learner):
    summary = build(db.session(), learner.id, LATE_EVENING)
    [bundle] = summary.bundles
    assert (bundle.title, bundle.status, bundle.completed_at) == ("Starter bundle", "In progress", None)
    assert [(m.title, m.status, m.score) for m in bundle.modules] == [
        ("Module alpha", "Completed", 80.0), ("Module beta", "Not started", None)]
    assert summary.time_zone == "Europe/London" and bundle.modules[0].completed_at.day == 5


def test_dates_are_shown_in_the_persons_time_zone(learner, login_as):
    set_zone(learner, "America/New_York")
    summary = build(db.session(), learner.id, LATE_EVENING)
    assert summary.bundles[0].modules[0].completed_at.strftime("%Y-%m-%d %H:%M") == "2026-01-04 22:30"
    page = main(login_as(learner).get("/my-learning-record/"))
    assert "Dates and times are in America/New York time" in page
    assert "4 January 2026" in page and "5 January 2026" not in page


def test_the_page_reads_as_a_transcript_with_no_none_recorded(learner, login_as):
    page = main(login_as(learner).get("/my-learning-record/"))
    assert "Starter bundle" in page and "In progress. Enrolled 2 January 2026" in page
    assert "Module alpha" in page and "80%" in page and "Module beta" in page and "Not started" in page
    assert "None recorded" not in page and "None" not in page
    assert "You do not hold a certificate yet" in page
    for link in ("/my-learning-record/transcript.pdf", "/my-learning-record/transcript.csv",
                 "/my-learning-record/download"):
        assert f'href="{link}"' in page


def test_the_csv_has_one_row_per_module(learner, login_as):
    response = login_as(learner).get("/my-learning-record/transcript.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="transcript-')
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == ",".join(CSV_HEADER)
    assert lines[1:] == ["Starter bundle,In progress,2026-01-02,,Module alpha,Completed,2026-01-05,80",
                         "Starter bundle,In progress,2026-01-02,,Module beta,Not started,,"]


def test_the_pdf_is_a_transcript_of_the_same_rows(learner, login_as):
    response = login_as(learner).get("/my-learning-record/transcript.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="transcript-')
    text = " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
    assert "Learning transcript" in text and "Ada Lovelace" in text
    assert "Dates are in Europe/London time" in text
    assert "Starter bundle In progress. Enrolled 2 January 2026" in text
    assert "Module alpha Completed 5 January 2026 80% Module beta Not started" in text


def test_someone_with_nothing_yet_gets_a_transcript_that_says_so(make_user, login_as):
    page = main(login_as(make_user()).get("/my-learning-record/"))
    assert "You have not enrolled on any training yet" in page and 'href="/catalogue"' in page


def test_the_account_page_sets_the_time_zone(learner, login_as):
    client = login_as(learner)
    account = main(client.get("/account"))
    assert '<option value="Europe/London" selected>Europe/London</option>' in account
    saved = client.post("/account/time-zone", data={"time_zone": "Asia/Kolkata"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/account"
    db.session().expire_all()
    assert db.session().get(User, learner.id).time_zone == "Asia/Kolkata"
    assert '<option value="Asia/Kolkata" selected>' in main(client.get("/account"))


@pytest.mark.parametrize("value", ["", "Mars/Olympus", "UTC\x00", "../../etc/passwd", "Europe/London" * 10, "localtime"])
def test_a_time_zone_not_in_the_list_is_refused_and_nothing_changes(learner, login_as, value):
    response = login_as(learner).post("/account/time-zone", data={"time_zone": value})
    assert response.status_code == 400
    db.session().expire_all()
    assert db.session().get(User, learner.id).time_zone == "Europe/London"
