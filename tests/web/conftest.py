"""Page tests: a signed-in test client and form posts that carry the page's CSRF token."""

from __future__ import annotations

import re

import pytest
from flask import g

from wfapp.models import User

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """The Flask test client used the way a person uses the pages.

    The `app` fixture keeps one app context for the whole test, and Flask-Login and
    Flask-WTF cache the signed-in user and the CSRF token on `g` there; each request here
    starts without those, as every request does in a server."""

    def __init__(self, client):
        self.client = client

    @staticmethod
    def _fresh() -> None:
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    def post(self, url: str, **kw):
        self._fresh()
        return self.client.post(url, **kw)

    def login(self, user: User | None) -> Browser:
        self._fresh()
        with self.client.session_transaction() as session:
            session.clear()
            if user is not None:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
        return self

    def get(self, url: str, **kw):
        self._fresh()
        return self.client.get(url, **kw)

    def token(self, page_url: str) -> str:
        html = self.get(page_url).get_data(as_text=True)
        match = _TOKEN.search(html)
        assert match, f"no CSRF token on {page_url}"
        return match.group(1)

    def submit(self, page_url: str, action_url: str, data: dict | None = None, **kw):
        """POST a form as the page would: with that page's CSRF token."""
        body = {"csrf_token": self.token(page_url), **(data or {})}
        return self.post(action_url, data=body, **kw)


@pytest.fixture
def browser(client):
    return Browser(client)


def text(response) -> str:
    return response.get_data(as_text=True)
