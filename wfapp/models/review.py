"""Peer review (同组互审): who reviews whom, sign-offs per round, delegations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import db
from wfapp.models.org import Unit, User
from wfapp.timeutil import UTCDateTime, utcnow


class PeerAssignment(db.Model):
    __tablename__ = "peer_assignment"
    __table_args__ = (UniqueConstraint("plan_id", "reviewer_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    reviewer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)

    reviewer_unit: Mapped[Unit] = relationship()


class PeerSignoff(db.Model):
    """One reviewing unit's approval in one round; the unique key makes a double click harmless."""

    __tablename__ = "peer_signoff"
    __table_args__ = (UniqueConstraint("plan_id", "round", "reviewer_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    round: Mapped[int]
    reviewer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reviewer_unit: Mapped[Unit] = relationship()
    user: Mapped[User] = relationship()


class Delegation(db.Model):
    """A pending review handed to another user; the newest one for a stage and round counts."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    round: Mapped[int]
    stage: Mapped[str] = mapped_column(String(40))
    # For peer review: the reviewing unit whose review was handed on.
    reviewer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    from_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id])
