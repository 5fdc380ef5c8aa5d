"""Reminders armed per plan stage, the mail outbox, and the scheduler's lease."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Computed, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.org import User
from wfapp.models.plan import Plan
from wfapp.models.rectification import RectificationItem
from wfapp.timeutil import UTCDateTime, utcnow


class ReminderStatus(StrEnum):
    PENDING = "pending"  # waits for next_at
    DONE = "done"  # no occurrence left (re-opened when the due date moves)
    CANCELLED = "cancelled"  # the stage was left


class Reminder(db.Model):
    """One rule armed for one plan in one stage and round, or for one rectification item.

    Written in the same transaction as the state change that enters the stage; the scan
    picks rows whose next_at has come, sends the newest occurrence and moves next_at on.
    A plan's rows have no item_id (one per plan, stage, round and rule); an item's rows carry
    it (one per item and rule) and the stage ITEM_STAGE.

    "One per plan, stage, round and rule" holds for the plan's rows only. MariaDB/MySQL have
    no partial index, so every database uses the same stand-in: `plan_level`, 1 on a plan's
    row and NULL on an item's, closes the unique index, and NULLs never collide.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        Index(
            "uq_reminder_plan_stage", "plan_id", "stage", "round", "rule", "plan_level", unique=True
        ),
        UniqueConstraint("item_id", "rule"),
        Index("ix_reminder_due", "status", "next_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_item.id"))
    plan_level: Mapped[int | None] = mapped_column(Computed("CASE WHEN item_id IS NULL THEN 1 END"))
    stage: Mapped[str] = mapped_column(String(40))
    round: Mapped[int]
    rule: Mapped[str] = mapped_column(String(20))  # before / overdue / escalate
    status: Mapped[str] = mapped_column(String(20), default=ReminderStatus.PENDING)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last occurrence handled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship()
    item: Mapped[RectificationItem | None] = relationship()


# The stage an item's reminders carry: its rules are those of the plan stage 整改.
ITEM_STAGE = "rectification_item"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by the deliverer
    SENT = "sent"
    DEAD = "dead"  # permanent failure or out of attempts; shown to admins


class OutboxMessage(db.Model):
    """One e-mail, rendered when written; delivery claims it, sends it, marks it sent."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_ready", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # plan, stage, round, rule, recipient, occurrence: the same message is never written twice.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(200))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    to_addr: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()


class SchedulerLease(db.Model):
    """On SQLite (no advisory locks) the scheduler that holds this row's lease acts alone."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
