"""Passwords (argon2), login throttling, API tokens and the demo-password rule."""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from wfapp.database import db
from wfapp.models import LoginAttempt, User
from wfapp.services.errors import Throttled, Unauthorized
from wfapp.timeutil import utcnow

_hasher = PasswordHasher()
# Verified when the username is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("wfapp-no-such-user")
DEMO_PASSWORD = "wfapp-demo"

BAD_CREDENTIALS = "用户名或密码错误"
THROTTLED = "登录失败次数过多，请 {minutes} 分钟后再试"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def new_nonce() -> str:
    return secrets.token_hex(16)


def demo_allowed() -> bool:
    """The published demo password only works on the embedded database, or when asked."""
    return bool(current_app.config["USES_DEFAULT_DATABASE"] or current_app.config.get("DEMO"))


def _throttled(username: str, address: str) -> bool:
    """Five failures for one username, or from one address, within the window."""
    cfg = current_app.config
    since = utcnow() - timedelta(seconds=int(cfg["LOGIN_WINDOW_SECONDS"]))
    limit = int(cfg["LOGIN_MAX_FAILURES"])
    recent = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
    )
    by_name = db.session.scalar(recent.where(LoginAttempt.username == username)) or 0
    by_address = db.session.scalar(recent.where(LoginAttempt.address == address)) or 0
    return by_name >= limit or by_address >= limit


def authenticate(username: str, password: str, address: str) -> User:
    """The user whose password this is, or Unauthorized / Throttled. Records the attempt.

    The messages never say whether the username exists.
    """
    username = (username or "").strip()[:80]
    address = (address or "unknown")[:64]
    if _throttled(username, address):
        minutes = int(current_app.config["LOGIN_WINDOW_SECONDS"]) // 60
        raise Throttled(THROTTLED.format(minutes=minutes))
    user = db.session.scalars(select(User).where(User.username == username)).first()
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password or "")
    ok = ok and user is not None and user.active and (not user.is_demo or demo_allowed())
    db.session.add(LoginAttempt(username=username, address=address, succeeded=bool(ok)))
    if ok and user is not None and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.commit()
    if not ok or user is None:
        raise Unauthorized(BAD_CREDENTIALS)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wfapp-api-token")


def issue_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "n": user.token_nonce})


def user_for_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=int(current_app.config["API_TOKEN_MAX_AGE"]))
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or user.token_nonce != data.get("n"):
        return None
    if user.is_demo and not demo_allowed():
        return None
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the id carries the nonce, so a new nonce ends old sessions."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.token_nonce != nonce or not user.active:
        return None
    if user.is_demo and not demo_allowed():
        return None
    return user
