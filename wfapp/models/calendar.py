"""The program's calendar beyond stage due dates: days the office declares (closures, extra
working days), per-plan extensions, reminder policies per stage, and users' iCal feeds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.org import User
from wfapp.timeutil import UTCDateTime, utcnow


class CalendarDay(db.Model):
    """A day the office declares: a closure (working=False) or, for years the holiday
    package does not know yet, an adjusted working day (调休, working=True)."""

    __tablename__ = "calendar_day"
    __table_args__ = (UniqueConstraint("program_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    day: Mapped[date]
    working: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(200), default="")


class DeadlineExtension(db.Model):
    """The office moves one plan's due date for one stage; the newest one counts."""

    __tablename__ = "deadline_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    due_date: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    granted_by: Mapped[User] = relationship()


class ReminderPolicy(db.Model):
    """When and whom to remind for one stage of one program (defaults: config REMINDER_*).

    before: `days_before` calendar days before the due date (0 = on the day), to those who
    can act now; overdue: the first working day after it (then every working day when
    `overdue_repeat`), to them and, when `notify_head`, their unit heads; escalate: from the
    `escalate_after`-th working day overdue, to the unit's leader and the office.
    """

    __tablename__ = "reminder_policy"
    __table_args__ = (UniqueConstraint("program_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(default=True)
    days_before: Mapped[list[int]] = mapped_column(JSON, default=list)
    overdue_repeat: Mapped[bool] = mapped_column(default=True)
    notify_head: Mapped[bool] = mapped_column(default=True)
    escalate_after: Mapped[int | None]


class CalendarFeed(db.Model):
    """A user's private iCal feed: the URL is signed with this nonce; a new nonce revokes it."""

    __tablename__ = "calendar_feed"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    nonce: Mapped[str | None] = mapped_column(String(32))  # None: revoked
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
