"""Self-assessment (自评): the office opens it, the unit scores every leaf (0 … weight) with an
explanation and evidence, saves drafts, and submits it into centralized evaluation.

Opening and submitting are plan workflow actions (`open_self_assessment`,
`submit_self_assessment`) fired through wfapp.services.plans.fire."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Plan, Program, SelfScore, User
from wfapp.permissions import OPEN_SELF_ASSESSMENT, SAVE_SELF_ASSESSMENT, VIEW_SELF_ASSESSMENT
from wfapp.services import audit, evidence, plans
from wfapp.services.access import require
from wfapp.services.errors import Conflict, Invalid, NotFound, Problem, ServiceError
from wfapp.services.openings import register_opening
from wfapp.services.scores import fmt_points, parse_leaf_row, self_scores
from wfapp.services.uow import lock_plan, transaction
from wfapp.workflows.plan import S

MAX_EXPLANATION = 2000


def entries(user: User, plan: Plan) -> dict[str, SelfScore]:
    """The plan's self scores by leaf code, for those who may read them."""
    require(user, VIEW_SELF_ASSESSMENT, plan)
    return self_scores(plan)


def save(
    user: User, plan_id: int, items: list[Mapping[str, Any]], version: int | None = None
) -> dict[str, SelfScore]:
    """Save a draft: each item {code, score, explanation, evidence_ids}. Empty is allowed
    (a draft); a score out of 0 … weight, an unknown code or foreign evidence is refused and
    nothing is saved."""
    with transaction():
        plan = lock_plan(plan_id)
        require(user, SAVE_SELF_ASSESSMENT, plan)
        if version is not None and version != plan.version:
            raise Conflict()
        leaves = {leaf.code: leaf for leaf in plan.leaves}
        existing = self_scores(plan)
        problems: list[Problem] = []
        parsed = []
        for item in items:
            code, score, explanation, row_problems = parse_leaf_row(
                leaves, item, "explanation", "说明", MAX_EXPLANATION
            )
            problems += row_problems
            if code is None:
                continue
            try:
                files = evidence.resolve(plan, list(item.get("evidence_ids") or []), code)
            except Invalid as exc:
                problems += exc.problems
                continue
            parsed.append((code, score, explanation, files))
        if problems:
            raise Invalid("自评未保存：请修正标出的指标", problems)
        changed = []
        for code, score, explanation, files in parsed:
            row = existing.get(code)
            if row is None:
                if score is None and not explanation and not files:
                    continue  # an untouched row of the form
                row = SelfScore(plan_id=plan.id, indicator_code=code, updated_by_id=user.id)
                db.session.add(row)
                existing[code] = row
            if (row.score, row.explanation, row.evidence) == (score, explanation, files):
                continue
            row.score, row.explanation, row.evidence = score, explanation, files
            row.updated_by_id = user.id
            changed.append({"code": code, "score": fmt_points(score)})
        if changed:
            audit.record_plan_event(
                plan,
                user,
                "save_self_assessment",
                plan.state,
                plan.state,
                data={"items": changed},
            )
    return existing


@dataclass
class OpenResult:
    opened: list[Plan] = field(default_factory=list)
    refused: list[tuple[Plan, str]] = field(default_factory=list)


def open_for_program(user: User, program_id: int) -> OpenResult:
    """Open self-assessment for every published plan of the program (office). Each plan is
    its own action; one that cannot open (a pending change request) is named, not fatal."""
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    require(user, OPEN_SELF_ASSESSMENT, program)
    result = OpenResult()
    plan_ids = db.session.scalars(
        select(Plan.id)
        .where(Plan.program_id == program.id, Plan.state == S.PUBLISHED)
        .order_by(Plan.group_id, Plan.unit_id)
    ).all()
    for plan_id in plan_ids:
        try:
            result.opened.append(plans.fire(user, plan_id, "open_self_assessment"))
        except ServiceError as exc:
            plan = db.session.get(Plan, plan_id)
            assert plan is not None
            result.refused.append((plan, exc.message))
    return result


def open_on_schedule(plan_id: int, now: datetime) -> Plan:
    """The calendar's opening of self-assessment for one published plan (system actor)."""
    return plans.fire_scheduled(plan_id, "open_self_assessment", "按考评日历开启自评")


register_opening("self_assessment", from_state=S.PUBLISHED, open_plan=open_on_schedule)
