"""Notices: one per person per event, in the transaction of the change, shown on the person's messages page."""

from __future__ import annotations

from sqlmodel import select

from lms import db
from lms.notices.models import Notice
from lms.notices.services import mark_read, messages, notify, unread_count


def tell(session, user, key: str = "booking.confirmed:1", **fields):  # noqa: ANN001, ANN003, ANN201
    values = {"subject": "Your place is booked", "body": "You have a place.\n\nSee you there.", "link": "/", **fields}
    return notify(session, user.id, "booking.confirmed", dedupe_key=key, **values)


def test_the_same_event_tells_a_person_once(session, make_user):  # noqa: ANN001
    someone, other = make_user(), make_user()
    assert tell(session, someone) is not None
    assert tell(session, someone) is None  # the same event again: no second notice
    assert tell(session, other) is not None  # the same event for someone else: their own
    assert tell(session, someone, key="booking.confirmed:2") is not None
    assert [n.dedupe_key for n in messages(session, someone.id)] == [f"{someone.id}:booking.confirmed:2",
                                                                     f"{someone.id}:booking.confirmed:1"]


def test_a_notice_rolls_back_with_the_change_it_tells_of(app, session, make_user):  # noqa: ANN001
    someone = make_user()
    db.commit()
    tell(db.session(), someone)
    db.rollback()
    assert db.session().exec(select(Notice)).all() == []


def test_unread_counts_and_marking_read(session, make_user):  # noqa: ANN001
    someone = make_user()
    first, second = tell(session, someone, "a"), tell(session, someone, "b")
    assert unread_count(session.connection(), someone.id) == 2
    assert mark_read(session, someone.id, first.id) == 1
    assert unread_count(session.connection(), someone.id) == 1
    assert mark_read(session, someone.id) == 1
    assert unread_count(session.connection(), someone.id) == 0
    assert second.read_at is not None


def test_the_messages_page_shows_a_persons_own_and_marks_them_read(client, login_as, session, make_user):  # noqa: ANN001
    someone, other = make_user(), make_user()
    tell(session, someone, subject="Your place on the Leeds cohort is confirmed")
    theirs = tell(session, other, subject="Someone else's booking")
    browser = login_as(someone)
    page = browser.get("/messages").get_data(as_text=True)
    assert "Your place on the Leeds cohort is confirmed" in page and "See you there." in page
    assert "Someone else&#39;s booking" not in page
    assert browser.post(f"/messages/{theirs.id}/read").status_code == 404  # not theirs: no such message
    assert theirs.read_at is None
    assert browser.post("/messages/read").status_code == 302
    assert unread_count(db.reader(), someone.id) == 0


def test_the_dashboard_counts_new_messages_and_stops_once_read(client, login_as, session, make_user):  # noqa: ANN001
    someone = make_user()
    browser = login_as(someone)
    assert "new message" not in browser.get("/").get_data(as_text=True)
    tell(session, someone, "a")
    tell(session, someone, "b")
    db.commit()
    assert "You have 2 new messages" in browser.get("/").get_data(as_text=True)  # the kept page is stale
    browser.post("/messages/read")
    assert "new message" not in browser.get("/").get_data(as_text=True)
