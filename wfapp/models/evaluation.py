"""Self-assessment (自评) and centralized evaluation (集中考评): scores per leaf, by code."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.evidence import EvidenceFile
from wfapp.models.org import Group, User
from wfapp.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from wfapp.models.plan import Plan

self_score_evidence = Table(
    "self_score_evidence",
    db.metadata,
    Column("self_score_id", ForeignKey("self_score.id"), primary_key=True),
    Column("evidence_id", ForeignKey("evidence_file.id"), primary_key=True),
)


class SelfScore(db.Model):
    """The unit's own score for one leaf; a draft until the plan's self-assessment is submitted."""

    __tablename__ = "self_score"
    __table_args__ = (UniqueConstraint("plan_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(40))
    score: Mapped[Decimal | None]
    explanation: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    evidence: Mapped[list[EvidenceFile]] = relationship(
        secondary=self_score_evidence, lazy="selectin", order_by="EvidenceFile.id"
    )

    @property
    def filled(self) -> bool:
        return self.score is not None and bool(self.explanation.strip())


class EvaluatorAssignment(db.Model):
    """An evaluator assigned to a whole group or to one plan (exactly one of the two)."""

    __tablename__ = "evaluator_assignment"
    __table_args__ = (
        CheckConstraint("(group_id IS NULL) <> (plan_id IS NULL)", name="group_or_plan"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("unit_group.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])
    group: Mapped[Group | None] = relationship()
    plan: Mapped[Plan | None] = relationship()


class EvaluationSheet(db.Model):
    """One evaluator's sheet for one plan: draft → signed (locked); only the office reopens."""

    __tablename__ = "evaluation_sheet"
    __table_args__ = (UniqueConstraint("plan_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship()
    evaluator: Mapped[User] = relationship()
    items: Mapped[list[SheetItem]] = relationship(
        back_populates="sheet",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="SheetItem.id",
    )

    def item(self, code: str) -> SheetItem | None:
        return next((i for i in self.items if i.indicator_code == code), None)


class SheetItem(db.Model):
    __tablename__ = "sheet_item"
    __table_args__ = (UniqueConstraint("sheet_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sheet.id"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(40))
    score: Mapped[Decimal | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    finding: Mapped[bool] = mapped_column(default=False)  # a problem to rectify (整改)

    sheet: Mapped[EvaluationSheet] = relationship(back_populates="items")


class SignedSheetError(RuntimeError):
    pass


@event.listens_for(SheetItem, "before_insert")
@event.listens_for(SheetItem, "before_update")
@event.listens_for(SheetItem, "before_delete")
def _refuse_signed(mapper, connection, target: SheetItem) -> None:
    """A signed sheet is locked: the service refuses first, this catches any other path."""
    if target.sheet is not None and target.sheet.state == "signed":
        raise SignedSheetError("a signed evaluation sheet cannot change")
