"""Real servers the tests need (Chromium, PostgreSQL, SMTP, S3, LDAP, MariaDB, nginx …).

Locally a missing one skips its tests with the reason; under CI (`CI=true`) it is an error,
so a green CI run never hides a part of the suite that did not run."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(component: str, reason: str) -> NoReturn:
    """Skip (locally) or fail (in CI) because `component` is not available: `reason` says
    what is missing and how to install it."""
    message = f"{component} unavailable: {reason}"
    if in_ci():
        pytest.fail(f"required in CI: {message}", pytrace=False)
    pytest.skip(message)
