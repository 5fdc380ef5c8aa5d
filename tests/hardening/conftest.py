"""Hardening tests: each defect of the security review re-run as the attack, answered with a
clear 4xx (or detected, for the audit trail), with nothing stored changed."""

from __future__ import annotations

import pytest

from tests.pages import Browser


@pytest.fixture
def browser(client):
    return Browser(client)
