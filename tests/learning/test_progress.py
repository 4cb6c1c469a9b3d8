"""Working through a bundle: module completion, bundle completion and its hook, access and order."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lms.api import hookimpl
from lms.db import utcnow
from lms.errors import Forbidden, NotFound
from lms.learning import services
from lms.runtime import kinds
from lms.learning.models import ActivityProgress, EnrolmentStatus, ModuleProgress, ProgressStatus
from tests.conftest import fixture_plugins
from tests.learning.conftest import finish_module, submit


class CompletionRecorder:
    """A plugin that records the enrolment-completed hook, as the certificate plugin receives it."""

    def __init__(self):
        self.calls = []

    @hookimpl
    def lms_enrolment_completed(self, session, enrolment, bundle, actor_id):
        # Inside the same transaction: the enrolment is already completed and flushed.
        assert enrolment in session and enrolment.status == EnrolmentStatus.COMPLETED
        self.calls.append((enrolment.id, bundle.id, actor_id))


@pytest.fixture
def recorder():
    return CompletionRecorder()


@pytest.fixture
def plugins(recorder):
    return fixture_plugins("basic", hook_objects=[recorder])


def module_status(session, user_id, module_id):
    row = session.exec(select(ModuleProgress).where(ModuleProgress.user_id == user_id,
                                                    ModuleProgress.module_id == module_id)).first()
    return row.status if row else None


def test_module_completes_when_all_its_activities_do(session, make_user, principal_of):
    user = make_user()
    me = principal_of(user)
    services.enrol(session, me, user.id, "starter")
    for number in (1, 2):
        result = submit(session, me, "starter", "alpha", "lesson", action="next", page=str(number))
    assert result.activity_completed and not result.module_completed
    assert result.next_step is None and result.next_activity.id == "check"
    assert module_status(session, user.id, "alpha") == ProgressStatus.IN_PROGRESS
    result = finish_module(session, me, "starter", "alpha")
    assert result.module_completed and result.next_activity is None
    row = session.exec(select(ModuleProgress).where(ModuleProgress.user_id == user.id)).one()
    assert (row.status, row.module_version) == (ProgressStatus.COMPLETED, "1.0.0") and row.completed_at


def test_bundle_completion_sets_the_enrolment_and_calls_the_hook_once(session, make_user, principal_of, recorder):
    user = make_user()
    me = principal_of(user)
    enrolment = services.enrol(session, me, user.id, "starter")
    finish_module(session, me, "starter", "alpha")
    assert enrolment.status == EnrolmentStatus.ACTIVE and recorder.calls == []
    result = finish_module(session, me, "starter", "beta")
    assert [e.id for e in result.completed_enrolments] == [enrolment.id]
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.completed_at
    assert recorder.calls == [(enrolment.id, "starter", user.id)]
    # Going through a lesson again completes nothing new.
    submit(session, me, "starter", "beta", "lesson", action="previous", page="2")
    submit(session, me, "starter", "beta", "lesson", action="next", page="2")
    assert len(recorder.calls) == 1


def test_one_module_counts_in_every_bundle_that_uses_it(session, make_user, principal_of, recorder):
    user = make_user()
    me = principal_of(user)
    starter = services.enrol(session, me, user.id, "starter")
    electives = services.enrol(session, me, user.id, "electives")
    for module_id in ("alpha", "beta"):
        finish_module(session, me, "starter", module_id)
    finish_module(session, me, "electives", "delta")
    assert starter.status == electives.status == EnrolmentStatus.COMPLETED
    assert {c[1] for c in recorder.calls} == {"starter", "electives"}


def test_electives_needs_the_module_covering_its_last_standard(session, make_user, principal_of, recorder):
    user = make_user()
    me = principal_of(user)
    enrolment = services.enrol(session, me, user.id, "electives")
    for module_id in ("alpha", "beta", "gamma"):  # the group's two choices, but S-THREE uncovered
        finish_module(session, me, "electives", module_id)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    overview = services.bundle_overview(session, user.id, "electives", utcnow())
    assert overview.state.uncovered == ("S-THREE",) and overview.next_module.id == "delta"
    assert overview.progress.fraction < 1
    finish_module(session, me, "electives", "delta")
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_local_module_must_be_done_too(session, make_org, make_user, org_admin, principal_of):
    org = make_org()
    services.add_local_module(session, principal_of(org_admin(org)), org.id, "starter", "local-welcome")
    user = make_user(org=org)
    me = principal_of(user)
    [enrolment] = services.assign_new_joiner(session, user, None)
    for module_id in ("alpha", "beta"):
        finish_module(session, me, "starter", module_id)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    finish_module(session, me, "starter", "local-welcome")
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_waived_module_counts_as_done(session, make_user, principal_of):
    user = make_user()
    me = principal_of(user)
    enrolment = services.enrol(session, me, user.id, "starter")
    session.add(ModuleProgress(user_id=user.id, module_id="alpha", module_version="1.0.0", status=ProgressStatus.WAIVED))
    session.flush()
    finish_module(session, me, "starter", "beta")
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_a_shown_step_reads_the_place_as_a_record_the_kind_cannot_change(session, make_user, principal_of,
                                                                          monkeypatch):
    user = make_user()
    me = principal_of(user)
    services.enrol(session, me, user.id, "starter")
    lesson, places = kinds()["lesson"], []
    show = type(lesson).show
    monkeypatch.setattr(type(lesson), "show", lambda kind, run, step: places.append(run.progress) or show(kind, run, step))
    now = utcnow()
    services.activity_page(session, me, "starter", "alpha", "lesson", "", now)
    # A first visit: the values a new row would have, though no row is made.
    new_row = ActivityProgress(user_id=user.id, module_id="alpha", activity_id="lesson", state={}, updated_at=now)
    assert places[0]._asdict() == new_row.model_dump()
    with pytest.raises(AttributeError):
        places[0].position = 1  # showing a step changes nothing
    submit(session, me, "starter", "alpha", "lesson", action="next", page="1")
    services.activity_page(session, me, "starter", "alpha", "lesson", "", utcnow())
    saved = session.exec(select(ActivityProgress).where(ActivityProgress.user_id == user.id)).one()
    assert places[1]._asdict() == saved.model_dump() and places[1].position == 1
    assert session.exec(select(ActivityProgress)).all() == [saved]


def test_modules_outside_an_enrolment_or_without_one_are_not_found(session, make_user, principal_of):
    user = make_user()
    me = principal_of(user)
    with pytest.raises(NotFound, match="not enrolled"):
        services.activity_page(session, me, "starter", "alpha", "lesson", "", utcnow())
    services.enrol(session, me, user.id, "starter")
    with pytest.raises(NotFound):
        services.activity_page(session, me, "starter", "delta", "lesson", "", utcnow())  # not in starter
    with pytest.raises(NotFound):
        services.activity_page(session, me, "starter", "alpha", "no-such-activity", "", utcnow())
    with pytest.raises(NotFound):
        submit(session, me, "starter", "local-welcome", "lesson", action="next", page="1")  # not added locally
    assert session.exec(select(ActivityProgress)).all() == []


class TestSequentialBundle:
    @pytest.fixture
    def plugins(self):
        from tests.conftest import FIXTURES
        from lms.plugins.discovery import PluginSet

        return PluginSet.from_paths(FIXTURES / "limited" / "bundles",
                                    [FIXTURES / "basic" / "modules", FIXTURES / "limited" / "modules"])

    def test_next_module_opens_only_when_the_previous_ones_are_done(self, session, make_user, principal_of):
        user = make_user()
        me = principal_of(user)
        services.enrol(session, me, user.id, "ordered")
        with pytest.raises(Forbidden, match="Complete Limited attempts before starting Module alpha"):
            services.module_overview(session, user.id, "ordered", "alpha", utcnow())
        with pytest.raises(Forbidden):
            submit(session, me, "ordered", "alpha", "lesson", action="next", page="1")
        overview = services.bundle_overview(session, user.id, "ordered", utcnow())
        assert [(r.module.id, r.is_open) for r in overview.required] == [
            ("limited", True), ("alpha", False), ("beta", False)]
        finish_module(session, me, "ordered", "limited")
        overview = services.bundle_overview(session, user.id, "ordered", utcnow())
        assert [(r.module.id, r.is_open) for r in overview.required] == [
            ("limited", True), ("alpha", True), ("beta", False)]
        assert services.module_overview(session, user.id, "ordered", "alpha", utcnow()).module.id == "alpha"
