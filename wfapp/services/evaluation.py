"""Centralized evaluation (集中考评): the office assigns evaluators to groups or plans (never
to their own unit), each evaluator fills one sheet per plan, saves drafts and signs it; a
signed sheet is locked until the office reopens it with a reason.

`plan_sheets(plan)` and `group_all_signed(group_id)` are what scoring asks: every assigned
evaluator's sheet, and whether a whole group is done."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, lazyload

from wfapp.database import db
from wfapp.models import (
    EvaluationSheet,
    EvaluatorAssignment,
    Group,
    Plan,
    Program,
    Role,
    SheetItem,
    User,
)
from wfapp.permissions import (
    ASSIGN_EVALUATORS,
    SCORE,
    VIEW_SHEETS,
    Decision,
    decide,
    may_evaluate,
    of_unit,
    relations,
)
from wfapp.services import audit
from wfapp.services.access import MAX_COMMENT, require
from wfapp.services.errors import Conflict, Invalid, NotFound, Problem
from wfapp.services.events import sheet_changed
from wfapp.services.lists import plan_row_options
from wfapp.services.scores import fmt_points, parse_leaf_row, unscored
from wfapp.services.uow import lock_plan, transaction
from wfapp.timeutil import utcnow
from wfapp.workflows import GuardContext, GuardFailed, InvalidAction
from wfapp.workflows.evaluation_sheet import SHEET_WORKFLOW, SheetState
from wfapp.workflows.plan import S

# --- assignments --------------------------------------------------------------------------


def _program(program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    return program


def program_evaluators(program: Program) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True), User.grants.any(role=Role.EVALUATOR, program_id=program.id)
            )
            .order_by(User.username)
        )
    )


def assignments(user: User, program_id: int) -> list[EvaluatorAssignment]:
    program = _program(program_id)
    require(user, ASSIGN_EVALUATORS, program)
    return list(
        db.session.scalars(
            select(EvaluatorAssignment)
            .where(EvaluatorAssignment.program_id == program.id)
            .options(
                joinedload(EvaluatorAssignment.evaluator),
                joinedload(EvaluatorAssignment.group),
                joinedload(EvaluatorAssignment.plan).options(*plan_row_options()),
            )
            .order_by(EvaluatorAssignment.id)
        )
    )


def assign(
    user: User,
    program_id: int,
    evaluator_id: int,
    *,
    group_id: int | None = None,
    plan_id: int | None = None,
) -> EvaluatorAssignment:
    """Assign an evaluator to a group or a plan (office). Refused when the evaluator is
    liaison, head or 分管领导 of the plan's unit (or of any unit of the group)."""
    program = _program(program_id)
    require(user, ASSIGN_EVALUATORS, program)
    if (group_id is None) == (plan_id is None):
        raise Invalid("请选择考评组或方案之一", [Problem("target", "请选择考评组或方案之一")])
    with transaction():
        evaluator = db.session.get(User, evaluator_id)
        if evaluator is None or program.id not in evaluator.program_ids(Role.EVALUATOR):
            raise Invalid(
                "该用户不是本项目的考评组成员",
                [Problem("evaluator", "该用户不是本项目的考评组成员")],
            )
        if plan_id is not None:
            plan = lock_plan(plan_id)
            if plan.program_id != program.id:
                raise NotFound("未找到该方案")
            require(user, ASSIGN_EVALUATORS, plan)
            covered = [plan]
            group = None
        else:
            group = db.session.get(Group, group_id)
            if group is None or group.program_id != program.id:
                raise NotFound("未找到该考评组")
            covered = list(
                db.session.scalars(select(Plan).where(Plan.group_id == group.id).order_by(Plan.id))
            )
        own = [p.unit.name for p in covered if of_unit(evaluator, p.unit_id)]
        if own:
            message = f"{evaluator.display_name} 属于被考评单位（{own[0]}），不能考评本单位"
            raise Invalid(message, [Problem("evaluator", message)])
        duplicate = db.session.scalars(
            select(EvaluatorAssignment.id).where(
                EvaluatorAssignment.evaluator_id == evaluator.id,
                EvaluatorAssignment.plan_id == plan_id
                if plan_id is not None
                else EvaluatorAssignment.group_id == group_id,
            )
        ).first()
        if duplicate is not None:
            raise Invalid("已安排过该考评组成员", [Problem("evaluator", "已安排过该考评组成员")])
        assignment = EvaluatorAssignment(
            program_id=program.id,
            evaluator_id=evaluator.id,
            group_id=group_id,
            plan_id=plan_id,
            assigned_by_id=user.id,
        )
        db.session.add(assignment)
        db.session.flush()
        target = group.name if group else covered[0].unit.name
        for plan in covered:
            audit.record_event(
                "evaluator_assignment",
                assignment.id,
                user,
                "assign_evaluator",
                data={"evaluator": evaluator.username, "to": target},
                plan=plan,
            )
    return assignment


