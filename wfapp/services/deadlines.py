"""When a plan's current stage is due: the one place pages, API, reminders and feeds ask.

A stage's due date comes from the program's calendar (a fixed date, or N working days after
an event of the plan), unless the office granted this plan an extension for the stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select

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


def due_dates(plans: Sequence[Plan]) -> dict[int, date | None]:
    """`due_date` of each plan's current stage, in a number of statements that does not grow
    with the plans (lists, boards): the extensions of all of them at once, then one query per
    kind of relative rule and one per program for its declared days."""
    if not plans:
        return {}
    ids = [p.id for p in plans]
    extended: dict[tuple[int, str], tuple[int, date]] = {}
    for ext_id, plan_id, stage, due in db.session.execute(
        select(
            DeadlineExtension.id,
            DeadlineExtension.plan_id,
            DeadlineExtension.stage,
            DeadlineExtension.due_date,
        ).where(DeadlineExtension.plan_id.in_(ids))
    ):
        if (plan_id, stage) not in extended or extended[(plan_id, stage)][0] < ext_id:
            extended[(plan_id, stage)] = (ext_id, due)
    out: dict[int, date | None] = {}
    relative: dict[tuple[str, str], list[Plan]] = {}
    for plan in plans:
        if (plan.id, plan.state) in extended:
            out[plan.id] = extended[(plan.id, plan.state)][1]
            continue
        entry = plan.program.calendar_entry(plan.state)
        if entry is None:
            out[plan.id] = None
        elif entry.due_date is not None:
            out[plan.id] = entry.due_date
        elif entry.after_event and entry.working_days:
            relative.setdefault((plan.state, entry.after_event), []).append(plan)
        else:
            out[plan.id] = None
    overrides: dict[int, dict[date, bool]] = {}
    for (stage, event), group in relative.items():
        happened = _event_dates(group, stage, event)
        for plan in group:
            day = happened.get(plan.id)
            if day is None:
                out[plan.id] = None
                continue
            if plan.program_id not in overrides:
                overrides[plan.program_id] = day_overrides(plan.program_id)
            entry = plan.program.calendar_entry(stage)
            assert entry is not None and entry.working_days
            out[plan.id] = add_working_days(day, entry.working_days, overrides[plan.program_id])
    return out


def _event_dates(plans: Sequence[Plan], stage: str, event: str) -> dict[int, date | None]:
    """event_date for many plans at once: the newest matching event of each."""
    query = select(AuditEvent.plan_id, func.max(AuditEvent.at)).where(
        AuditEvent.plan_id.in_([p.id for p in plans])
    )
    if event == STAGE_ENTERED:
        query = query.where(AuditEvent.to_state == stage, AuditEvent.from_state != stage)
    else:
        query = query.where(AuditEvent.action == event)
    newest = dict(db.session.execute(query.group_by(AuditEvent.plan_id)).all())
    out: dict[int, date | None] = {}
    for plan in plans:
        at = newest.get(plan.id)
        if at is None and event == STAGE_ENTERED and plan.state == stage:
            at = plan.created_at
        shown = local(at)
        out[plan.id] = shown.date() if shown else None
    return out
