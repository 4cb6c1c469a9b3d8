"""Line managers: reports one level and all levels down, and the rules a line manager must meet."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lms.audit.models import AuditEvent
from lms.errors import DomainError, NotFound
from lms.people.hierarchy import manages, reports_of, set_line_manager


@pytest.fixture
def team(session, make_org, make_user):  # noqa: ANN001
    """A chief with two heads of service; one head has two team members, one of whom leads a deputy."""
    org = make_org()
    people = {name: make_user(name=name, org=org) for name in ("chief", "head1", "head2", "member1", "member2",
                                                             "deputy")}
    for person, manager in (("head1", "chief"), ("head2", "chief"), ("member1", "head1"), ("member2", "head1"),
                            ("deputy", "member1")):
        set_line_manager(session, None, people[person], people[manager].id)
    return people


def ids(team, *names: str) -> list[int]:  # noqa: ANN001
    return sorted(team[name].id for name in names)


def test_reports_one_level_and_every_level_down(session, team):  # noqa: ANN001
    assert reports_of(session, team["chief"].id) == ids(team, "head1", "head2")
    assert reports_of(session, team["chief"].id, all_levels=True) == ids(team, "head1", "head2", "member1",
                                                                          "member2", "deputy")
    assert reports_of(session, team["head1"].id, all_levels=True) == ids(team, "member1", "member2", "deputy")
    assert reports_of(session, team["deputy"].id, all_levels=True) == []


def test_manages_anyone_below_but_not_above_beside_or_themselves(session, team):  # noqa: ANN001
    assert manages(session, team["chief"].id, team["deputy"].id)
    assert manages(session, team["head1"].id, team["member2"].id)
    assert not manages(session, team["head2"].id, team["member1"].id)
    assert not manages(session, team["member1"].id, team["head1"].id)
    assert not manages(session, team["head1"].id, team["head1"].id)


def test_a_manager_who_reports_to_the_person_is_refused_and_nothing_changes(session, team):  # noqa: ANN001
    with pytest.raises(DomainError, match="reports to head1") as caught:
        set_line_manager(session, None, team["head1"], team["deputy"].id)
    assert caught.value.field == "line_manager"
    assert team["head1"].line_manager_id == team["chief"].id


def test_a_manager_elsewhere_themselves_or_no_one_is_refused(session, team, make_org, make_user):  # noqa: ANN001
    outsider = make_user(name="outsider", org=make_org())
    with pytest.raises(DomainError, match="not in member2's organisation"):
        set_line_manager(session, None, team["member2"], outsider.id)
    with pytest.raises(DomainError, match="their own line manager"):
        set_line_manager(session, None, team["member2"], team["member2"].id)
    with pytest.raises(NotFound):
        set_line_manager(session, None, team["member2"], 2_000_000)
    assert team["member2"].line_manager_id == team["head1"].id


def test_each_change_is_audited_and_a_person_can_have_no_manager(session, team):  # noqa: ANN001
    set_line_manager(session, team["chief"].id, team["member2"], None)
    assert team["member2"].line_manager_id is None
    event = session.exec(select(AuditEvent).where(AuditEvent.target == f"user:{team['member2'].id}",
                                                  AuditEvent.actor_id == team["chief"].id)).one()
    assert event.action == "person.line_manager"
    assert event.detail == {"previous": team["head1"].id, "now": None}
