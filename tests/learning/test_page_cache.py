"""Personal pages kept per worker: served again only while nothing of the person's has changed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from lms import db, learning_versions, pages
from lms.auth.models import Role, RoleAssignment, User
from lms.learning import services
from lms.web import CSRF_MESSAGE
from lms.learning.models import Enrolment, ModuleProgress, ProgressStatus
from tests.learning.conftest import finish_module, main_html as main


@pytest.fixture
def builds(monkeypatch):
    """How many times the dashboard was built (not served from the store)."""
    calls = []
    real = services.dashboard
    monkeypatch.setattr(services, "dashboard", lambda *args: calls.append(args) or real(*args))
    return calls


def autocommit(connection) -> bool:  # noqa: ANN001
    """A reading connection in autocommit: SQLAlchemy still reports a begin when it first runs a query, yet
    the database begins no transaction (lms.db.read_connection)."""
    options = connection.get_execution_options()
    return bool(options.get("lms_autocommit")) or options.get("isolation_level") == "AUTOCOMMIT"


def version_of(user: User) -> int:
    return db.session().exec(select(User.learning_version).where(User.id == user.id)).one()


def test_a_revisit_is_served_without_building_the_page_again(session, make_user, login_as, builds):
    user = make_user()
    services.assign_new_joiner(session, user, None)
    client = login_as(user)
    first, second = main(client.get("/")), main(client.get("/"))
    assert len(builds) == 1 and first == second and "Starter bundle" in first


@pytest.mark.speedups_off("sqlalchemy")  # counted by SQLAlchemy's events, which reads on the raw cursor skip
def test_a_kept_page_costs_one_query_and_no_transaction(session, make_user, login_as):
    user = make_user()
    services.assign_new_joiner(session, user, None)
    client = login_as(user)
    client.get("/")
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (before_cursor_execute's statement)
    event.listen(db.engine(), "before_cursor_execute", listener)
    try:
        assert "Starter bundle" in main(client.get("/"))
    finally:
        event.remove(db.engine(), "before_cursor_execute", listener)
    # Who is signed in, with their learning version: no BEGIN, no COMMIT, nothing of the page's own.
    assert len(statements) == 1 and statements[0].lstrip().startswith("SELECT users.id")


@pytest.mark.parametrize(("path", "shown", "queries"), [
    ("/", "0 of 2 modules done", 4),  # who is signed in, their enrolments, done modules, unread messages
    ("/learning/starter/alpha/lesson", "page 1 of", 3),  # who is signed in, the enrolment, the place in the lesson
])
@pytest.mark.speedups_off("sqlalchemy")  # counted by SQLAlchemy's events, which reads on the raw cursor skip
def test_a_rendered_page_that_only_reads_opens_no_transaction(app, session, make_user, login_as, path, shown, queries):
    user = make_user()
    services.assign_new_joiner(session, user, None)
    client = login_as(user)
    db.commit()  # the test's own transaction ends, as a request's would
    app.extensions.pop("lms.pages")  # no store: every visit is rendered
    statements, begun = [], []
    listeners = (("before_cursor_execute", lambda *args: statements.append(args[2])),
                 ("begin", lambda conn: autocommit(conn) or begun.append(conn)))
    for name, listener in listeners:
        event.listen(db.engine(), name, listener)
    try:
        assert shown in main(client.get(path))
    finally:
        for name, listener in listeners:
            event.remove(db.engine(), name, listener)
    # No transaction begun, so no ORM session was used.
    assert [s.split()[0] for s in statements] == ["SELECT"] * queries and begun == []


def test_progress_shows_at_once_after_a_step(session, make_user, login_as, principal_of, builds):
    user = make_user()
    services.assign_new_joiner(session, user, None)
    client = login_as(user)
    assert "0 of 2 modules done" in main(client.get("/"))
    finish_module(session, principal_of(user), "starter", "alpha")
    assert "1 of 2 modules done" in main(client.get("/"))
    assert len(builds) == 2


def test_a_change_committed_by_another_worker_shows_at_once(app, session, make_user, login_as, builds):
    user = make_user()
    services.assign_new_joiner(session, user, None)
    client = login_as(user)
    assert "0 of 2 modules done" in main(client.get("/"))
    with Session(db.engine()) as other:  # another process's connection and transaction
        other.add(ModuleProgress(user_id=user.id, module_id="alpha", module_version="1.0.0",
                                 status=ProgressStatus.COMPLETED, started_at=db.utcnow(), completed_at=db.utcnow()))
        other.commit()
    assert "1 of 2 modules done" in main(client.get("/"))


def test_each_person_gets_their_own_page(session, make_user, login_as):
    alice, bob = make_user(name="Alice Example"), make_user(name="Bob Example")
    services.assign_new_joiner(session, alice, None)
    assert "Starter bundle" in main(login_as(alice).get("/"))
    page = login_as(bob).get("/").get_data(as_text=True)
    assert "Bob Example" in page and "Alice Example" not in page and "Starter bundle" not in page


def test_a_core_update_names_the_people_it_changed(session, make_user, login_as, builds):
    user = make_user()
    client = login_as(user)
    client.get("/")
    learning_versions.touch_people(session, [user.id])  # what a Core UPDATE of a person's rows does (certificate revocation)
    db.commit()
    client.get("/")
    assert len(builds) == 2


def test_every_transaction_that_changes_a_persons_rows_bumps_their_version_once(session, make_user, principal_of):
    user = make_user()
    db.commit()
    before = version_of(user)
    session.add(RoleAssignment(user_id=user.id, organisation_id=user.organisation_id, role=Role.ASSESSOR))
    session.flush()
    enrolment = services.enrol(session, principal_of(user), user.id, "electives")
    session.flush()
    db.commit()
    assert version_of(user) == before + 1
    session.delete(session.get(Enrolment, enrolment.id))
    db.commit()
    assert version_of(user) == before + 2


def test_a_bump_rolled_back_with_its_savepoint_is_made_again(session, make_user):
    user = make_user()
    db.commit()
    before = version_of(user)
    savepoint = session.begin_nested()
    session.add(RoleAssignment(user_id=user.id, organisation_id=user.organisation_id, role=Role.ASSESSOR))
    session.flush()
    savepoint.rollback()
    session.add(RoleAssignment(user_id=user.id, organisation_id=user.organisation_id, role=Role.FACILITATOR))
    db.commit()
    assert version_of(user) == before + 1


def test_writes_to_rows_of_nobody_in_particular_bump_nothing(session, make_user, make_org):
    user = make_user()
    db.commit()
    before = version_of(user)
    make_org(name="Another organisation")
    db.commit()
    assert version_of(user) == before


def test_a_kept_page_has_a_fresh_script_nonce_and_a_form_token_of_its_own_session(app, session, make_user, login_as,
                                                                                 principal_of):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    services.enrol(session, principal_of(user), user.id, "starter")
    url = "/learning/starter/alpha/lesson"
    phone = login_as(user)
    first, kept = phone.get(url), phone.get(url)
    nonces = [re.search(r'nonce="([^"]+)"', r.get_data(as_text=True)).group(1) for r in (first, kept)]
    assert nonces[0] != nonces[1] and f"'nonce-{nonces[1]}'" in kept.headers["Content-Security-Policy"]
    laptop = app.test_client()  # the same person signed in elsewhere: another session, another CSRF secret
    with laptop.session_transaction() as other:
        other["_user_id"], other["_fresh"] = principal_of(user).get_id(), True
    db.commit()  # the test's own transaction would hold SQLite's write lock against the requests below
    kept_pages = {}
    for client in (phone, laptop):  # both at the same learning version: only the session tells them apart
        with app.app_context():  # as each request has its own in production (Flask-WTF keeps the token in g)
            client.get(url)
            kept_pages[client] = client.get(url).get_data(as_text=True)
    for client in (laptop, phone):
        page = kept_pages[client]
        assert "\x00" not in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        with app.app_context():
            response = client.post(url, data={"csrf_token": token, "action": "next", "page": "1"})
        assert CSRF_MESSAGE not in response.get_data(as_text=True) and response.status_code == 302


def test_a_flashed_message_is_shown_once_and_never_kept(make_user, login_as):
    client = login_as(make_user())
    client.post("/catalogue/electives/enrol")
    assert "You are enrolled on Electives bundle" in main(client.get("/learning/electives"))
    assert "You are enrolled on Electives bundle" not in main(client.get("/learning/electives"))  # now kept
    client.post("/catalogue/electives/enrol")  # changes nothing, but leaves a message to show
    assert "already enrolled" in main(client.get("/learning/electives"))
    assert "already enrolled" not in main(client.get("/learning/electives"))


def test_without_a_store_every_visit_builds_the_page(app, make_user, login_as, builds):
    del app.extensions["lms.pages"]  # what PAGE_CACHE_MB = 0 gives
    client = login_as(make_user())
    client.get("/"), client.get("/")
    assert len(builds) == 2


def test_the_store_forgets_pages_after_their_age_limit_and_refuses_pages_larger_than_itself():
    now = [0.0]
    store = pages.PageStore(max_chars=100, seconds=60, timer=lambda: now[0])
    store.put(("k",), "page")
    now[0] = 59
    assert store.get(("k",)) == "page"
    now[0] = 61
    assert store.get(("k",)) is None
    store.put(("big",), "x" * 101)
    assert store.get(("big",)) is None