def unassign(user: User, assignment_id: int) -> int:
    """Remove an assignment (office) unless that evaluator already signed a covered sheet;
    returns the program's id."""
    with transaction():
        assignment = db.session.get(EvaluatorAssignment, assignment_id)
        if assignment is None:
            raise NotFound("未找到该安排")
        require(user, ASSIGN_EVALUATORS, _program(assignment.program_id))
        covered = _covered(assignment)
        signed = db.session.scalars(
            select(EvaluationSheet.id).where(
                EvaluationSheet.evaluator_id == assignment.evaluator_id,
                EvaluationSheet.plan_id.in_([p.id for p in covered]),
                EvaluationSheet.state == SheetState.SIGNED,
            )
        ).first()
        if signed is not None:
            raise Conflict("该成员已有签名的评分表，不能取消安排；如需重评请先退回评分表")
        for plan in covered:
            audit.record_event(
                "evaluator_assignment",
                assignment.id,
                user,
                "unassign_evaluator",
                data={"evaluator": assignment.evaluator.username},
                plan=plan,
            )
        program_id = assignment.program_id
        db.session.delete(assignment)
    return program_id


def _covered(assignment: EvaluatorAssignment) -> list[Plan]:
    if assignment.plan is not None:
        return [assignment.plan]
    return list(db.session.scalars(select(Plan).where(Plan.group_id == assignment.group_id)))


def assigned_evaluators(plan: Plan) -> list[User]:
    """Who evaluates the plan: assigned to it or its group, an evaluator of the program,
    not of its unit (the same rule as the `evaluator` relation)."""
    users = db.session.scalars(
        select(User)
        .join(EvaluatorAssignment, EvaluatorAssignment.evaluator_id == User.id)
        .where(
            or_(
                EvaluatorAssignment.plan_id == plan.id,
                EvaluatorAssignment.group_id == plan.group_id,
            )
        )
        .distinct()
        .order_by(User.username)
    )
    return [u for u in users if "evaluator" in relations(u, plan)]


def plans_to_evaluate(user: User) -> list[Plan]:
    """The evaluator's worklist: every plan they are assigned to, by program and unit."""
    rows = db.session.scalars(
        select(Plan)
        .join(
            EvaluatorAssignment,
            or_(
                EvaluatorAssignment.plan_id == Plan.id,
                EvaluatorAssignment.group_id == Plan.group_id,
            ),
        )
        .where(EvaluatorAssignment.evaluator_id == user.id)
        .options(*plan_row_options())
        .distinct()
        .order_by(Plan.program_id, Plan.unit_id)
    ).unique()
    # The join found the assignment; the standing is the rest of the `evaluator` relation.
    return [p for p in rows if may_evaluate(user, p)]


# --- sheets -------------------------------------------------------------------------------


def sheet_of(plan: Plan, evaluator: User) -> EvaluationSheet | None:
    return db.session.scalars(
        select(EvaluationSheet).where(
            EvaluationSheet.plan_id == plan.id, EvaluationSheet.evaluator_id == evaluator.id
        )
    ).first()


def my_sheet(user: User, plan: Plan) -> EvaluationSheet | None:
    """The caller's own sheet for the plan (None before the first save); evaluators only."""
    if "evaluator" not in relations(user, plan):
        raise NotFound("未找到该评分表")
    return sheet_of(plan, user)


def get_sheet(user: User, sheet_id: int) -> EvaluationSheet:
    sheet = db.session.get(EvaluationSheet, sheet_id)
    if sheet is None:
        raise NotFound("未找到该评分表")
    require(user, "view", sheet)
    return sheet


