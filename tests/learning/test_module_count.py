"""A bundle's module count is one number wherever it is shown, the organisation's local modules included."""

from __future__ import annotations

import re

import pytest

from lms.api import catalog
from lms.auth.models import Role
from lms.auth.security import load_principal
from lms.learning import services
from lms.learning.completion import evaluate, module_count
from tests.learning.conftest import main_html


def test_the_count_is_the_required_the_local_and_the_choices_asked_for(app):  # noqa: ANN001
    starter, electives = catalog().bundle("starter"), catalog().bundle("electives")
    assert module_count(starter) == 2 and module_count(starter, ["local-welcome"]) == 3
    assert module_count(starter, ["alpha"]) == 2  # a local id that is already required counts once
    assert module_count(electives) == 1 + 2  # alpha, then any 2 of beta, gamma and delta
    assert evaluate(starter, ["local-welcome"], set(), catalog().modules).needed_count == 3


@pytest.fixture
def local_learner(session, make_org, make_user):  # noqa: ANN001
    """A learner whose organisation added a local module to the starter bundle before they were assigned it."""
    org = make_org()
    admin = make_user(org=org, roles=[Role.ORG_ADMIN])
    services.add_local_module(session, load_principal(session, admin.id), org.id, "starter", "local-welcome")
    learner = make_user(org=org, name="Lee Local")
    services.assign_new_joiner(session, learner, None)
    return org, admin, learner


def shown_count(page: str, pattern: str) -> int:
    return int(re.search(pattern, page).group(1))


def test_every_page_shows_the_same_count(client, login_as, local_learner):
    org, admin, learner = local_learner
    login_as(learner)
    counts = {
        "catalogue": shown_count(main_html(client.get("/catalogue")),
                                 r'href="/catalogue/starter">Starter bundle</a>.*?<dt[^>]*>Modules</dt><dd[^>]*>(\d+)<'),
        "bundle in catalogue": shown_count(main_html(client.get("/catalogue/starter")),
                                           r"<dt[^>]*>Modules to complete</dt><dd[^>]*>(\d+)<"),
        "dashboard": shown_count(main_html(client.get("/")), r"0 of (\d+) modules done"),
        "bundle page": shown_count(main_html(client.get("/learning/starter")), r"0 of (\d+) modules done"),
    }
    assert "Local welcome</strong>" in main_html(client.get("/catalogue/starter"))  # the local module is listed too
    login_as(admin)
    counts["compliance"] = shown_count(main_html(client.get(f"/admin/organisations/{org.id}/compliance")),
                                       r"Lee Local</a>.*?0 of (\d+) modules")
    counts["local modules"] = shown_count(main_html(client.get(f"/admin/organisations/{org.id}/local-modules")),
                                          r"assigned Starter bundle from now on complete (\d+) modules")
    assert counts == dict.fromkeys(counts, 3)


def test_a_visitor_is_shown_the_national_count(client):
    page = main_html(client.get("/catalogue/starter"))
    assert shown_count(page, r"<dt[^>]*>Modules to complete</dt><dd[^>]*>(\d+)<") == 2
    assert "Your organisation may add modules of its own" in page
