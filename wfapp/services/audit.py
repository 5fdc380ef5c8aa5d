"""Writing and reading the append-only audit trail: plan events, and events about other
objects (a program's settings, a group, a user's grants …) named by object_type/object_id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import AuditEvent, Plan, User


def record_event(
    object_type: str,
    object_id: int,
    actor: User | None,
    action: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
    *,
    plan: Plan | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        object_type=object_type,
        object_id=object_id,
        plan_id=plan.id if plan is not None else None,
        actor_id=actor.id if actor else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        round=plan.round if plan is not None else None,
        comment=comment or "",
        data=data,
    )
    db.session.add(event)
    return event


def record_plan_event(
    plan: Plan,
    actor: User | None,
    action: str,
    from_state: str | None,
    to_state: str | None,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return record_event(
        "plan",
        plan.id,
        actor,
        action,
        comment,
        data,
        plan=plan,
        from_state=from_state,
        to_state=to_state,
    )


def plan_events(plan_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.plan_id == plan_id).order_by(AuditEvent.id)
        )
    )


def object_events(object_type: str, object_id: int, limit: int = 50) -> list[AuditEvent]:
    """The newest events about one object, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
