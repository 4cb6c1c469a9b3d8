"""Helpers for learning tests: principals, enrolments and working through modules via the services."""

from __future__ import annotations

import re

import pytest

from lms.auth.models import Role
# Learning through the services, as the published pytest plugin offers it (tests import them from here too).
from lms.testing.learning import (correct_answers, current_attempt, finish_module, submit, take_quiz,  # noqa: F401
                                  wrong_answers)


def main_html(response) -> str:
    """The page's main content with the whitespace between tags removed, for readable assertions."""
    text = response.get_data(as_text=True)
    text = text[text.index("<main"):text.index("</main>")]
    return re.sub(r"\s*(<|>)\s*", r"\1", re.sub(r"\s+", " ", text))


@pytest.fixture
def org_admin(make_user, make_org):
    def _make(org=None):
        return make_user(roles=[Role.ORG_ADMIN], org=org or make_org())

    return _make
