"""The demo's year, walked through the services as the demo users would: every demo plan
from draft to centralized evaluation with self-assessments, three evaluators' signed sheets,
public scores, a bonus and a 察访核验 deduction, so that closing evaluation (and reading each
unit's result) can be tried at once: `wfapp demo --to-evaluation`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Plan, Program, User
from wfapp.services import evaluation, external, plans, self_assessment
from wfapp.services.demo import PROGRAM_TITLE
from wfapp.workflows.plan import S

# Each unit's evaluators score this share of every leaf's weight (three evaluators).
SHARES = [
    ("0.96", "0.94", "0.95"),
    ("0.90", "0.92", "0.88"),
    ("0.86", "0.84", "0.85"),
    ("0.80", "0.82", "0.78"),
]
PUBLIC = ["91.5", "88", "86.5", "84"]
CENT = Decimal("0.01")


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def to_evaluation() -> int:
    """Move every demo plan still in draft up to centralized evaluation; returns how many."""
    program = db.session.scalars(select(Program).where(Program.title == PROGRAM_TITLE)).one()
    demo_plans = list(
        db.session.scalars(select(Plan).where(Plan.program_id == program.id).order_by(Plan.id))
    )
    office = _user("office")
    heads = {p.unit_id: _user(f"u{i + 1}-head") for i, p in enumerate(demo_plans)}
    moved = 0
    for index, plan in enumerate(demo_plans):
        if plan.state != S.DRAFT:
            continue
        n = index + 1
        plans.fire(_user(f"u{n}-head"), plan.id, "submit")
        for peer in plan.peer_assignments:
            plans.fire(heads[peer.reviewer_unit_id], plan.id, "peer_approve", comment="同意")
        plans.fire(_user("leader1"), plan.id, "leader_approve", comment="同意")
        plans.fire(office, plan.id, "office_approve", approval_number=f"泉绩效办〔2024〕{n}号")
        moved += 1
    self_assessment.open_for_program(office, program.id)
    evaluators = [_user(f"evaluator{k}") for k in (1, 2, 3)]
    group = demo_plans[0].group
    assigned = {a.evaluator_id for a in evaluation.assignments(office, program.id)}
    for ev in evaluators:
        if ev.id not in assigned:
            evaluation.assign(office, program.id, ev.id, group_id=group.id)
    for index, plan in enumerate(demo_plans):
        n = index + 1
        if plan.state == S.SELF_ASSESSMENT:
            shares = [Decimal(s) for s in SHARES[index % 4]]
            mean = sum(shares) / len(shares)
            items = [
                {
                    "code": leaf.code,
                    "score": str((leaf.weight * mean).quantize(CENT)),
                    "explanation": "已按计划完成，详见工作台账",
                }
                for leaf in plan.leaves
            ]
            liaison = _user(f"u{n}-liaison")
            self_assessment.save(liaison, plan.id, items)
            plans.fire(liaison, plan.id, "submit_self_assessment")
        if plan.state != S.CENTRAL_EVALUATION:
            continue
        for ev, share in zip(evaluators, SHARES[index % 4], strict=True):
            sheet = evaluation.sheet_of(plan, ev)
            if sheet is not None and sheet.state == "signed":
                continue
            items = [
                {
                    "code": leaf.code,
                    "score": str((leaf.weight * Decimal(share)).quantize(CENT)),
                    "comment": "",
                    "finding": False,
                }
                for leaf in plan.leaves
            ]
            evaluation.save_sheet(ev, plan.id, items)
            evaluation.sign_sheet(ev, plan.id)
        if not external.effective(plan, "public_score"):
            external.record(
                _user("surveyor"), plan.id, kind="public_score", points=PUBLIC[index % 4]
            )
        if index == 1 and not external.effective(plan, "bonus"):
            external.record(
                office,
                plan.id,
                kind="bonus",
                points="1",
                level="province",
                reason="经验做法获省政府通报表扬",
            )
        if index == 3 and not external.effective(plan, "deduction"):
            external.record(
                _user("inspector"),
                plan.id,
                kind="deduction",
                points="1",
                reason="暗访发现窗口工作人员脱岗",
                occurred_on=date(2025, 1, 8),
            )
    return moved
