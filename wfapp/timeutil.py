"""Times are stored in UTC and shown in the program's zone (Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today in the program's zone: what due dates and days left are counted from."""
    return datetime.now(SHANGHAI).date()


def local(dt: datetime | None) -> datetime | None:
    return dt.astimezone(SHANGHAI) if dt is not None else None


def fmt_local(dt: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    shown = local(dt)
    return shown.strftime(pattern) if shown else ""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime in and out on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        # MySQL's DATETIME drops the fraction unless asked: keep microseconds, as elsewhere
        # (the audit chain hashes the exact time of each row).
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import DATETIME

            return dialect.type_descriptor(DATETIME(fsp=6))
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use wfapp.timeutil.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
