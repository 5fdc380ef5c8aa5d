"""When a plan's current stage is due: the one place pages, API and reminders ask."""

from __future__ import annotations

from datetime import date

from wfapp.models import Plan


def due_date(plan: Plan) -> date | None:
    """The due date of the stage the plan is in now, from the program's calendar."""
    return plan.program.deadline_for(plan.state)


def days_left(due: date | None, today: date) -> int | None:
    """Days until the due date; negative when overdue."""
    return None if due is None else (due - today).days
