"""Browser tests: the fixtures (live_server, browser, page) and audit() live in tests/browser/fixtures.py."""

# They are registered for the whole suite by tests/conftest.py, so other areas' browser tests use
# them too. `audit` is offered here as well for tests that import it from this module.
from tests.browser.fixtures import audit  # noqa: F401
