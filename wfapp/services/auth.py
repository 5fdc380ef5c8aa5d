"""Passwords (argon2), login throttling, API tokens and the demo-password rule."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select, update

from wfapp.bounds import MAX_ID
from wfapp.database import db, insert_unless_present
from wfapp.models import LoginAttempt, LoginDelay, User
from wfapp.services import audit
from wfapp.services.errors import Invalid, Problem, Throttled, Unauthorized
from wfapp.services.uow import transaction
from wfapp.timeutil import utcnow

_hasher = PasswordHasher()
# Verified when the username is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("wfapp-no-such-user")
DEMO_PASSWORD = "wfapp-demo"

BAD_CREDENTIALS = "用户名或密码错误"
THROTTLED = "登录失败次数过多，请 {seconds} 秒后再试"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def new_nonce() -> str:
    return secrets.token_hex(16)


def demo_allowed() -> bool:
    """The published demo password only works on the embedded database, or when asked."""
    return bool(current_app.config["USES_DEFAULT_DATABASE"] or current_app.config.get("DEMO"))


def delay_after(failures: int) -> int:
    """Seconds to wait before the next try after `failures` failures in a row: none for the
    first LOGIN_FREE_FAILURES, then doubling from LOGIN_DELAY_START up to LOGIN_MAX_DELAY
    (30 s), so the owner is never shut out for longer than that."""
    cfg = current_app.config
    free = int(cfg["LOGIN_FREE_FAILURES"])
    if failures < free:
        return 0
    step = failures - free
    return min(int(cfg["LOGIN_MAX_DELAY"]), int(cfg["LOGIN_DELAY_START"]) * 2 ** min(step, 16))


def claim(username: str, address: str) -> None:
    """Reserve this try for (username, address), counted as a failure until it succeeds, or
    Throttled while the delay runs. The UPDATE compares the failures it read, so of several
    parallel tries for one slot exactly one wins; the others are told to wait."""
    now = utcnow()
    for _ in range(3):
        row = db.session.scalars(
            select(LoginDelay).where(LoginDelay.username == username, LoginDelay.address == address)
        ).first()
        if row is None:
            insert_unless_present(  # a parallel try may create it first
                db.session,
                LoginDelay,
                username=username,
                address=address,
                failures=0,
                next_at=now,
                updated_at=now,
            )
            db.session.commit()
            continue
        seen, next_at = row.failures, row.next_at
        if next_at > now:
            raise _wait(next_at - now)
        claimed = db.session.execute(
            update(LoginDelay)
            .where(LoginDelay.id == row.id, LoginDelay.failures == seen)
            .values(
                failures=seen + 1,
                next_at=now + timedelta(seconds=delay_after(seen + 1)),
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed == 1:
            return
        db.session.expire_all()
    raise _wait(timedelta(seconds=1))


def clear_delay(username: str, address: str) -> None:
    """The right password ends the delay for this client (other clients keep theirs)."""
    db.session.execute(
        delete(LoginDelay).where(LoginDelay.username == username, LoginDelay.address == address)
    )


def _wait(remaining: timedelta) -> Throttled:
    seconds = max(1, math.ceil(remaining.total_seconds()))
    error = Throttled(THROTTLED.format(seconds=seconds))
    error.retry_after = seconds
    return error


def authenticate(username: str, password: str, address: str) -> User:
    """The user whose password this is, or Unauthorized / Throttled. Records the attempt.

    The messages never say whether the username exists.
    """
    username = (username or "").strip()[:80]
    address = (address or "unknown")[:64]
    claim(username, address)
    user = db.session.scalars(select(User).where(User.username == username)).first()
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password or "")
    ok = ok and user is not None and user.active and (not user.is_demo or demo_allowed())
    db.session.add(LoginAttempt(username=username, address=address, succeeded=bool(ok)))
    if ok:
        clear_delay(username, address)
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
    """Flask-Login's loader: the id carries the session token, so a new one (logout,
    password change) ends the old sessions; a new token nonce (deactivation) does too."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or int(user_id) > MAX_ID:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token) or not user.active:
        return None
    if user.is_demo and not demo_allowed():
        return None
    return user


def end_sessions(user: User) -> None:
    """Logout: every browser session of this user ends, here and on every other node (the
    session cookie is signed, not stored: only a new generation can revoke a copy of it)."""
    with transaction():
        fresh = db.session.get(User, user.id)
        if fresh is not None:
            fresh.session_token = new_nonce()


MIN_PASSWORD = 8


def change_password(user: User, current: str, new: str, confirm: str, address: str) -> User:
    """A user's own new password; every session and API token issued before ends. The
    current password is a guess like a login's, delayed the same way."""
    problems = []
    address = (address or "unknown")[:64]
    claim(user.username, address)
    if not _verify(user.password_hash, current or ""):
        problems.append(Problem("current", "当前密码不正确"))
    if len(new or "") < MIN_PASSWORD:
        problems.append(Problem("new", f"新密码至少 {MIN_PASSWORD} 位"))
    elif len(new) > 200:
        problems.append(Problem("new", "新密码不能超过 200 位"))
    elif new == current:
        problems.append(Problem("new", "新密码不能与当前密码相同"))
    if new != confirm:
        problems.append(Problem("confirm", "两次输入的新密码不一致"))
    if problems:
        raise Invalid("密码未修改", problems)
    with transaction():
        fresh = db.session.get(User, user.id)
        assert fresh is not None
        fresh.password_hash = hash_password(new)
        fresh.session_token = new_nonce()
        fresh.token_nonce = new_nonce()
        db.session.execute(
            delete(LoginDelay).where(
                LoginDelay.username == fresh.username, LoginDelay.address == address
            )
        )
        audit.record_event("user", fresh.id, fresh, "change_password")
    return fresh
