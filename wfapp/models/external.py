"""External inputs per unit: 公众评议 scores, 正向激励 bonuses, 察访核验 deductions.

Append-only like the audit trail: a correction is a new entry whose `cancels_id` names the
entry it replaces (or only cancels, when `is_cancellation`); rows are never updated."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import append_only_sql, db, make_append_only
from wfapp.models.audit import AppendOnlyError
from wfapp.models.evidence import EvidenceFile
from wfapp.models.org import User
from wfapp.timeutil import UTCDateTime, utcnow


class ExternalKind(StrEnum):
    PUBLIC_SCORE = "public_score"  # 公众评议得分
    BONUS = "bonus"  # 正向激励加分
    DEDUCTION = "deduction"  # 察访核验扣分


KIND_LABELS = {
    ExternalKind.PUBLIC_SCORE: "公众评议得分",
    ExternalKind.BONUS: "正向激励加分",
    ExternalKind.DEDUCTION: "察访核验扣分",
}

BONUS_LEVELS = {"county": "县级", "city": "市级", "province": "省级", "national": "国家级"}


class ExternalEntry(db.Model):
    __tablename__ = "external_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    points: Mapped[Decimal | None]  # None only for a pure cancellation
    reason: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str | None] = mapped_column(String(20))  # bonus: county … national
    occurred_on: Mapped[date | None]  # deduction: the day of the inspection
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_file.id"))
    # Unique: an entry is corrected once; a second, concurrent correction loses (409).
    cancels_id: Mapped[int | None] = mapped_column(ForeignKey("external_entry.id"), unique=True)
    is_cancellation: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()
    evidence: Mapped[EvidenceFile | None] = relationship()


@event.listens_for(ExternalEntry, "before_update")
@event.listens_for(ExternalEntry, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise AppendOnlyError("external entries are append-only")


def external_trigger_sql(dialect_name: str) -> list[str]:
    return append_only_sql("external_entry", dialect_name)


make_append_only(ExternalEntry.__table__)
