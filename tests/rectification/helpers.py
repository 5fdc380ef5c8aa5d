"""Builders for rectification tests: a world whose plan is in 整改, items, signed sheets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.factories import build_world, make_user
from wfapp.database import db
from wfapp.models import (
    EvaluationSheet,
    EvaluatorAssignment,
    Plan,
    RectificationItem,
    Role,
    SheetItem,
    SourceKind,
    StageDeadline,
    User,
)
from wfapp.services.evidence import Upload
from wfapp.services.rectification.creation import add_to_plan
from wfapp.services.uow import transaction

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DUE = date(2025, 4, 30)


def rect_world(state: str = "rectification"):
    """The conftest world with unit A's plan in `state`, an inspector, and a 整改 due date
    in the program's calendar (so items made from findings need no holiday data)."""
    world = build_world(state=state)
    world.users["inspector"] = make_user("inspector", (Role.INSPECTOR, world.program))
    world.program.deadlines.append(StageDeadline(stage="rectification", due_date=DUE))
    db.session.commit()
    return world


def make_item(plan: Plan, actor: User | None = None, **kw) -> RectificationItem:
    """An item as the office would add it by hand, through the service's own path."""
    with transaction():
        item = RectificationItem(
            plan_id=plan.id,
            program_id=plan.program_id,
            unit_id=plan.unit_id,
            source_kind=kw.pop("source_kind", SourceKind.MANUAL),
            finding=kw.pop("finding", "台账不全"),
            due_date=kw.pop("due_date", DUE),
            state=kw.pop("state", "open"),
            **kw,
        )
        add_to_plan(item, plan, actor, "create_item")
    return item


def sign_sheet(plan: Plan, evaluator: User, scores: dict[str, str], findings=()) -> None:
    """A signed sheet of `evaluator` (assigned to the plan) with these scores and findings."""
    db.session.add(
        EvaluatorAssignment(
            program_id=plan.program_id,
            evaluator_id=evaluator.id,
            plan_id=plan.id,
            assigned_by_id=evaluator.id,
        )
    )
    sheet = EvaluationSheet(plan_id=plan.id, evaluator_id=evaluator.id)
    for code, score in scores.items():
        sheet.items.append(
            SheetItem(
                indicator_code=code,
                score=Decimal(score),
                comment=f"{code} 评语",
                finding=code in findings,
            )
        )
    db.session.add(sheet)
    db.session.flush()
    sheet.state = "signed"
    db.session.commit()


def pdf(name: str = "整改报告.pdf") -> Upload:
    import io

    return Upload(name, io.BytesIO(PDF))
