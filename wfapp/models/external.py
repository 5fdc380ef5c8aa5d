"""External inputs per unit: 公众评议 scores, 正向激励 bonuses, 察访核验 deductions.

Append-only like the audit trail: a correction is a new entry whose `cancels_id` names the
entry it replaces (or only cancels, when `is_cancellation`); rows are never updated."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import DDL, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
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


EXTERNAL_TRIGGERS_SQLITE = [
    "CREATE TRIGGER external_entry_no_update BEFORE UPDATE ON external_entry "
    "BEGIN SELECT RAISE(ABORT, 'external_entry is append-only'); END",
    "CREATE TRIGGER external_entry_no_delete BEFORE DELETE ON external_entry "
    "BEGIN SELECT RAISE(ABORT, 'external_entry is append-only'); END",
]
EXTERNAL_TRIGGERS_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION external_entry_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'external_entry is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER external_entry_no_change BEFORE UPDATE OR DELETE ON external_entry "
    "FOR EACH ROW EXECUTE FUNCTION external_entry_append_only()",
]


def external_trigger_sql(dialect_name: str) -> list[str]:
    if dialect_name == "postgresql":
        return EXTERNAL_TRIGGERS_POSTGRESQL
    return EXTERNAL_TRIGGERS_SQLITE


for _dialect, _statements in (
    ("sqlite", EXTERNAL_TRIGGERS_SQLITE),
    ("postgresql", EXTERNAL_TRIGGERS_POSTGRESQL),
):
    for _sql in _statements:
        event.listen(
            ExternalEntry.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect)
        )
