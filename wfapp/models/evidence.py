"""Evidence files (佐证材料): stored outside the static folder under generated names."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.org import User
from wfapp.timeutil import UTCDateTime, utcnow


class EvidenceScope(StrEnum):
    PLAN = "plan"  # progress and self-assessment: seen by whoever may see the plan
    EXTERNAL = "external"  # bonus and deduction records: seen by whoever may see those
    RECTIFICATION = "rectification"  # proof of a rectification: seen by whoever sees the items


class EvidenceFile(db.Model):
    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    scope: Mapped[str] = mapped_column(String(20), default=EvidenceScope.PLAN)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))  # pdf, docx, xlsx, jpg, png, mp3, mp4
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User] = relationship()
