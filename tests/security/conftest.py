"""Fixtures shared with the integration tests: a real console on loopback and the notification stack."""

from tests.integration.test_console_http import browser, console  # noqa: F401
from tests.integration.test_notifications import stack  # noqa: F401
