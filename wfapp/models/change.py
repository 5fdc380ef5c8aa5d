"""Change requests after publication (方案调整) and the versions of the table they produce."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.org import User
from wfapp.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from wfapp.models.plan import Plan


class ChangeRequest(db.Model):
    """Proposed rows (whole rows, by code): existing codes are changed, new codes are
    dynamic targets to add. `before` / `after` are the touched rows as they were and became."""

    __tablename__ = "change_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    version: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str] = mapped_column(Text)
    rows: Mapped[list[dict]] = mapped_column(JSON)
    before: Mapped[list[dict]] = mapped_column(JSON)
    after: Mapped[list[dict] | None] = mapped_column(JSON)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str] = mapped_column(Text, default="")
    table_version: Mapped[int | None]  # the TableVersion.number an approval produced

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def added_codes(self) -> list[str]:
        known = {r["code"] for r in self.before}
        return [r["code"] for r in self.rows if r["code"] not in known]


class TableVersion(db.Model):
    """The table after publication: number 1 as published, each approved change one more."""

    __tablename__ = "table_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    number: Mapped[int]
    rows: Mapped[list[dict]] = mapped_column(JSON)
    change_request_id: Mapped[int | None] = mapped_column(ForeignKey("change_request.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