def sheet_actions(user: User, sheet: EvaluationSheet | None, plan: Plan) -> list[str]:
    if sheet is None:
        return ["save"] if decide(user, SCORE, plan) is Decision.ALLOWED else []
    names = ["save"] if decide(user, SCORE, sheet) is Decision.ALLOWED else []
    return names + [
        a
        for a in SHEET_WORKFLOW.actions_from(sheet.state)
        if decide(user, a, sheet) is Decision.ALLOWED
    ]


def save_sheet(
    user: User, plan_id: int, items: list[Mapping[str, Any]], version: int | None = None
) -> EvaluationSheet:
    """Save the caller's draft sheet: each item {code, score, comment, finding}."""
    with transaction():
        plan = lock_plan(plan_id)
        require(user, SCORE, plan)
        sheet = sheet_of(plan, user)
        if sheet is None:
            sheet = EvaluationSheet(plan_id=plan.id, evaluator_id=user.id)
            db.session.add(sheet)
            db.session.flush()
        else:
            if sheet.state == SheetState.SIGNED:
                raise Conflict("评分表已签名锁定，不能修改；如需修改请联系绩效办退回")
            require(user, SCORE, sheet)
            if version is not None and version != sheet.version:
                raise Conflict()
        leaves = {leaf.code: leaf for leaf in plan.leaves}
        problems: list[Problem] = []
        parsed = []
        for item in items:
            code, score, comment, row_problems = parse_leaf_row(
                leaves, item, "comment", "评语", MAX_COMMENT
            )
            problems += row_problems
            if code is not None:
                parsed.append((code, score, comment, bool(item.get("finding"))))
        if problems:
            raise Invalid("评分未保存：请修正标出的指标", problems)
        changed = []
        for code, score, comment, finding in parsed:
            row = sheet.item(code)
            if row is None:
                if score is None and not comment and not finding:
                    continue
                row = SheetItem(indicator_code=code)
                sheet.items.append(row)
            if (row.score, row.comment, row.finding) != (score, comment, finding):
                row.score, row.comment, row.finding = score, comment, finding
                changed.append({"code": code, "score": fmt_points(score), "finding": finding})
        if changed:
            sheet.updated_at = utcnow()
            audit.record_event(
                "evaluation_sheet",
                sheet.id,
                user,
                "save_sheet",
                data={"items": changed},
                plan=plan,
                from_state=sheet.state,
                to_state=sheet.state,
            )
    return sheet


def sign_sheet(user: User, plan_id: int, version: int | None = None) -> EvaluationSheet:
    with transaction():
        plan = lock_plan(plan_id)
        sheet = sheet_of(plan, user)
        if sheet is None:
            if "evaluator" not in relations(user, plan):
                raise NotFound("未找到该评分表")
            raise Invalid("请先评分并保存", [Problem("sheet", "请先评分并保存")])
        return _fire(user, plan, sheet, "sign", version=version)


def reopen_sheet(
    user: User, sheet_id: int, reason: str, version: int | None = None
) -> EvaluationSheet:
    """Office only: unlock a signed sheet, with a reason that the history keeps."""
    with transaction():
        found = db.session.get(EvaluationSheet, sheet_id)
        if found is None:
            raise NotFound("未找到该评分表")
        plan = lock_plan(found.plan_id)
        return _fire(user, plan, found, "reopen", comment=reason, version=version)


def _fire(
    user: User,
    plan: Plan,
    sheet: EvaluationSheet,
    action: str,
    *,
    comment: str = "",
    version: int | None = None,
) -> EvaluationSheet:
    db.session.refresh(sheet)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid("理由过长", [Problem("comment", f"理由不能超过{MAX_COMMENT}字")])
    require(user, action, sheet)
    if version is not None and version != sheet.version:
        raise Conflict()
    missing = unscored(sheet)
    ctx = GuardContext({"unscored": missing, "comment": comment})
    from_state = sheet.state
    try:
        to_state = SHEET_WORKFLOW.fire(from_state, action, ctx)
    except InvalidAction as exc:
        raise Conflict() from exc
    except GuardFailed as exc:
        guard = exc.guards[0]
        problems = [Problem("comment" if guard.name == "has_reason" else "sheet", guard.message)]
        if guard.name == "sheet_complete":
            problems += [Problem(code, "尚未评分") for code in missing]
        raise Invalid(guard.message, problems) from exc
    sheet.state = to_state
    sheet.signed_at = utcnow() if to_state == SheetState.SIGNED else None
    sheet.updated_at = utcnow()
    audit.record_event(
        "evaluation_sheet",
        sheet.id,
        user,
        f"{action}_sheet",
        comment=comment,
        data={"evaluator": sheet.evaluator.username},
        plan=plan,
        from_state=from_state,
        to_state=to_state,
    )
    sheet_changed.send(sheet, actor=user, action=action, from_state=from_state, to_state=to_state)
    return sheet


