"""我的待办: the plans waiting for one user's action, most urgent first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from wfapp.models import Plan, User
from wfapp.services import deadlines, plans
from wfapp.timeutil import local_today
from wfapp.workflows.plan import STATE_LABELS


@dataclass
class InboxItem:
    plan: Plan
    due: date | None
    days_left: int | None
    actions: list[str]

    @property
    def stage_label(self) -> str:
        return STATE_LABELS.get(self.plan.state, self.plan.state)

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def items(user: User, today: date | None = None) -> list[InboxItem]:
    today = today or local_today()
    out = []
    for plan in plans.awaiting(user):
        due = deadlines.due_date(plan)
        out.append(
            InboxItem(
                plan, due, deadlines.days_left(due, today), plans.available_actions(user, plan)
            )
        )
    # Overdue first, then the nearest due date; plans without a due date last.
    out.sort(key=lambda i: (i.days_left is None, i.days_left or 0, i.plan.id))
    return out


def count(user: User) -> int:
    return len(plans.awaiting(user))
