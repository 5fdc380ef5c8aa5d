"""The SMTP test server of the reminder tests, for item reminders."""

from tests.reminders.conftest import smtp, smtp_port  # noqa: F401 (fixtures)
