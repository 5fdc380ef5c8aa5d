"""Request bodies (validated with pydantic: unknown fields and wrong types are refused)
and the JSON shapes the API answers with."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from wfapp.models import AuditEvent, Indicator, Plan
from wfapp.services.deadlines import due_date
from wfapp.timeutil import local
from wfapp.workflows.plan import STATE_LABELS


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class TokenRequest(Body):
    username: StrictStr = Field(min_length=1, max_length=80)
    password: StrictStr = Field(min_length=1, max_length=200)


class ActionRequest(Body):
    version: StrictInt
    comment: StrictStr = Field(default="", max_length=2000)
    to_user: StrictStr | StrictInt | None = None  # delegate: username or id
    approval_number: StrictStr | None = Field(default=None, max_length=100)  # office_approve


Names = list[StrictStr] | StrictStr


class IndicatorIn(Body):
    code: StrictStr
    parent: StrictStr | None = None
    category: Literal["key", "regular", "dynamic", "capacity"]
    content: StrictStr = ""
    # Checked by the target-table rules, which name the row: "2", 2, 2.5 are all fine.
    weight: StrictStr | StrictInt | StrictFloat
    responsible_leaders: Names = []
    responsible_departments: Names = []
    responsible_persons: Names = []
    note: StrictStr = ""


class IndicatorTableIn(Body):
    indicators: list[IndicatorIn]
    version: StrictInt | None = None


# --- answers -------------------------------------------------------------------------------


def iso(dt) -> str | None:
    shown = local(dt)
    return shown.isoformat() if shown else None


def plan_summary(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "unit": {"id": plan.unit.id, "name": plan.unit.name},
        "program": {"id": plan.program.id, "year": plan.program.year, "title": plan.program.title},
        "group": {"id": plan.group.id, "name": plan.group.name},
        "state": plan.state,
        "state_label": STATE_LABELS.get(plan.state, plan.state),
        "version": plan.version,
        "round": plan.round,
    }


def indicator_out(ind: Indicator) -> dict[str, Any]:
    row = ind.as_row()
    row["weight"] = str(ind.weight)
    row["level"] = ind.level
    return row


def plan_detail(plan: Plan, actions: list[str], warnings: list[dict[str, str]]) -> dict[str, Any]:
    return {
        **plan_summary(plan),
        "approval_number": plan.approval_number,
        "published_at": iso(plan.published_at),
        "due_date": (d.isoformat() if (d := due_date(plan)) else None),
        "total_points": str(plan.program.total_points),
        "indicators": [indicator_out(i) for i in plan.indicators],
        "warnings": warnings,
        "actions": actions,
    }


def event_out(event: AuditEvent) -> dict[str, Any]:
    return {
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": event.actor.username if event.actor else "system",
        "actor_name": event.actor.display_name if event.actor else "系统",
        "round": event.round,
        "at": iso(event.at),
        "comment": event.comment,
        "data": event.data,
    }
