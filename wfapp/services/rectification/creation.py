"""Where items come from: the findings of a plan entering 整改 (in that transaction), and the items
the office adds by hand. The same origin (plan, kind, reference) never makes two items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import select

from wfapp.database import db
from wfapp.models import ExternalKind, Plan, RectificationItem, SourceKind, User
from wfapp.permissions import ADD_ITEM
from wfapp.services import external
from wfapp.services.access import require
from wfapp.services.errors import Invalid, Problem
from wfapp.services.evaluation import plan_sheets
from wfapp.services.events import item_changed, plan_changed
from wfapp.services.rectification.items import audit_item, default_due, due_from, text_problems
from wfapp.services.targets import format_points
from wfapp.services.uow import lock_plan, transaction
from wfapp.timeutil import local_today
from wfapp.workflows.plan import S


def init_app(app: Flask) -> None:
    plan_changed.connect(_on_plan_changed)


def _on_plan_changed(plan: Plan, *, from_state: str, to_state: str, **_) -> None:
    """A plan entering 整改 gets its findings as items, in the same transaction."""
    if to_state == S.RECTIFICATION and from_state != to_state:
        create_items_from_findings(plan)


@dataclass
class Finding:
    kind: SourceKind
    ref: str
    text: str
    indicator_code: str | None = None


def findings(plan: Plan) -> list[Finding]:
    """What the evaluation and the inspections found in the plan, each with its origin."""
    out: list[Finding] = []
    sheets = [
        s for s in plan_sheets(plan).sheets.values() if s.state == "signed"
    ]  # drafts do not count
    by_code = {leaf.code: leaf for leaf in plan.leaves}
    for code, leaf in by_code.items():
        comments = [
            i.comment.strip() or "（未写明）"
            for s in sheets
            if (i := s.item(code)) is not None and i.finding
        ]
        if comments:
            text = f"{code} {leaf.content}：" + "；".join(dict.fromkeys(comments))
            out.append(Finding(SourceKind.SHEET_FINDING, code, text, code))
        scores = [
            i.score for s in sheets if (i := s.item(code)) is not None and i.score is not None
        ]
        if scores and leaf.weight > 0:
            mean = sum(scores, Decimal(0)) / len(scores)
            limit = plan.program.low_score_threshold * leaf.weight
            if mean < limit:
                text = (
                    f"{code} {leaf.content}：集中考评平均得分 {format_points(mean.quantize(Decimal('0.01')))}"
                    f" 分，低于权重 {format_points(leaf.weight)} 分的"
                    f" {format_points(plan.program.low_score_threshold * 100)}%"
                )
                out.append(Finding(SourceKind.LOW_SCORE, code, text, code))
    for entry in external.effective(plan, ExternalKind.DEDUCTION):
        day = f"{entry.occurred_on.isoformat()} " if entry.occurred_on else ""
        text = f"察访核验（{day}扣 {format_points(entry.points)} 分）：{entry.reason}"
        out.append(Finding(SourceKind.INSPECTION, str(entry.id), text))
    return out


def create_items_from_findings(
    plan: Plan, actor: User | None = None, today: date | None = None
) -> list[RectificationItem]:
    """Inside the caller's transaction: an item for each finding that has none yet."""
    today = today or local_today()
    existing = set(
        db.session.execute(
            select(RectificationItem.source_kind, RectificationItem.source_ref).where(
                RectificationItem.plan_id == plan.id
            )
        ).tuples()
    )
    created = []
    due: tuple[date, int | None] | None = None
    for found in findings(plan):
        if (found.kind, found.ref) in existing:
            continue
        due = due or default_due(plan.program, today)
        leaf = plan.indicator(found.indicator_code) if found.indicator_code else None
        item = RectificationItem(
            plan_id=plan.id,
            program_id=plan.program_id,
            unit_id=plan.unit_id,
            source_kind=found.kind,
            source_ref=found.ref,
            indicator_code=found.indicator_code,
            finding=found.text,
            responsible_department="、".join(leaf.responsible_departments or []) if leaf else "",
            responsible_person="、".join(leaf.responsible_persons or []) if leaf else "",
            due_date=due[0],
            due_working_days=due[1],
            created_by_id=actor.id if actor else None,
        )
        created.append(add_to_plan(item, plan, actor, "create_from_finding"))
    return created


def collect_findings(
    user: User, plan_id: int, today: date | None = None
) -> list[RectificationItem]:
    """The office looks again (an inspection recorded late): new findings become items."""
    with transaction():
        plan = lock_plan(plan_id)
        require(user, ADD_ITEM, plan)
        return create_items_from_findings(plan, user, today)


def add_item(
    user: User,
    plan_id: int,
    *,
    finding: str,
    responsible_department: str = "",
    responsible_person: str = "",
    measures: str = "",
    due_date: date | None = None,
    due_working_days: int | None = None,
    indicator_code: str | None = None,
    today: date | None = None,
) -> RectificationItem:
    """The office records a finding by hand."""
    with transaction():
        plan = lock_plan(plan_id)
        require(user, ADD_ITEM, plan)
        problems = text_problems(
            finding=finding,
            responsible_department=responsible_department,
            responsible_person=responsible_person,
            measures=measures,
        )
        if not finding.strip():
            problems.insert(0, Problem("finding", "请填写发现的问题"))
        code = (indicator_code or "").strip() or None
        if code is not None and plan.indicator(code) is None:
            problems.append(Problem("indicator_code", f"本方案没有序号为“{code}”的指标"))
        try:
            due, days = due_from(plan.program, due_date, due_working_days, today or local_today())
        except Invalid as exc:
            problems += exc.problems
        if problems:
            raise Invalid("整改事项未登记：请修正标出的字段", problems)
        item = RectificationItem(
            plan_id=plan.id,
            program_id=plan.program_id,
            unit_id=plan.unit_id,
            source_kind=SourceKind.MANUAL,
            indicator_code=code,
            finding=finding.strip(),
            responsible_department=responsible_department.strip(),
            responsible_person=responsible_person.strip(),
            measures=measures.strip(),
            due_date=due,
            due_working_days=days,
            created_by_id=user.id,
        )
        return add_to_plan(item, plan, user, "create_item")


def add_to_plan(
    item: RectificationItem, plan: Plan, actor: User | None, action: str
) -> RectificationItem:
    db.session.add(item)
    item.plan = plan
    db.session.flush()
    data: dict[str, Any] = {
        "item": item.id,
        "source": item.source_kind,
        "due_date": item.due_date.isoformat(),
    }
    if item.carried_from_id:
        data["carried_from"] = item.carried_from_id
    audit_item(item, plan, actor, action, None, item.state, item.finding, data)
    item_changed.send(item, actor=actor, action=action, from_state=None, to_state=item.state)
    return item
