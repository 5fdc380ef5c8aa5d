"""Progress reports (季度分析 / 半年小结 / 年终总结) per indicator and period."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.evidence import EvidenceFile
from wfapp.models.org import User
from wfapp.timeutil import UTCDateTime, utcnow


class Period(StrEnum):
    Q1 = "Q1"
    Q2 = "Q2"
    Q3 = "Q3"
    Q4 = "Q4"
    H1 = "H1"
    YEAR = "year"


PERIOD_LABELS = {
    Period.Q1: "第一季度",
    Period.Q2: "第二季度",
    Period.Q3: "第三季度",
    Period.Q4: "第四季度",
    Period.H1: "上半年",
    Period.YEAR: "全年",
}


class ProgressStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    DONE = "done"
    BEHIND = "behind"


STATUS_LABELS = {
    ProgressStatus.ON_TRACK: "按计划推进",
    ProgressStatus.AT_RISK: "存在风险",
    ProgressStatus.DONE: "已完成",
    ProgressStatus.BEHIND: "滞后",
}

progress_evidence = Table(
    "progress_evidence",
    db.metadata,
    Column("report_id", ForeignKey("progress_report.id"), primary_key=True),
    Column("evidence_id", ForeignKey("evidence_file.id"), primary_key=True),
)


class ProgressReport(db.Model):
    """One report per (plan, indicator, period); a later report of the same period replaces
    the text (the audit trail keeps each one).

    Indicators are named by code, not id: codes stay stable when a change request writes
    a new version of the table."""

    __tablename__ = "progress_report"
    __table_args__ = (UniqueConstraint("plan_id", "indicator_code", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reported_by: Mapped[User] = relationship()
    evidence: Mapped[list[EvidenceFile]] = relationship(
        secondary=progress_evidence, lazy="selectin", order_by="EvidenceFile.id"
    )
