"""Reading rectification items (整改事项) as a user may, their due dates, the bounds of their texts,
and the audit record every change of an item writes."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Plan, Program, RectificationItem, Role, User
from wfapp.permissions import VIEW_ITEMS, Decision, decide
from wfapp.services import audit
from wfapp.services.access import require
from wfapp.services.deadlines import day_overrides, days_left
from wfapp.services.errors import Invalid, NotFound, Problem
from wfapp.services.workdays import add_working_days, add_working_days_or_estimate
from wfapp.timeutil import local, local_today
from wfapp.workflows.plan import S
from wfapp.workflows.rectification import OPEN_STATES, RECTIFICATION_WORKFLOW, R

log = logging.getLogger(__name__)

MAX_TEXT = 2000
MAX_NAME = 200
MAX_WORKING_DAYS = 250


def items_of(user: User, plan: Plan) -> list[RectificationItem]:
    require(user, VIEW_ITEMS, plan)
    return list(
        db.session.scalars(
            select(RectificationItem)
            .where(RectificationItem.plan_id == plan.id)
            .order_by(RectificationItem.id)
        )
    )


def get_item(user: User, item_id: int) -> RectificationItem:
    item = db.session.get(RectificationItem, item_id)
    if item is None:
        raise NotFound("未找到该整改事项")
    require(user, "view", item)
    return item


def my_items(user: User) -> list[RectificationItem]:
    """The items of the user's own units (liaison, head, 分管领导), newest program first."""
    unit_ids = user.unit_ids(Role.LIAISON, Role.UNIT_HEAD, Role.LEADER)
    rows = db.session.scalars(
        select(RectificationItem)
        .join(Program, Program.id == RectificationItem.program_id)
        .where(RectificationItem.unit_id.in_(unit_ids))
        .order_by(Program.year.desc(), RectificationItem.due_date, RectificationItem.id)
    )
    return [i for i in rows if decide(user, "view", i) is Decision.ALLOWED]


def available_actions(user: User, item: RectificationItem) -> list[str]:
    return [
        a
        for a in RECTIFICATION_WORKFLOW.actions_from(item.state)
        if decide(user, a, item) is Decision.ALLOWED
    ]


def is_overdue(item: RectificationItem, today: date | None = None) -> bool:
    """Open past its due date; an item carried into the next program is rectified (and
    counted) there."""
    left = days_left(item.due_date, today or local_today())
    if item.state not in OPEN_STATES or left is None or left >= 0:
        return False
    # Only a closed program's items are carried: ask (one query) only then.
    return item.program.closed_at is None or not item.carried_to


def closed_on_time(item: RectificationItem) -> bool:
    closed = local(item.closed_at)
    return item.state == R.CLOSED and closed is not None and closed.date() <= item.due_date


def due_from(
    program: Program, due: date | None, working_days: int | None, today: date
) -> tuple[date, int | None]:
    """A due date given as a date or as N working days after `today` (the program's closures
    and extra working days count)."""
    if due is not None and working_days is not None:
        raise Invalid("请只填写一种期限", [Problem("due", "截止日期与工作日数只能填写一种")])
    if due is not None:
        return due, None
    if working_days is None:
        raise Invalid("请填写整改期限", [Problem("due", "请填写截止日期或工作日数")])
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        message = f"工作日数应在 1 到 {MAX_WORKING_DAYS} 之间"
        raise Invalid(message, [Problem("due", message)])
    return add_working_days(today, working_days, day_overrides(program.id)), working_days


def default_due(program: Program, today: date) -> tuple[date, int | None]:
    """For items made from findings: the calendar's 整改 due date, or the configured number
    of working days."""
    entry = program.calendar_entry(S.RECTIFICATION)
    if entry is not None and entry.due_date is not None:
        return entry.due_date, None
    n = int(current_app.config["RECTIFICATION_WORKING_DAYS"])
    due, estimated = add_working_days_or_estimate(today, n, day_overrides(program.id))
    if estimated:
        log.warning(
            "整改期限按周一至周五估算（节假日数据未覆盖）：%s 起 %d 个工作日 → %s", today, n, due
        )
    return due, n


def text_problems(**fields: str) -> list[Problem]:
    limits = {"responsible_department": MAX_NAME, "responsible_person": MAX_NAME}
    return [
        Problem(name, f"不能超过{limits.get(name, MAX_TEXT)}字")
        for name, value in fields.items()
        if len(value or "") > limits.get(name, MAX_TEXT)
    ]


def audit_item(
    item: RectificationItem,
    plan: Plan,
    actor: User | None,
    action: str,
    from_state: str | None,
    to_state: str | None,
    comment: str,
    data: dict[str, Any],
) -> None:
    audit.record_event(
        "rectification_item",
        item.id,
        actor,
        action,
        comment=comment,
        data=data,
        plan=plan,
        from_state=from_state,
        to_state=to_state,
    )
