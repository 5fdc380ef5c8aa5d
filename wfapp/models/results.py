"""Results of a group (考评结果): versions scored by the engine, each unit's row, the flags the
office enters (降档, 一票否决), and schemes the office uploads for its program."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.audit import AppendOnlyError
from wfapp.models.evidence import EvidenceFile
from wfapp.models.org import Group, Unit, User
from wfapp.models.plan import Plan
from wfapp.timeutil import UTCDateTime, utcnow


class ProgramScheme(db.Model):
    """A scheme the office uploaded for its program; the newest one is in force, and each
    result version keeps the text it was scored with."""

    __tablename__ = "program_scheme"
    __table_args__ = (UniqueConstraint("program_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))  # the scheme's own id
    text: Mapped[str] = mapped_column(Text)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User] = relationship()


class ResultVersion(db.Model):
    """One scoring of a group: n = 1 when evaluation closes, n + 1 on every rerun."""

    __tablename__ = "result_version"
    __table_args__ = (UniqueConstraint("group_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("unit_group.id"), index=True)
    version: Mapped[int]
    scheme_name: Mapped[str] = mapped_column(String(100))
    scheme_text: Mapped[str] = mapped_column(Text)
    # The engine's input document as scored (numbers as strings): reproducible with
    # `wfapp scheme eval`, and compared before publishing to catch later changes.
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")  # a rerun's reason
    forced_reason: Mapped[str] = mapped_column(Text, default="")  # closed with sheets missing
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    group: Mapped[Group] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    rows: Mapped[list[UnitResult]] = relationship(
        back_populates="result_version",
        cascade="all, delete-orphan",
        order_by="[UnitResult.rank, UnitResult.plan_id]",
    )


class UnitResult(db.Model):
    """One unit's result in a version: what the pages, the ranking and Excel show."""

    __tablename__ = "unit_result"
    __table_args__ = (UniqueConstraint("result_version_id", "plan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_version_id: Mapped[int] = mapped_column(ForeignKey("result_version.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    total: Mapped[Decimal]
    rank: Mapped[int]
    group_size: Mapped[int]
    # Grades and factors are NULL when the scheme gives no grades (scores and ranks only).
    grade_before_flags: Mapped[str | None] = mapped_column(String(40))
    grade_before_flags_label: Mapped[str | None] = mapped_column(String(40))
    grade: Mapped[str | None] = mapped_column(String(40))
    grade_label: Mapped[str | None] = mapped_column(String(40))
    reward_factor: Mapped[Decimal | None]
    reward_factor_before_flags: Mapped[Decimal | None]
    # The pay band by score (the scheme's `pay`), NULL without one.
    pay_label: Mapped[str | None] = mapped_column(String(40))
    pay_factor: Mapped[Decimal | None]
    # [{name, label, raw, score, contribution, carried}] and the flags as the engine gave them.
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    flags: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[list[str]] = mapped_column(JSON)

    result_version: Mapped[ResultVersion] = relationship(back_populates="rows")
    plan: Mapped[Plan] = relationship()
    unit: Mapped[Unit] = relationship()


class FlagKind(StrEnum):
    DOWNGRADE = "downgrade"  # 降低一个等次
    VETO = "veto"  # 一票否决


FLAG_LABELS = {FlagKind.DOWNGRADE: "降档", FlagKind.VETO: "一票否决"}


class ResultFlag(db.Model):
    """A flag on a unit's result, entered by the office with a reason and evidence.

    Append-only like external entries: a correction cancels (`cancels_id`), never edits."""

    __tablename__ = "result_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_file.id"))
    # Unique: a flag is cancelled once; a second, concurrent cancellation loses (409).
    cancels_id: Mapped[int | None] = mapped_column(ForeignKey("result_flag.id"), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()
    evidence: Mapped[EvidenceFile | None] = relationship()

    @property
    def is_cancellation(self) -> bool:
        return self.cancels_id is not None


@event.listens_for(ResultFlag, "before_update")
@event.listens_for(ResultFlag, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise AppendOnlyError("result flags are append-only")


def flag_trigger_sql(dialect_name: str) -> list[str]:
    """The same promise in the database; migrations run these too."""
    if dialect_name == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION result_flag_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'result_flag is append-only'; END; $$ LANGUAGE plpgsql",
            "CREATE TRIGGER result_flag_no_change BEFORE UPDATE OR DELETE ON result_flag "
            "FOR EACH ROW EXECUTE FUNCTION result_flag_append_only()",
        ]
    return [
        f"CREATE TRIGGER result_flag_no_{what.lower()} BEFORE {what} ON result_flag "
        "BEGIN SELECT RAISE(ABORT, 'result_flag is append-only'); END"
        for what in ("UPDATE", "DELETE")
    ]


for _dialect in ("sqlite", "postgresql"):
    for _sql in flag_trigger_sql(_dialect):
        event.listen(ResultFlag.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect))
