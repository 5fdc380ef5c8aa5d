"""Login against the directory (LDAP / Active Directory), local accounts beside it.

The one login entry point for the login page and the API token. With DIRECTORY_URL empty it
is the local password check (wfapp.services.auth). With a directory:

- a username that is a local account (no directory DN) logs in with its local password, as
  before: the admin's account keeps working when the directory is down, and a directory
  entry of the same name never takes a local account over;
- any other username is bound against the directory. On the first good login the local
  user is created with no usable local password; at every login its name, e-mail and the
  roles of its directory groups (DIRECTORY_GROUPS) are taken afresh, while roles the office
  granted by hand stay;
- wrong password and unknown user get the same message (as for local accounts), a disabled
  account, a user in no mapped group and an unreachable server each their own; none of them
  creates a local user. The login delay counts directory failures as it counts local ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from wfapp.database import db
from wfapp.models import (
    PROGRAM_ROLES,
    UNIT_ROLES,
    LoginAttempt,
    Program,
    Role,
    RoleGrant,
    Unit,
    User,
)
from wfapp.services import auth, ldap
from wfapp.services.errors import Forbidden, ServiceError, Unauthorized
from wfapp.services.uow import transaction

DISABLED = "该账号已在统一身份目录中停用，请联系管理员"
NO_GROUP = "您的目录账号尚未获准使用本系统（不在任何已授权的目录组中），请联系管理员"
UNAVAILABLE = "暂时无法连接统一身份目录，请稍后再试；仍无法登录请联系管理员"
NAME_TAKEN = "该用户名已被本系统的本地账号使用，目录账号无法以此名登录，请联系管理员"
LOCALLY_DISABLED = "该账号已在本系统停用，请联系管理员"
# Stored instead of a hash: never verifies (not an argon2 hash), so no local password works.
NO_LOCAL_PASSWORD = "!directory"


class DirectoryUnavailable(ServiceError):
    status = 503


@dataclass(frozen=True)
class GrantSpec:
    role: str
    unit_id: int | None = None
    program_id: int | None = None


def resolve_grant(spec: str) -> GrantSpec:
    """'liaison@<unit name, short name or id>' or 'office@<program id>' → the grant; a
    ValueError says in Chinese what is wrong."""
    role, _, scope = spec.strip().partition("@")
    if role not in {r.value for r in Role}:
        raise ValueError(f"未知角色：{role}")
    if role in UNIT_ROLES:
        unit = db.session.scalars(
            select(Unit).where((Unit.name == scope) | (Unit.short_name == scope))
        ).first() or (db.session.get(Unit, int(scope)) if scope.isdigit() else None)
        if unit is None:
            raise ValueError(f"未找到单位：{scope}")
        return GrantSpec(role, unit_id=unit.id)
    assert role in PROGRAM_ROLES
    program = db.session.get(Program, int(scope)) if scope.isdigit() else None
    if program is None:
        raise ValueError(f"未找到考评项目：{scope}（请填写项目编号）")
    return GrantSpec(role, program_id=program.id)


def enabled() -> bool:
    return bool(current_app.config.get("DIRECTORY_URL"))


def authenticate(username: str, password: str, address: str) -> User:
    """The user who logs in with this username and password, local or from the directory;
    or Unauthorized, Forbidden, Throttled, DirectoryUnavailable with a Chinese message."""
    if not enabled():
        return auth.authenticate(username, password, address)
    username = (username or "").strip()[:80]
    local = db.session.scalars(select(User).where(User.username == username)).first()
    if local is not None and local.directory_dn is None:
        return auth.authenticate(username, password, address)
    address = (address or "unknown")[:64]
    auth.claim(username, address)  # counted as a failure until the bind succeeds
    settings = ldap.Settings.from_config(current_app.config)
    try:
        found = ldap.look_up(settings, username, password or "")
    except ldap.WrongCredentials:
        _failed(username, address)
        raise Unauthorized(auth.BAD_CREDENTIALS) from None
    except ldap.AccountDisabled:
        _failed(username, address, revoke=local)
        raise Forbidden(DISABLED) from None
    except ldap.DirectoryDown as exc:
        current_app.logger.warning("directory login of %r: %s", username, exc)
        raise DirectoryUnavailable(UNAVAILABLE) from None
    grants = _grants_of(found.groups)
    if not grants and current_app.config.get("DIRECTORY_REQUIRE_GROUP", True):
        _failed(username, address, revoke=local)
        raise Forbidden(NO_GROUP)
    return _provision(found, grants, username, address)


def _grants_of(groups: frozenset[str]) -> set[GrantSpec]:
    """The grants of the user's mapped groups; a mapping naming no such unit or program is
    logged and skipped (the others still apply)."""
    out: set[GrantSpec] = set()
    for group, specs in (current_app.config.get("DIRECTORY_GROUPS") or {}).items():
        if ldap.normal_dn(group) not in groups:
            continue
        for spec in [specs] if isinstance(specs, str) else specs:
            try:
                out.add(resolve_grant(spec))
            except ValueError as exc:
                current_app.logger.warning("DIRECTORY_GROUPS[%r] %r: %s", group, spec, exc)
    return out


def _failed(username: str, address: str, revoke: User | None = None) -> None:
    """Count the failure for throttling; a refused directory user loses its directory roles
    at once, so sessions it still holds can do nothing more."""
    with transaction():
        db.session.add(LoginAttempt(username=username, address=address, succeeded=False))
        if revoke is not None and revoke.directory_dn is not None:
            revoke.grants[:] = [g for g in revoke.grants if not g.from_directory]


def _provision(found: ldap.DirectoryUser, grants: set[GrantSpec], typed: str, address: str) -> User:
    name = (found.username or typed)[:80]
    with transaction():
        user = db.session.scalars(
            select(User).where(User.username == name).with_for_update()
        ).first()
        if user is not None and user.directory_dn is None:
            db.session.add(LoginAttempt(username=typed, address=address, succeeded=False))
            user = None
            raise_after = Forbidden(NAME_TAKEN)
        else:
            raise_after = None
            if user is None:
                user = User(
                    username=name,
                    password_hash=NO_LOCAL_PASSWORD,
                    token_nonce=auth.new_nonce(),
                    display_name="",
                    email="",
                )
                db.session.add(user)
            elif not user.active:
                raise_after = Unauthorized(LOCALLY_DISABLED)
            user.directory_dn = found.dn[:500]
            user.display_name = found.display_name[:100]
            user.email = found.email[:200]
            _refresh_grants(user, grants)
            db.session.add(
                LoginAttempt(username=typed, address=address, succeeded=raise_after is None)
            )
            if raise_after is None:
                auth.clear_delay(typed, address)
    if raise_after is not None:
        raise raise_after
    assert user is not None
    return user


def _refresh_grants(user: User, grants: set[GrantSpec]) -> None:
    """The directory's grants replace the last ones it gave; hand-given grants stay, and a
    directory grant equal to a hand-given one is not added twice."""
    by_hand = [g for g in user.grants if not g.from_directory]
    held = {GrantSpec(g.role, g.unit_id, g.program_id) for g in by_hand}
    kept = {GrantSpec(g.role, g.unit_id, g.program_id): g for g in user.grants if g.from_directory}
    fresh = [
        kept.get(spec)
        or RoleGrant(
            role=spec.role, unit_id=spec.unit_id, program_id=spec.program_id, from_directory=True
        )
        for spec in sorted(grants, key=lambda s: (s.role, s.unit_id or 0, s.program_id or 0))
        if spec not in held
    ]
    user.grants[:] = by_hand + fresh
