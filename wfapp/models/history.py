"""Grades of the years before wfapp (往年考评结果), entered by the office from the paper record,
so that a unit's multi-year view and the accountability rule (效能问责) work from year one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.org import Unit, User
from wfapp.timeutil import UTCDateTime, utcnow

# The grades of the glossary, best first (等次: 优秀 / 良好 / 一般 / 差).
GRADE_LABELS = {"excellent": "优秀", "good": "良好", "fair": "一般", "poor": "差"}


class PastGrade(db.Model):
    """One unit's grade in one year before its programs were run here. A correction
    replaces the row; the audit trail keeps what it was."""

    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int]
    grade: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. the 通报's document number
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    entered_by: Mapped[User] = relationship()

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS.get(self.grade, self.grade)
