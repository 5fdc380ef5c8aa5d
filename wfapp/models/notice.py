"""In-app notices (消息): reminders and actions that concern a user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wfapp.database import db
from wfapp.timeutil import UTCDateTime, utcnow

# What a notice is about, as its list filters them.
NOTICE_KINDS = {
    "awaits": "待办理",
    "returned": "退回",
    "reminder": "提醒",
    "published": "公开",
    "results": "考评结果",
}


class Notice(db.Model):
    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_inbox", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), index=True)
    kind: Mapped[str] = mapped_column(
        String(30)
    )  # reminder / returned / awaits / published / results
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    # Reminders carry the outbox's key, so a scan run twice notifies once.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
