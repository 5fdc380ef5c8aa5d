"""Writing and reading the append-only audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import AuditEvent, Plan, User


def record_plan_event(
    plan: Plan,
    actor: User | None,
    action: str,
    from_state: str | None,
    to_state: str | None,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return record_event(plan, actor, "plan", plan.id, action, from_state, to_state, comment, data)


def record_event(
    plan: Plan,
    actor: User | None,
    object_type: str,
    object_id: int,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """An event about something that belongs to a plan (a sheet, a change request, an
    external entry …): it shows in the plan's history too."""
    event = AuditEvent(
        object_type=object_type,
        object_id=object_id,
        plan_id=plan.id,
        actor_id=actor.id if actor else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        round=plan.round,
        comment=comment or "",
        data=data,
    )
    db.session.add(event)
    return event


def plan_events(plan_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.plan_id == plan_id).order_by(AuditEvent.id)
        )
    )
