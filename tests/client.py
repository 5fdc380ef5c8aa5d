"""The test client as a server runs requests: each one in its own application context, with
its own database session, torn down when the request ends.

Flask's test client pushes an app context for a request only when none is active, and
Flask-SQLAlchemy scopes `db.session` to the app context. The `app` fixture keeps one for the
test's own setup and reads, so without this every request would share the test's session and
a test would see what a request merely flushed. Running each request in an empty
`contextvars.Context` hides the test's context from it: the request gets a new app context
(new `g`, new session), and what the test sees afterwards is only what was committed."""

from __future__ import annotations

import contextvars
from typing import Any

from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any):
        return contextvars.Context().run(super().open, *args, **kwargs)

    def session_transaction(self, *args: Any, **kwargs: Any):
        # Cookie-session edits happen in a request context of their own too (a generator
        # context manager: entered and left in the same empty Context).
        return _InFreshContext(super().session_transaction(*args, **kwargs))


class _InFreshContext:
    def __init__(self, manager):
        self._manager = manager
        self._context = contextvars.Context()

    def __enter__(self):
        return self._context.run(self._manager.__enter__)

    def __exit__(self, *exc):
        return self._context.run(self._manager.__exit__, *exc)
