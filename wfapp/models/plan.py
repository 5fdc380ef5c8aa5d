"""The plan (绩效工作方案), its target table (考评表) and the table as submitted per round."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.org import Group, Program, Unit
from wfapp.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from wfapp.models.review import Delegation, PeerAssignment


class Category(StrEnum):
    KEY = "key"  # 重点工作目标
    REGULAR = "regular"  # 常规工作目标
    DYNAMIC = "dynamic"  # 动态工作目标
    CAPACITY = "capacity"  # 行政能力目标


CATEGORY_LABELS = {
    Category.KEY: "重点工作目标",
    Category.REGULAR: "常规工作目标",
    Category.DYNAMIC: "动态工作目标",
    Category.CAPACITY: "行政能力目标",
}
# 一级指标 of the sources' tables: the first three categories together are 职能工作目标.
CATEGORY_FAMILY = {
    Category.KEY: "职能工作目标",
    Category.REGULAR: "职能工作目标",
    Category.DYNAMIC: "职能工作目标",
    Category.CAPACITY: "行政能力目标",
}


class Plan(db.Model):
    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("program_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("unit_group.id"), index=True)
    state: Mapped[str] = mapped_column(String(40), default="draft", index=True)
    # Optimistic lock: every UPDATE checks and bumps it; a stale one answers 409.
    version: Mapped[int] = mapped_column(default=1)
    round: Mapped[int] = mapped_column(default=1)
    approval_number: Mapped[str | None] = mapped_column(String(100))  # 批复文号
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    program: Mapped[Program] = relationship()
    unit: Mapped[Unit] = relationship()
    group: Mapped[Group] = relationship()
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="Indicator.position",
    )

    # Loaded when read, not with every plan: an action's row lock, a list of plans and the
    # inbox need neither the table nor the peers (a page that shows them asks for them).
    peer_assignments: Mapped[list[PeerAssignment]] = relationship(
        cascade="all, delete-orphan", order_by="PeerAssignment.id"
    )

    delegations: Mapped[list[Delegation]] = relationship(
        cascade="all, delete-orphan", order_by="Delegation.id"
    )

    @property
    def title(self) -> str:
        return f"{self.unit.name}{self.program.year}年度绩效工作方案"

    @property
    def leaves(self) -> list[Indicator]:
        """The rows that are scored, reported and assessed: those without children."""
        parents = {i.parent_id for i in self.indicators}
        return [i for i in self.indicators if i.id not in parents]

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)


class Indicator(db.Model):
    """One row of the target table; rows form a tree through parent_id."""

    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"))
    code: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20))
    level: Mapped[int]
    content: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[Decimal]
    responsible_leaders: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsible_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsible_persons: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    plan: Mapped[Plan] = relationship(back_populates="indicators")
    parent: Mapped[Indicator | None] = relationship(remote_side=[id])

    def as_row(self) -> dict[str, Any]:
        """The row as the API and the validator see it (parent by code)."""
        return {
            "code": self.code,
            "parent": self.parent.code if self.parent else None,
            "category": self.category,
            "content": self.content,
            "weight": self.weight,
            "responsible_leaders": list(self.responsible_leaders or []),
            "responsible_departments": list(self.responsible_departments or []),
            "responsible_persons": list(self.responsible_persons or []),
            "note": self.note or "",
        }


class PlanRevision(db.Model):
    """The table as it was submitted in a round: what reviewers compare between rounds."""

    __tablename__ = "plan_revision"
    __table_args__ = (UniqueConstraint("plan_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    round: Mapped[int]
    rows: Mapped[list[dict]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
