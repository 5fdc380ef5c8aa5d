"""Values computed at most once per request (the navigation's counts, the CSP nonce).

Kept in the WSGI environ rather than `g`: an app context may outlive one request (tests
push one for their whole run), a request's environ never does."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import request

T = TypeVar("T")


def per_request(key: str, compute: Callable[[], T]) -> T:
    store = request.environ.setdefault("wfapp.cache", {})
    if key not in store:
        store[key] = compute()
    return store[key]
