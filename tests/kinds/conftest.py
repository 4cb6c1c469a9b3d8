"""The learning tests' helpers, shared with the activity kind tests."""

from tests.learning.conftest import org_admin, principal_of  # noqa: F401
