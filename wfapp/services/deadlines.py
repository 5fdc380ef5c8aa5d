"""When a plan's current stage is due: the one place pages, API, reminders and feeds ask.

A stage's due date comes from the program's calendar (a fixed date, or N working days after
an event of the plan), unless the office granted this plan an extension for the stage.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import AuditEvent, CalendarDay, DeadlineExtension, Plan
from wfapp.services.workdays import add_working_days
from wfapp.timeutil import local

# The event a relative due date counts from: the plan entering the stage, or a workflow action.
STAGE_ENTERED = "stage_entered"


def due_date(plan: Plan, stage: str | None = None) -> date | None:
    """The due date of `stage` (default: the stage the plan is in now) for this plan."""
    stage = stage or plan.state
    extension = latest_extension(plan.id, stage)
    if extension is not None:
        return extension.due_date
    return calendar_due_date(plan, stage)


def calendar_due_date(plan: Plan, stage: str) -> date | None:
    """The due date the program's calendar gives, before any extension."""
    entry = plan.program.calendar_entry(stage)
    if entry is None:
        return None
    if entry.due_date is not None:
        return entry.due_date
    if entry.after_event and entry.working_days:
        happened = event_date(plan, stage, entry.after_event)
        if happened is None:
            return None  # the event has not happened yet
        return add_working_days(happened, entry.working_days, day_overrides(plan.program_id))
    return None


def event_date(plan: Plan, stage: str, event: str) -> date | None:
    """The local date of the newest such event of the plan."""
    query = select(AuditEvent.at).where(AuditEvent.plan_id == plan.id)
    if event == STAGE_ENTERED:
        query = query.where(AuditEvent.to_state == stage, AuditEvent.from_state != stage)
    else:
        query = query.where(AuditEvent.action == event)
    at = db.session.scalar(query.order_by(AuditEvent.id.desc()).limit(1))
    if at is None and event == STAGE_ENTERED and plan.state == stage:
        at = plan.created_at  # created directly in this stage
    shown = local(at)
    return shown.date() if shown else None


def latest_extension(plan_id: int, stage: str) -> DeadlineExtension | None:
    return db.session.scalars(
        select(DeadlineExtension)
        .where(DeadlineExtension.plan_id == plan_id, DeadlineExtension.stage == stage)
        .order_by(DeadlineExtension.id.desc())
        .limit(1)
    ).first()


def day_overrides(program_id: int) -> dict[date, bool]:
    """Days the program's office declared: closures (False) and extra working days (True)."""
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.working).where(CalendarDay.program_id == program_id)
    )
    return {day: working for day, working in rows}


def days_left(due: date | None, today: date) -> int | None:
    """Days until the due date; negative when overdue."""
    return None if due is None else (due - today).days
