"""The app these tests run: the test content of lms.testing's choosing, with this plugin added."""

import pytest

from lms.testing import installed_plugins
from lms_example_learning_log import plugin


@pytest.fixture
def plugins():
    return installed_plugins(plugin)
