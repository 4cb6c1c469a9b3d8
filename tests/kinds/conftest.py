"""The activity kind tests' content and learner, with the learning tests' helpers.

The "limited" content: a lesson, and a quiz with a bank of 4, 2 drawn per attempt, pass mark 100,
at most 2 attempts, in a bundle "ordered" with the basic fixture's modules.
"""

import pytest

from lms.learning import services
from lms.plugins.discovery import PluginSet
from tests.conftest import FIXTURES
from tests.learning.conftest import org_admin  # noqa: F401


@pytest.fixture
def plugins():
    return PluginSet.from_paths(FIXTURES / "limited" / "bundles",
                                [FIXTURES / "basic" / "modules", FIXTURES / "limited" / "modules"])


@pytest.fixture
def learner(session, make_user, principal_of):
    """A person enrolled on the "ordered" bundle, as the principal the services take."""
    user = make_user()
    me = principal_of(user)
    services.enrol(session, me, user.id, "ordered")
    return me
