"""Page helpers for the Flask test client: sign in without the login page, read a page's
CSRF token, and `Browser`, the client used the way a person uses the pages."""

from __future__ import annotations

import re

from flask import g

from wfapp.models import User

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def text(response) -> str:
    return response.get_data(as_text=True)


def csrf_of(response) -> str:
    """The CSRF token of the form on a page (the first form's)."""
    match = _TOKEN.search(text(response))
    assert match, f"no CSRF token on the page:\n{text(response)}"
    return match.group(1)


def csrf_token(client, url: str) -> str:
    """GET `url` and return its form's CSRF token."""
    return csrf_of(client.get(url))


def login(client, user: User) -> None:
    """Page login without login pages: the session Flask-Login reads. The test's app
    context outlives requests, so the user Flask-Login cached in `g` is dropped too."""
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


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
        """Sign in as `user` in a new session (None: signed out)."""
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
        return csrf_of(self.get(page_url))

    def submit(self, page_url: str, action_url: str, data: dict | None = None, **kw):
        """POST a form as the page would: with that page's CSRF token."""
        body = {"csrf_token": self.token(page_url), **(data or {})}
        return self.post(action_url, data=body, **kw)
