"""Rectification items (整改事项): a finding of the evaluation or an inspection, owned by the
unit, tracked to closure, carried into the next program while still open."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.evidence import EvidenceFile
from wfapp.models.org import Program, Unit, User
from wfapp.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from wfapp.models.plan import Plan


class SourceKind(StrEnum):
    SHEET_FINDING = "sheet_finding"  # evaluators marked the indicator as a finding
    LOW_SCORE = "low_score"  # the indicator's mean score fell below the program's threshold
    INSPECTION = "inspection"  # a 察访核验 deduction entry
    MANUAL = "manual"  # added by the office


SOURCE_LABELS = {
    SourceKind.SHEET_FINDING: "集中考评发现问题",
    SourceKind.LOW_SCORE: "指标得分偏低",
    SourceKind.INSPECTION: "察访核验",
    SourceKind.MANUAL: "绩效办登记",
}

item_evidence = Table(
    "rectification_item_evidence",
    db.metadata,
    Column("item_id", ForeignKey("rectification_item.id"), primary_key=True),
    Column("evidence_id", ForeignKey("evidence_file.id"), primary_key=True),
)


class RectificationItem(db.Model):
    """One finding to rectify, in one plan (the unit's plan of the item's program).

    `source_ref` names the origin row (an indicator code, an external entry's id); with the
    plan and the kind it is unique, so creating items from findings twice creates nothing new.
    A manual item has none (NULLs never collide)."""

    __tablename__ = "rectification_item"
    __table_args__ = (UniqueConstraint("plan_id", "source_kind", "source_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    source_kind: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str | None] = mapped_column(String(40))
    indicator_code: Mapped[str | None] = mapped_column(String(40))
    finding: Mapped[str] = mapped_column(Text)
    responsible_department: Mapped[str] = mapped_column(String(200), default="")
    responsible_person: Mapped[str] = mapped_column(String(200), default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date]
    # Set when the due date was given as N working days (counted from the creation day).
    due_working_days: Mapped[int | None]
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    result_statement: Mapped[str] = mapped_column(Text, default="")
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("rectification_item.id"), unique=True
    )
    # Optimistic lock: every UPDATE checks and bumps it; a stale one answers 409.
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship()
    program: Mapped[Program] = relationship()
    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User | None] = relationship()
    carried_from: Mapped[RectificationItem | None] = relationship(
        remote_side=[id], back_populates="carried_to"
    )
    # Its copy in the next program, once the program was closed with the item open.
    carried_to: Mapped[list[RectificationItem]] = relationship(back_populates="carried_from")
    evidence: Mapped[list[EvidenceFile]] = relationship(
        secondary=item_evidence, lazy="selectin", order_by="EvidenceFile.id"
    )

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(SourceKind(self.source_kind), self.source_kind)
