"""The audit trail: append-only, enforced in the ORM and by database triggers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wfapp.database import append_only_sql, db, make_append_only
from wfapp.models.org import User
from wfapp.timeutil import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What was acted on: ("plan", 7), later ("rectification_item", 3) …
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: system
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    round: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The hash chain (wfapp.models.audit_chain): the previous row's hash, and sha256 over
    # that and this row's canonical content. `wfapp audit verify` recomputes both.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()


class AuditChainHead(db.Model):
    """One row: the chain's last hash and length. Every transaction that writes audit rows
    updates it first, which serializes chain writes (a row lock on PostgreSQL, the write
    lock on SQLite), and it lets verify notice rows cut off the end of the chain."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    length: Mapped[int] = mapped_column(default=0)


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise AppendOnlyError("audit events are append-only")


# The same promise in the database, for anyone who bypasses the ORM.
def audit_trigger_sql(dialect_name: str) -> list[str]:
    return append_only_sql("audit_event", dialect_name)


make_append_only(AuditEvent.__table__)
