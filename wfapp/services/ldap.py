"""Talking to the directory (LDAP / Active Directory) with ldap3: bind as the user, read the
user's entry and groups, tell a disabled account. Knows nothing of wfapp's users; see
wfapp.services.directory for what a login does with the answer."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

# Active Directory's userAccountControl flag ACCOUNTDISABLE.
AD_ACCOUNT_DISABLED = 0x2
INVALID_CREDENTIALS = 49
# Some servers answer unwillingToPerform to the bind of a locked or disabled account.
UNWILLING_TO_PERFORM = 53
SIZE_LIMIT_EXCEEDED = 4
NO_SUCH_OBJECT = 32


class WrongCredentials(Exception):
    """No such user, or not this password (never told apart)."""


class AccountDisabled(Exception):
    pass


class DirectoryDown(Exception):
    """The server did not answer, refused TLS, or answered with an error of its own."""


@dataclass(frozen=True)
class Settings:
    url: str
    start_tls: bool
    ca_file: str
    connect_timeout: int
    timeout: int
    base_dn: str
    bind_dn_template: str
    service_dn: str
    service_password: str
    user_filter: str
    username_attribute: str
    display_name_attribute: str
    email_attribute: str
    group_filter: str
    disabled_filter: str
    disabled_groups: tuple[str, ...]

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Settings:
        return cls(
            url=str(cfg.get("DIRECTORY_URL") or ""),
            start_tls=bool(cfg.get("DIRECTORY_START_TLS")),
            ca_file=str(cfg.get("DIRECTORY_CA_FILE") or ""),
            connect_timeout=int(cfg.get("DIRECTORY_CONNECT_TIMEOUT") or 5),
            timeout=int(cfg.get("DIRECTORY_TIMEOUT") or 10),
            base_dn=str(cfg.get("DIRECTORY_BASE_DN") or ""),
            bind_dn_template=str(cfg.get("DIRECTORY_BIND_DN_TEMPLATE") or ""),
            service_dn=str(cfg.get("DIRECTORY_SERVICE_DN") or ""),
            service_password=str(cfg.get("DIRECTORY_SERVICE_PASSWORD") or ""),
            user_filter=str(cfg["DIRECTORY_USER_FILTER"]),
            username_attribute=str(cfg.get("DIRECTORY_USERNAME_ATTRIBUTE") or "uid"),
            display_name_attribute=str(cfg["DIRECTORY_DISPLAY_NAME_ATTRIBUTE"]),
            email_attribute=str(cfg["DIRECTORY_EMAIL_ATTRIBUTE"]),
            group_filter=str(cfg["DIRECTORY_GROUP_FILTER"]),
            disabled_filter=str(cfg.get("DIRECTORY_DISABLED_FILTER") or ""),
            disabled_groups=tuple(cfg.get("DIRECTORY_DISABLED_GROUPS") or ()),
        )


@dataclass(frozen=True)
class DirectoryUser:
    dn: str
    username: str  # as the directory spells it
    display_name: str
    email: str
    groups: frozenset[str]  # normalised DNs (see normal_dn)


def normal_dn(dn: str) -> str:
    """DNs compare without case and without the spaces around separators."""
    try:
        parts = parse_dn(dn, escape=True, strip=True)
    except LDAPException:
        return dn.strip().lower()
    return ",".join(f"{attr}={value}" for attr, value, _sep in parts).lower()


def _connection(settings: Settings, user: str | None, password: str | None) -> Connection:
    secure = settings.url.lower().startswith("ldaps://") or settings.start_tls
    tls = None
    if secure:
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_file or None)
    server = Server(settings.url, tls=tls, get_info=NONE, connect_timeout=settings.connect_timeout)
    return Connection(
        server,
        user=user,
        password=password,
        receive_timeout=settings.timeout,
        read_only=True,
        raise_exceptions=False,
    )


def _bind(conn: Connection, settings: Settings) -> bool:
    """Open (with StartTLS when asked) and bind: False for refused credentials."""
    conn.open()
    if settings.start_tls and not conn.start_tls():
        raise DirectoryDown(f"StartTLS refused: {conn.result}")
    if conn.bind():
        return True
    if conn.result.get("result") in (INVALID_CREDENTIALS, UNWILLING_TO_PERFORM):
        return False
    raise DirectoryDown(f"bind refused: {conn.result}")


def _search(
    conn: Connection, base: str, query: str, attributes: list[str], limit: int = 0
) -> list[dict]:
    """The entries found (referrals left out); `limit` 0 is the server's own limit, and an
    exceeded limit still returns what came."""
    ok = conn.search(base, query, SUBTREE, attributes=attributes, size_limit=limit)
    if not ok and conn.result.get("result") not in (0, NO_SUCH_OBJECT, SIZE_LIMIT_EXCEEDED):
        raise DirectoryDown(f"search failed: {conn.result}")
    return [r for r in conn.response or [] if r.get("type") == "searchResEntry"]


def _first(attributes: Mapping[str, Any], name: str) -> str:
    value = attributes.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def _disabled(settings: Settings, attributes: Mapping[str, Any], groups: frozenset[str]) -> bool:
    control = attributes.get("userAccountControl")
    if isinstance(control, list):
        control = control[0] if control else None
    if control not in (None, "") and int(control) & AD_ACCOUNT_DISABLED:
        return True
    if attributes.get("pwdAccountLockedTime"):
        return True
    return any(normal_dn(g) in groups for g in settings.disabled_groups)


def look_up(settings: Settings, username: str, password: str) -> DirectoryUser:
    """The directory's entry for this username and password. Raises WrongCredentials,
    AccountDisabled or DirectoryDown."""
    if not username or not password:  # an empty password would be an anonymous bind
        raise WrongCredentials
    if not settings.base_dn:
        raise DirectoryDown("DIRECTORY_BASE_DN is empty")
    try:
        return _look_up(settings, username, password)
    except LDAPException as exc:  # unreachable, timed out, TLS failed …
        raise DirectoryDown(f"{type(exc).__name__}: {exc}") from exc


def _look_up(settings: Settings, username: str, password: str) -> DirectoryUser:
    attributes = [
        settings.username_attribute,
        settings.display_name_attribute,
        settings.email_attribute,
        "userAccountControl",
        "pwdAccountLockedTime",
    ]
    user_filter = settings.user_filter.format(username=escape_filter_chars(username))
    if settings.bind_dn_template:
        # Bind straight as the user, then read the entry with the user's own rights.
        conn = _connection(
            settings, settings.bind_dn_template.format(username=escape_rdn(username)), password
        )
        try:
            if not _bind(conn, settings):
                raise WrongCredentials
            entries = _search(conn, settings.base_dn, user_filter, attributes, limit=2)
            if len(entries) != 1:
                raise WrongCredentials
            entry = entries[0]
            return _finish(settings, conn, entry, bound=True)
        finally:
            conn.unbind()
    # Search with the service account, then bind as the entry found.
    service = _connection(settings, settings.service_dn or None, settings.service_password or None)
    try:
        if not _bind(service, settings):
            raise DirectoryDown("the service account's bind was refused")
        entries = _search(service, settings.base_dn, user_filter, attributes, limit=2)
        if len(entries) != 1:  # none, or ambiguous: never guess
            raise WrongCredentials
        entry = entries[0]
        user = _connection(settings, entry["dn"], password)
        try:
            bound = _bind(user, settings)
        finally:
            user.unbind()
        return _finish(settings, service, entry, bound=bound)
    finally:
        service.unbind()


def _finish(settings: Settings, conn: Connection, entry: dict, *, bound: bool) -> DirectoryUser:
    dn = entry["dn"]
    attrs = entry.get("attributes") or {}
    username = _first(attrs, settings.username_attribute)
    groups = frozenset(
        normal_dn(g["dn"])
        for g in _search(
            conn,
            settings.base_dn,
            settings.group_filter.format(
                user_dn=escape_filter_chars(dn), username=escape_filter_chars(username)
            ),
            [],
        )
    )
    disabled = _disabled(settings, attrs, groups) or _matches(conn, dn, settings.disabled_filter)
    if disabled:
        # Directories refuse the bind of a disabled account (AD, ppolicy), so a refused bind
        # of one is told as disabled; this says no more than that the account cannot be used.
        raise AccountDisabled
    if not bound:
        raise WrongCredentials
    return DirectoryUser(
        dn=dn,
        username=username,
        display_name=_first(attrs, settings.display_name_attribute) or username,
        email=_first(attrs, settings.email_attribute),
        groups=groups,
    )


def _matches(conn: Connection, dn: str, query: str) -> bool:
    """Does the entry `dn` match the LDAP filter `query`?"""
    if not query:
        return False
    if not conn.search(dn, query, BASE, attributes=[]):
        if conn.result.get("result") in (0, NO_SUCH_OBJECT):
            return False
        raise DirectoryDown(f"search failed: {conn.result}")
    return any(r.get("type") == "searchResEntry" for r in conn.response or [])
