"""Organisation services: regions and organisations, scoping of every service, and the admin's counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from lms.api import catalog
from lms.audit.models import AuditEvent
from lms.audit.services import record
from lms.auth.models import Role
from lms.db import utcnow
from lms.errors import Conflict, DomainError, Forbidden, NotFound
from lms.learning.due import DueStatus
from lms.learning.models import Enrolment, EnrolmentStatus
from lms.learning.services import compliance
from lms.orgs import people, services, training
from lms.orgs.models import Organisation, Region


def test_a_platform_admin_creates_regions_and_organisations_audited(session, world, as_principal):
    actor = as_principal(world.platform)
    region = services.create_region(session, actor, code=" ics-x ", name="  North   Somewhere ICS ")
    assert (region.code, region.name) == ("ICS-X", "North Somewhere ICS")
    org = services.create_organisation(session, actor, code="rx9", name="New Trust", kind="nhs-trust",
                                       region_id=region.id)
    assert session.get(Organisation, org.id).code == "RX9"
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert actions[-2:] == ["region.created", "organisation.created"]


@pytest.mark.parametrize(("fields", "field", "error"), [
    ({"code": "X"}, "code", DomainError),
    ({"code": "has space"}, "code", DomainError),
    ({"code": "RA1"}, "code", Conflict),
    ({"name": "   "}, "name", DomainError),
    ({"kind": "castle"}, "kind", DomainError),
    ({"region_id": 99999}, "region_id", DomainError),
])
def test_organisation_input_is_checked_and_names_the_field(session, world, as_principal, fields, field, error):
    values = {"code": "NEW1", "name": "New", "kind": "care-provider", "region_id": world.org_a.region_id, **fields}
    with pytest.raises(error) as raised:
        services.create_organisation(session, as_principal(world.platform), **values)
    assert raised.value.field == field


def test_a_region_code_is_unique(session, world, as_principal):
    existing = session.get(Region, world.org_a.region_id)
    with pytest.raises(Conflict, match="already exists"):
        services.create_region(session, as_principal(world.platform), code=existing.code.lower(), name="Again")


def test_an_organisation_admin_cannot_create_regions_or_organisations(session, world, as_principal):
    actor = as_principal(world.admin_a)
    with pytest.raises(Forbidden):
        services.create_region(session, actor, code="NOPE", name="Nope")
    with pytest.raises(Forbidden):
        services.create_organisation(session, actor, code="NOPE", name="Nope", kind="other",
                                     region_id=world.org_a.region_id)


def test_organisations_are_scoped_to_those_administered(session, world, as_principal):
    mine = services.organisations_page(session, as_principal(world.admin_a))
    assert [o.id for o, _ in mine.items] == [world.org_a.id]
    everyone = services.organisations_page(session, as_principal(world.platform))
    assert {o.id for o, _ in everyone.items} == {world.org_a.id, world.org_b.id}
    assert services.get_organisation(session, as_principal(world.admin_a), world.org_a.id) == world.org_a
    with pytest.raises(Forbidden):
        services.get_organisation(session, as_principal(world.admin_a), world.org_b.id)
    with pytest.raises(Forbidden):  # not told whether it exists
        services.get_organisation(session, as_principal(world.admin_a), 99999)
    with pytest.raises(NotFound):
        services.get_organisation(session, as_principal(world.platform), 99999)


def _enrol(session, user, bundle_id, due_at, completed_at=None):  # noqa: ANN001, ANN202
    enrolment = Enrolment(user_id=user.id, bundle_id=bundle_id, bundle_version="1",
                          registration=f"{user.id}-{bundle_id}", due_at=due_at, completed_at=completed_at,
                          status=EnrolmentStatus.COMPLETED if completed_at else EnrolmentStatus.ACTIVE)
    session.add(enrolment)
    session.flush()
    return enrolment


def test_counts_follow_the_one_due_status_rule_at_its_boundaries(session, world, make_user):
    now, soon = utcnow(), 14
    cases = [now - timedelta(seconds=1), now, now + timedelta(days=soon), now + timedelta(days=soon, seconds=1), None]
    for due_at in cases:
        _enrol(session, make_user(org=world.org_a), "electives", due_at)
    _enrol(session, make_user(org=world.org_a), "electives", now - timedelta(days=3), completed_at=now)
    _enrol(session, world.learner_b, "electives", now - timedelta(days=1))  # another organisation
    rows = compliance(session, [world.org_a.id], now, bundle_id="electives", soon=soon)
    expected = [r.due for r in rows]  # compliance applies lms.learning.due.due_status
    counts = services.organisation_counts(session, [world.org_a.id, world.org_b.id], now, soon)
    assert counts[world.org_a.id].overdue == expected.count(DueStatus.OVERDUE) == 1
    assert counts[world.org_a.id].due_soon == expected.count(DueStatus.DUE_SOON) == 2
    assert counts[world.org_b.id].overdue == 1
    assert counts[world.org_a.id].people == 3 + 6  # the fixture's three members of A plus six made here


def test_people_are_searched_and_paged_in_the_database(session, world, make_user, as_principal):
    for n in range(7):
        make_user(email=f"p{n}@example.org", name=f"Zed {n}", org=world.org_a)
    make_user(email="under_score@example.org", name="100% Sure", org=world.org_a)
    actor, content, now = as_principal(world.admin_a), catalog(), utcnow()
    page = people.people_page(session, actor, world.org_a.id, content, query="zed", number=2, size=3,
                              now=now, soon_days=14)
    assert (page.total, page.count, [r.user.name for r in page.items]) == (7, 3, ["Zed 3", "Zed 4", "Zed 5"])
    assert people.people_page(session, actor, world.org_a.id, content, query="ZED", number=99, size=3,
                              now=now, soon_days=14).number == 3  # past the end: the last page
    assert [r.user.name for r in people.people_page(session, actor, world.org_a.id, content, query="100%",
                                                    now=now, soon_days=14).items] == ["100% Sure"]
    assert people.people_page(session, actor, world.org_a.id, content, query="_", now=now, soon_days=14).total == 1
    assert people.people_page(session, actor, world.org_a.id, content, query="lou.b", now=now, soon_days=14).total == 0
    with pytest.raises(Forbidden):
        people.people_page(session, actor, world.org_b.id, content, now=now, soon_days=14)


def test_the_people_list_shows_roles_and_induction_status(session, world, as_principal):
    _enrol(session, world.learner_a, "starter", utcnow() - timedelta(days=1))
    page = people.people_page(session, as_principal(world.admin_a), world.org_a.id, catalog(), query="lee",
                              now=utcnow(), soon_days=14)
    assert [(r.roles, r.induction) for r in page.items] == [(("learner",), DueStatus.OVERDUE)]
    page = people.people_page(session, as_principal(world.admin_a), world.org_a.id, catalog(), query="ada",
                              now=utcnow(), soon_days=14)
    assert [(r.roles, r.induction) for r in page.items] == [(("org_admin",), None)]


def test_a_person_is_only_reached_through_their_own_organisation(session, world, as_principal):
    actor = as_principal(world.admin_a)
    detail = people.person_detail(session, actor, world.org_a.id, world.learner_a.id, catalog(), now=utcnow(),
                                  soon_days=14)
    assert detail.user == world.learner_a and detail.roles == ("learner",)
    assert Role.LEARNER not in detail.grantable and Role.PLATFORM_ADMIN not in detail.grantable
    with pytest.raises(NotFound):  # B's person through A's pages
        people.person_detail(session, actor, world.org_a.id, world.learner_b.id, catalog(), now=utcnow(), soon_days=14)
    with pytest.raises(Forbidden):
        people.person_detail(session, actor, world.org_b.id, world.learner_b.id, catalog(), now=utcnow(), soon_days=14)


def test_roles_are_granted_and_revoked_within_the_organisation_only(session, world, as_principal):
    actor = as_principal(world.admin_a)
    people.change_role(session, actor, world.org_a.id, world.learner_a.id, "assessor", grant=True)
    assert "assessor" in people.person_detail(session, actor, world.org_a.id, world.learner_a.id, catalog(),
                                              now=utcnow(), soon_days=14).roles
    people.change_role(session, actor, world.org_a.id, world.learner_a.id, "assessor", grant=False)
    with pytest.raises(DomainError) as raised:
        people.change_role(session, actor, world.org_a.id, world.learner_a.id, "platform_admin", grant=True)
    assert raised.value.field == "role"
    with pytest.raises(NotFound):
        people.change_role(session, actor, world.org_a.id, world.learner_b.id, "assessor", grant=True)
    with pytest.raises(Forbidden):
        people.change_role(session, actor, world.org_b.id, world.learner_b.id, "assessor", grant=True)


def test_reset_links_and_invitations_only_within_the_organisation(session, world, as_principal):
    actor = as_principal(world.admin_a)
    assert len(people.password_reset_link_token(session, actor, world.org_a.id, world.learner_a.id)) > 30
    with pytest.raises(Forbidden):
        people.password_reset_link_token(session, actor, world.org_b.id, world.learner_b.id)
    invitation, token = people.invite(session, actor, world.org_a.id, email="Someone@Example.org", name="Some One",
                                      role="facilitator")
    assert (invitation.email, invitation.role, invitation.organisation_id) == ("someone@example.org", "facilitator",
                                                                               world.org_a.id)
    with pytest.raises(Forbidden):
        people.invite(session, actor, world.org_b.id, email="x@example.org", name=None, role="learner")
    with pytest.raises(DomainError) as raised:
        people.invite(session, actor, world.org_a.id, email="x@example.org", name=None, role="platform_admin")
    assert raised.value.field == "role"


def test_join_links_are_offered_only_for_open_invitations_of_the_organisation(session, world, as_principal):
    _, mine = people.invite(session, as_principal(world.admin_a), world.org_a.id, email="a1@example.org", name=None,
                            role="learner")
    _, theirs = people.invite(session, as_principal(world.admin_b), world.org_b.id, email="b1@example.org", name=None,
                              role="learner")
    rows = people.pending_join_links(session, as_principal(world.admin_a), world.org_a.id, [mine, theirs, "made-up"])
    assert rows == [("a1@example.org", "", mine)]
    with pytest.raises(Forbidden):
        people.pending_join_links(session, as_principal(world.admin_a), world.org_b.id, [theirs])


def test_people_to_assign_must_belong_to_the_organisation(session, world, as_principal):
    actor = as_principal(world.admin_a)
    ids = training.resolve_people(session, actor, world.org_a.id, [world.learner_a.id], "ADMIN.A@example.org\n\n")
    assert ids == [world.learner_a.id, world.admin_a.id]
    for user_ids, emails, message in [([world.learner_b.id], "", "not in this organisation"),
                                      ([], "lou.b@example.org, nobody@example.org", "lou.b@example.org, nobody@"),
                                      ([], "  ", "Choose at least one person")]:
        with pytest.raises(DomainError, match=message) as raised:
            training.resolve_people(session, actor, world.org_a.id, user_ids, emails)
        assert raised.value.field == "emails"
    with pytest.raises(DomainError):
        training.assign_training(session, actor, world.org_a.id, [world.learner_b.id], "electives",
                                 utcnow() + timedelta(days=9))
    with pytest.raises(Forbidden):
        training.assign_training(session, actor, world.org_b.id, [world.learner_b.id], "electives",
                                 utcnow() + timedelta(days=9))
    enrolments = training.assign_training(session, actor, world.org_a.id, [world.learner_a.id], "electives",
                                          utcnow() + timedelta(days=9))
    assert [(e.user_id, e.bundle_id) for e in enrolments] == [(world.learner_a.id, "electives")]


def test_compliance_is_filtered_and_counted_for_the_organisation_only(session, world, as_principal):
    now = utcnow()
    _enrol(session, world.learner_a, "electives", now - timedelta(days=1))
    _enrol(session, world.admin_a, "electives", now + timedelta(days=40))
    _enrol(session, world.learner_b, "electives", now - timedelta(days=1))
    actor = as_principal(world.admin_a)
    view = training.compliance_view(session, actor, world.org_a.id, now, 14, status="overdue")
    assert [r.user_id for r in view.rows] == [world.learner_a.id]
    assert (view.counts[DueStatus.OVERDUE], view.counts[DueStatus.ON_TRACK]) == (1, 1)
    assert training.compliance_view(session, actor, world.org_a.id, now, 14, bundle_id="starter").rows == []
    with pytest.raises(Forbidden):
        training.compliance_view(session, actor, world.org_b.id, now, 14)


def test_local_modules_are_listed_and_changed_by_the_organisations_admins_only(session, world, as_principal):
    actor = as_principal(world.admin_a)
    [group] = training.local_modules(session, actor, world.org_a, catalog())
    assert (group.bundle.id, group.added, [m.id for m in group.available]) == ("starter", [], ["local-welcome"])
    training.change_local_module(session, actor, world.org_a.id, "starter", "local-welcome", add=True)
    [group] = training.local_modules(session, actor, world.org_a, catalog())
    assert ([r.module_id for r, _ in group.added], group.available) == (["local-welcome"], [])
    with pytest.raises(Forbidden):
        training.change_local_module(session, actor, world.org_b.id, "starter", "local-welcome", add=True)
    with pytest.raises(Forbidden):
        training.local_modules(session, actor, world.org_b, catalog())
    training.change_local_module(session, actor, world.org_a.id, "starter", "local-welcome", add=False)
    assert training.local_modules(session, actor, world.org_a, catalog())[0].added == []


def test_the_audit_trail_is_scoped_newest_first_and_whole_for_platform_admins(session, world, as_principal):
    for n in range(3):
        record(session, world.admin_a.id, f"test.a{n}", "x:1", organisation_id=world.org_a.id)
    record(session, world.admin_b.id, "test.b", "x:2", organisation_id=world.org_b.id)
    session.flush()
    page = training.audit_page(session, as_principal(world.admin_a), world.org_a.id, size=2)
    assert (page.total, [e.action for e, _ in page.items], page.items[0][1]) == (3, ["test.a2", "test.a1"], "Ada Admin")
    with pytest.raises(Forbidden):
        training.audit_page(session, as_principal(world.admin_a), world.org_b.id)
    with pytest.raises(Forbidden):
        training.audit_page(session, as_principal(world.admin_a), None)
    assert training.audit_page(session, as_principal(world.platform), None).total == 4
