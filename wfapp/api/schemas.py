"""Request bodies (validated with pydantic: unknown fields and wrong types are refused)
and the JSON shapes the API answers with."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from wfapp.models import AuditEvent, Indicator, Plan, Task
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


def action_result(plan: Plan, tasks: list[Task], mine: list[str]) -> dict[str, Any]:
    """The answer to an action: the plan and the open work the service just wrote, without
    reading the table or asking every action's permission again."""
    due = min((t.due_date for t in tasks if t.due_date), default=None)
    return {
        **plan_summary(plan),
        "approval_number": plan.approval_number,
        "published_at": iso(plan.published_at),
        "total_points": str(plan.program.total_points),
        "due_date": due.isoformat() if due else None,
        "actions": mine,
        "tasks": [
            {
                "stage": t.stage,
                "role": t.role,
                "unit_id": t.unit_id,
                "user_id": t.user_id,
                "due_date": t.due_date.isoformat() if t.due_date else None,
                "actions": list(t.actions),
            }
            for t in tasks
        ],
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


# --- calendar, extensions, notices, outbox -------------------------------------------------


def _iso_date(value: Any) -> Any:
    """Dates travel as "YYYY-MM-DD" strings, nothing looser."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("日期格式应为 YYYY-MM-DD") from exc
    raise ValueError("日期应为 YYYY-MM-DD 格式的字符串")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class StageDeadlineIn(Body):
    """A fixed due_date, or working_days after after_event; all empty removes the stage's."""

    due_date: IsoDate | None = None
    after_event: StrictStr | None = None
    working_days: StrictInt | None = None
    opens_on: IsoDate | None = None


class CalendarDayIn(Body):
    working: StrictBool = False  # false: a closure; true: an adjusted working day (调休)
    note: StrictStr = Field(default="", max_length=200)


class ReminderPolicyIn(Body):
    enabled: StrictBool = True
    days_before: list[StrictInt] = Field(max_length=20)
    overdue_repeat: StrictBool = True
    notify_head: StrictBool = True
    escalate_after: StrictInt | None = None


class ExtensionIn(Body):
    due_date: IsoDate
    reason: StrictStr = Field(min_length=1, max_length=500)
    stage: StrictStr | None = None  # default: the plan's current stage
    version: StrictInt | None = None


def day_out(day) -> dict[str, Any]:
    return {"day": day.day.isoformat(), "working": day.working, "note": day.note}


def calendar_out(cal) -> dict[str, Any]:
    return {
        "program": {"id": cal.program.id, "year": cal.program.year, "title": cal.program.title},
        "coverage": {"first_year": cal.coverage[0], "last_year": cal.coverage[1]},
        "stages": [
            {
                "stage": row.stage,
                "label": row.label,
                "due_date": row.due_date.isoformat() if row.due_date else None,
                "after_event": row.after_event,
                "working_days": row.working_days,
                "opens_on": row.opens_on.isoformat() if row.opens_on else None,
                "rule_text": row.rule_text,
                "reminders": {
                    "enabled": row.policy.enabled,
                    "days_before": list(row.policy.days_before),
                    "overdue_repeat": row.policy.overdue_repeat,
                    "notify_head": row.policy.notify_head,
                    "escalate_after": row.policy.escalate_after,
                    "customized": row.customized,
                },
            }
            for row in cal.stages
        ],
        "days": [day_out(d) for d in cal.days],
    }


def extension_out(ext) -> dict[str, Any]:
    return {
        "id": ext.id,
        "stage": ext.stage,
        "due_date": ext.due_date.isoformat(),
        "reason": ext.reason,
        "granted_by": ext.granted_by.username,
        "at": iso(ext.at),
    }


def notice_out(notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "kind": notice.kind,
        "title": notice.title,
        "body": notice.body,
        "plan_id": notice.plan_id,
        "link": notice.link,
        "created_at": iso(notice.created_at),
        "read": notice.read_at is not None,
    }


def outbox_out(message) -> dict[str, Any]:
    return {
        "id": message.id,
        "status": message.status,
        "to": message.to_addr,
        "subject": message.subject,
        "plan_id": message.plan_id,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "next_attempt_at": iso(message.next_attempt_at),
        "created_at": iso(message.created_at),
        "sent_at": iso(message.sent_at),
        "message_id": message.message_id,
    }
