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


# A request that answers success must have committed whatever it wrote: rows only flushed
# are rolled back when its session ends, a loss no answer would show. Each session notes
# whether it holds flushed, uncommitted writes; after every successful request the harness
# fails the test if the request's session still does.
_UNSAVED = "wfapp_tests_unsaved_writes"


def _flushed(session, _context) -> None:
    session.info[_UNSAVED] = True


def _ended(session, *_args) -> None:
    session.info.pop(_UNSAVED, None)


class UnsavedWrites(AssertionError):
    pass


def refuse_unsaved_writes(app) -> None:
    """Install the check on `app` (before its first request) and on every session."""
    from flask import request
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from wfapp.database import db

    if not event.contains(Session, "after_flush", _flushed):
        event.listen(Session, "after_flush", _flushed)
        event.listen(Session, "after_commit", _ended)
        event.listen(Session, "after_rollback", _ended)

    @app.after_request
    def _check(response):
        if response.status_code < 400 and db.session.info.get(_UNSAVED):
            raise UnsavedWrites(
                f"{request.method} {request.path} answered {response.status_code} but left "
                "flushed writes uncommitted: they are lost when the request ends"
            )
        return response
