"""A group in centralized evaluation, built directly: four plans, two evaluators assigned to
the group, signed sheets, public scores. Scores make the order A > B > C > D."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.factories import make_plan
from tests.year.helpers import year_world
from wfapp.database import db
from wfapp.models import EvaluationSheet, EvaluatorAssignment, ExternalEntry, SheetItem

# Each unit's sheets score this share of every leaf's weight (two evaluators).
SHARES = {
    "A": ("0.96", "0.94"),
    "B": ("0.90", "0.88"),
    "C": ("0.85", "0.85"),
    "D": ("0.80", "0.78"),
}
PUBLIC = {"A": 90, "B": 88, "C": 86, "D": 84}


def results_world(*, sign: bool = True, public: bool = True, units: str = "ABCD"):
    world = year_world(state="central_evaluation")
    world.program.scheme = "quanzhou-2021"
    plans = {"A": world.plan}
    for key in units[1:]:
        plans[key] = make_plan(
            world.program, world.group, world.units[key], state="central_evaluation"
        )
    evaluators = [world.evaluator, world.evaluator2]
    for user in evaluators:
        db.session.add(
            EvaluatorAssignment(
                program_id=world.program.id,
                evaluator_id=user.id,
                group_id=world.group.id,
                assigned_by_id=world.office.id,
            )
        )
    for key, plan in plans.items():
        for user, share in zip(evaluators, SHARES[key], strict=True):
            if sign:
                signed_sheet(plan, user, Decimal(share))
        if public:
            public_score(world, plan, PUBLIC[key])
    db.session.commit()
    world.extra["plans"] = plans
    return world


def signed_sheet(plan, user, share: Decimal, findings: tuple[str, ...] = ()) -> EvaluationSheet:
    sheet = EvaluationSheet(plan_id=plan.id, evaluator_id=user.id)
    for leaf in plan.leaves:
        sheet.items.append(
            SheetItem(
                indicator_code=leaf.code,
                score=(leaf.weight * share).quantize(Decimal("0.01")),
                finding=leaf.code in findings,
            )
        )
    db.session.add(sheet)
    db.session.flush()
    sheet.state = "signed"
    db.session.flush()
    return sheet


def public_score(world, plan, points) -> None:
    db.session.add(
        ExternalEntry(
            plan_id=plan.id,
            kind="public_score",
            points=Decimal(points),
            created_by_id=world.surveyor.id,
        )
    )


def deduction(world, plan, points, reason="暗访发现脱岗") -> None:
    db.session.add(
        ExternalEntry(
            plan_id=plan.id,
            kind="deduction",
            points=Decimal(points),
            reason=reason,
            occurred_on=date(2025, 1, 10),
            created_by_id=world.inspector.id,
        )
    )
    db.session.commit()
