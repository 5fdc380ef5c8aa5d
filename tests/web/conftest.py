"""Page tests: a signed-in test client and form posts that carry the page's CSRF token
(`Browser`, in tests/pages.py)."""

from __future__ import annotations

import pytest

from tests.pages import Browser


@pytest.fixture
def browser(client):
    return Browser(client)