# --- completeness -------------------------------------------------------------------------


@dataclass
class PlanSheets:
    plan: Plan
    evaluators: list[User]
    sheets: dict[int, EvaluationSheet]  # by evaluator id

    @property
    def signed(self) -> int:
        return sum(
            1
            for u in self.evaluators
            if (s := self.sheets.get(u.id)) is not None and s.state == SheetState.SIGNED
        )

    @property
    def complete(self) -> bool:
        return bool(self.evaluators) and self.signed == len(self.evaluators)


def plan_sheets(plan: Plan) -> PlanSheets:
    evaluators = assigned_evaluators(plan)
    sheets = db.session.scalars(select(EvaluationSheet).where(EvaluationSheet.plan_id == plan.id))
    return PlanSheets(plan, evaluators, {s.evaluator_id: s for s in sheets})


def group_all_signed(group_id: int) -> bool:
    """Whether every plan of the group in central evaluation has all its sheets signed."""
    plans = db.session.scalars(
        select(Plan).where(Plan.group_id == group_id, Plan.state == S.CENTRAL_EVALUATION)
    ).all()
    return bool(plans) and all(plan_sheets(p).complete for p in plans)


def completeness(user: User, program_id: int) -> list[tuple[Group, list[PlanSheets], bool]]:
    """Office: per group, each plan's evaluators and signed sheets, and the group's flag,
    read for the whole program at once (plans, assignments with their evaluators, sheets)."""
    program = _program(program_id)
    require(user, ASSIGN_EVALUATORS, program)
    plans = list(
        db.session.scalars(
            select(Plan)
            .where(Plan.program_id == program.id)
            .options(*plan_row_options())
            .order_by(Plan.group_id, Plan.unit_id)
        ).unique()
    )
    by_group: dict[int, list[User]] = {}
    by_plan: dict[int, list[User]] = {}
    assigned = db.session.execute(
        select(EvaluatorAssignment.group_id, EvaluatorAssignment.plan_id, User)
        .join(User, EvaluatorAssignment.evaluator_id == User.id)
        .where(EvaluatorAssignment.program_id == program.id)
        .order_by(User.username)
    ).all()
    for group_id, plan_id, evaluator in assigned:
        target = by_group.setdefault(group_id, []) if group_id else by_plan.setdefault(plan_id, [])
        if evaluator not in target:
            target.append(evaluator)
    sheets: dict[int, dict[int, EvaluationSheet]] = {}
    for sheet in db.session.scalars(
        select(EvaluationSheet)
        .join(Plan, EvaluationSheet.plan_id == Plan.id)
        .where(Plan.program_id == program.id)
        .options(lazyload(EvaluationSheet.items))
    ):
        sheets.setdefault(sheet.plan_id, {})[sheet.evaluator_id] = sheet
    rows: dict[int, list[PlanSheets]] = {}
    for plan in plans:
        candidates = by_group.get(plan.group_id, []) + by_plan.get(plan.id, [])
        evaluators = sorted(
            {u.id: u for u in candidates if may_evaluate(u, plan)}.values(),
            key=lambda u: u.username,
        )
        rows.setdefault(plan.group_id, []).append(
            PlanSheets(plan, evaluators, sheets.get(plan.id, {}))
        )
    out = []
    for group in program.groups:
        group_rows = rows.get(group.id, [])
        evaluating = [r for r in group_rows if r.plan.state == S.CENTRAL_EVALUATION]
        out.append((group, group_rows, bool(evaluating) and all(r.complete for r in evaluating)))
    return out


def sheets_of_plan(user: User, plan: Plan) -> PlanSheets:
    require(user, VIEW_SHEETS, plan)
    return plan_sheets(plan)
