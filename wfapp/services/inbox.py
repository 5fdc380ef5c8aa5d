"""我的待办: every open task of one user across workflows, most urgent first.

Read from the task rows (wfapp.services.tasks.mine): one query for the tasks, one per kind
of object shown, whatever the number of plans; the navigation's count is one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from wfapp.database import db
from wfapp.models import ChangeRequest, Plan, RectificationItem, Task, User
from wfapp.services import deadlines
from wfapp.services.tasks import mine
from wfapp.timeutil import local_today
from wfapp.workflows.change_request import CHANGE_REQUEST_WORKFLOW
from wfapp.workflows.evaluation_sheet import SHEET_WORKFLOW
from wfapp.workflows.plan import PLAN_WORKFLOW, STATE_LABELS
from wfapp.workflows.rectification import RECTIFICATION_WORKFLOW
from wfapp.workflows.rectification import STATE_LABELS as ITEM_STATE_LABELS

LIMIT = 500  # an inbox longer than this is a program-wide list: the office's board
KIND_LABELS = {
    "plan": "绩效工作方案",
    "evaluation_sheet": "集中考评评分",
    "change_request": "方案变更申请",
    "rectification_item": "整改事项",
}
# Actions taken with one click from the inbox; the others need a reason, a person, a file
# or a sheet, and link to the page where they are taken.
ONE_CLICK = {
    "plan": {"submit", "peer_approve", "leader_approve", "office_approve"},
    "change_request": {"approve"},
    "rectification_item": {"start", "verify", "close"},
    "evaluation_sheet": set(),
}
LABELS = {
    "plan": PLAN_WORKFLOW.action_labels,
    "change_request": CHANGE_REQUEST_WORKFLOW.action_labels,
    "rectification_item": RECTIFICATION_WORKFLOW.action_labels,
    "evaluation_sheet": {**SHEET_WORKFLOW.action_labels, "save": "评分"},
}


@dataclass
class Action:
    name: str
    label: str
    url: str
    post: bool  # a POST form with CSRF and the object's version; else a link to the page


@dataclass
class InboxItem:
    kind: str
    object_id: int
    plan: Plan
    title: str
    link: str
    stage_label: str
    due: date | None
    days_left: int | None
    reason: str | None
    version: int
    actions: list[Action] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def count(user: User) -> int:
    """How many things wait for the user: one query."""
    things = select(Task.kind, Task.object_id).where(mine(user)).distinct().subquery()
    return db.session.scalar(select(func.count()).select_from(things)) or 0


def items(user: User, today: date | None = None) -> list[InboxItem]:
    today = today or local_today()
    tasks = list(
        db.session.scalars(
            select(Task)
            .where(mine(user))
            .order_by(Task.due_date.is_(None), Task.due_date, Task.id)
            .limit(LIMIT)
        )
    )
    # One thing may wait for the user twice (two of their units review it): one line.
    things: dict[tuple[str, int], list[Task]] = {}
    for task in tasks:
        things.setdefault((task.kind, task.object_id), []).append(task)
    plans = _load(Plan, {t.plan_id for t in tasks})
    requests = _load(ChangeRequest, {t.object_id for t in tasks if t.kind == "change_request"})
    found = _load(RectificationItem, {t.object_id for t in tasks if t.kind == "rectification_item"})
    out = []
    for (kind, object_id), group in things.items():
        task = group[0]
        plan = plans[task.plan_id]
        names = list(dict.fromkeys(a for t in group for a in t.actions))
        if kind == "change_request":
            obj, link = requests[object_id], f"/change-requests/{object_id}"
            title = f"{plan.title}：方案变更申请 #{object_id}"
            stage = CHANGE_REQUEST_WORKFLOW.state_labels.get(task.stage, task.stage)
            post_base = f"/change-requests/{object_id}/"
        elif kind == "rectification_item":
            obj, link = found[object_id], f"/rectification-items/{object_id}"
            title = f"整改事项 #{object_id}（{plan.unit.short_name}）：{obj.finding[:60]}"
            stage = ITEM_STATE_LABELS.get(task.stage, task.stage)
            post_base = f"/rectification-items/{object_id}/"
        elif kind == "evaluation_sheet":
            obj, link = plan, f"/plans/{plan.id}/sheet"
            title, stage, post_base = plan.title, "集中考评评分", ""
        else:
            obj, link = plan, f"/plans/{plan.id}"
            title = plan.title
            stage = STATE_LABELS.get(task.stage, task.stage)
            post_base = f"/plans/{plan.id}/actions/"
        actions = [
            Action(
                n,
                LABELS[kind].get(n, n),
                f"{post_base}{n}" if n in ONE_CLICK[kind] else link,
                n in ONE_CLICK[kind],
            )
            for n in names
        ]
        due = min((t.due_date for t in group if t.due_date), default=None)
        out.append(
            InboxItem(
                kind,
                object_id,
                plan,
                title,
                link,
                stage,
                due,
                deadlines.days_left(due, today),
                next((t.reason for t in group if t.reason), None),
                obj.version,
                actions,
            )
        )
    # Overdue first, then the nearest due date; things without a due date last.
    out.sort(key=lambda i: (i.days_left is None, i.days_left or 0, i.plan.id, i.object_id))
    return out


def _load(model, ids: set[int]) -> dict:
    if not ids:
        return {}
    query = select(model).where(model.id.in_(ids))
    if model is Plan:
        query = query.options(
            joinedload(Plan.unit), joinedload(Plan.program), joinedload(Plan.group)
        )
    return {row.id: row for row in db.session.scalars(query)}
