"""The engine's input document assembled from what is stored (sheets, external entries, flags,
last year's rectification record) with a handful of queries per group, the run, and its
output stored as a result version with one row per unit."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select

from wfapp.database import db
from wfapp.models import (
    EvaluationSheet,
    ExternalEntry,
    ExternalKind,
    Group,
    Indicator,
    Plan,
    Program,
    ResultFlag,
    ResultVersion,
    SheetItem,
    UnitResult,
    User,
)
from wfapp.models.external import BONUS_LEVELS
from wfapp.scoring import InputError, Results, Scheme, evaluate
from wfapp.scoring.scheme import BonusComponent, DeductionComponent
from wfapp.services import rectification
from wfapp.services.errors import Invalid, Problem
from wfapp.services.external import in_force
from wfapp.services.results.groups import plans_of_group
from wfapp.services.results.scheme import SchemeInForce
from wfapp.workflows.evaluation_sheet import SheetState
from wfapp.workflows.plan import S


def _num(value: Decimal) -> str:
    return format(value, "f")


def assemble(
    scheme: Scheme, group: Group, plan_rows: Iterable[tuple[int, str]]
) -> tuple[dict[str, Any], list[Problem]]:
    """The engine's input document for these plans of the group ((id, unit name) pairs):
    leaves with their signed sheet scores, public score, bonuses, deductions and flags.
    Five queries, each over the whole group; numbers are strings, so the document is JSON
    and keeps every digit. Also returns what cannot be expressed in the scheme."""
    wanted = dict(plan_rows)
    problems: list[Problem] = []
    of_group = Plan.group_id == group.id

    indicators: dict[int, list[tuple[int, int | None, str, Decimal]]] = defaultdict(list)
    for plan_id, ind_id, parent_id, code, weight in db.session.execute(
        select(
            Indicator.plan_id, Indicator.id, Indicator.parent_id, Indicator.code, Indicator.weight
        )
        .join(Plan, Indicator.plan_id == Plan.id)
        .where(of_group)
        .order_by(Indicator.plan_id, Indicator.position)
    ):
        indicators[plan_id].append((ind_id, parent_id, code, weight))

    sheets: dict[tuple[int, str], list[str]] = defaultdict(list)
    for plan_id, code, score in db.session.execute(
        select(EvaluationSheet.plan_id, SheetItem.indicator_code, SheetItem.score)
        .join(SheetItem, SheetItem.sheet_id == EvaluationSheet.id)
        .join(Plan, EvaluationSheet.plan_id == Plan.id)
        .where(of_group, EvaluationSheet.state == SheetState.SIGNED)
        .order_by(EvaluationSheet.plan_id, EvaluationSheet.evaluator_id)
    ):
        if score is not None:
            sheets[(plan_id, code)].append(_num(score))

    entries: dict[int, list[ExternalEntry]] = defaultdict(list)
    for entry in db.session.scalars(
        select(ExternalEntry)
        .join(Plan, ExternalEntry.plan_id == Plan.id)
        .where(of_group)
        .order_by(ExternalEntry.id)
    ):
        entries[entry.plan_id].append(entry)

    flags = flags_in_force(of_group)
    # Last year's rectification record (items, closed on time, still open) per unit: named
    # inputs a scheme may deduct from (e.g. per_count on rectification_open_items).
    unit_of = dict(db.session.execute(select(Plan.id, Plan.unit_id).where(of_group)).all())
    records = rectification.record(group.program)

    bonus_parts = scheme.of_type(BonusComponent)
    entered = [
        i.item
        for c in scheme.of_type(DeductionComponent)
        for i in c.items
        if i.rule == "as_entered"
    ]
    units = []
    for plan_id, name in sorted(wanted.items()):
        rows = indicators.get(plan_id, [])
        parents = {parent for _, parent, _, _ in rows if parent is not None}
        leaves = []
        for ind_id, _parent, code, weight in rows:
            if ind_id in parents:
                continue
            scores = sheets.get((plan_id, code), [])
            if not scores:
                problems.append(Problem(f"plan-{plan_id}", f"{name}：指标 {code} 没有已签名的评分"))
            leaves.append({"code": code, "weight": _num(weight), "sheets": scores})
        unit: dict[str, Any] = {"unit": str(plan_id), "name": name, "indicators": leaves}
        live = in_force(entries.get(plan_id, []))
        public = [e for e in live if e.kind == ExternalKind.PUBLIC_SCORE]
        if public:
            unit["public_score"] = _num(public[-1].points)
        bonuses = [e for e in live if e.kind == ExternalKind.BONUS]
        if bonuses and not bonus_parts:
            problems.append(Problem(f"plan-{plan_id}", f"{name}：计分方案没有正向激励加分项"))
        elif bonuses:
            unit["bonuses"] = [
                {
                    "points": _num(e.points),
                    "reason": f"{BONUS_LEVELS.get(e.level or '', '')} {e.reason}".strip(),
                }
                for e in bonuses
            ]
        deductions = [e for e in live if e.kind == ExternalKind.DEDUCTION]
        if deductions and not entered:
            problems.append(
                Problem(f"plan-{plan_id}", f"{name}：计分方案没有按录入分值扣分的察访核验事项")
            )
        elif deductions:
            unit["deductions"] = [
                {
                    "item": entered[0],
                    "points": _num(e.points),
                    "reason": f"{e.occurred_on:%Y-%m-%d} {e.reason}" if e.occurred_on else e.reason,
                }
                for e in deductions
            ]
        record = records.get(unit_of.get(plan_id))
        if record:
            unit["inputs"] = {key: str(n) for key, n in record.items()}
        marked = {kind: f.reason for kind, f in flags.get(plan_id, {}).items()}
        if marked:
            unit["flags"] = marked
        units.append(unit)
    return {"scheme": scheme.id, "groups": [{"group": group.name, "units": units}]}, problems


def ranks_across_groups(scheme: Scheme) -> bool:
    """Whether a grade rule ranks units of other groups too (全乡排名, named groups)."""
    g = scheme.grading
    return g is not None and any(r.pool.program or r.pool.groups for r in g.all_rules)


# A group whose plans reached 集中考评 (or moved on from it) takes part in a shared ranking.
EVALUATED = (S.CENTRAL_EVALUATION, S.RECTIFICATION, S.CLOSED)


def inputs_for(
    scheme: Scheme, group: Group, plan_rows: Iterable[tuple[int, str]]
) -> tuple[dict[str, Any], list[Problem]]:
    """The group's input document; when a rule ranks across groups, with the other groups of
    the program beside it (their evaluated plans), so the engine can rank them together."""
    doc, problems = assemble(scheme, group, plan_rows)
    if not ranks_across_groups(scheme):
        return doc, problems
    for other in sorted(group.program.groups, key=lambda g: g.id):
        if other.id == group.id:
            continue
        rows = [(p.id, p.unit.name) for p in plans_of_group(other) if p.state in EVALUATED]
        if not rows:
            continue
        more, missing = assemble(scheme, other, rows)
        doc["groups"] += more["groups"]
        problems += [
            Problem(x.code, f"（排名涉及其他考评组 {other.name}）{x.message}") for x in missing
        ]
    return doc, problems


def flags_in_force(where: Any) -> dict[int, dict[str, ResultFlag]]:
    """Per plan, the newest flag of each kind that nobody cancelled."""
    rows = list(
        db.session.scalars(
            select(ResultFlag)
            .join(Plan, ResultFlag.plan_id == Plan.id)
            .where(where)
            .order_by(ResultFlag.id)
        )
    )
    cancelled = {f.cancels_id for f in rows if f.cancels_id is not None}
    out: dict[int, dict[str, ResultFlag]] = defaultdict(dict)
    for f in rows:
        if not f.is_cancellation and f.id not in cancelled:
            out[f.plan_id][f.kind] = f
    return out


def score(scheme: Scheme, inputs: dict[str, Any], names: dict[int, str]) -> Results:
    """Evaluate, naming each problem's unit (Invalid) instead of the document's path."""
    try:
        return evaluate(scheme, inputs)
    except InputError as exc:
        problems = []
        for path, message in exc.problems:
            code, who = "inputs", ""
            found = re.match(r"groups\[(\d+)\]\.units\[(\d+)\]", path)
            if found:
                group_at, unit_at = int(found.group(1)), int(found.group(2))
                unit = inputs["groups"][group_at]["units"][unit_at]
                plan_id = int(unit["unit"])
                code, who = f"plan-{plan_id}", f"{names.get(plan_id, unit['name'])}："
            problems.append(Problem(code, f"{who}{message}"))
        raise Invalid("计分所需的数据不完整或不符合计分方案", problems) from exc


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def store(
    user: User,
    program: Program,
    group: Group,
    in_force_: SchemeInForce,
    inputs: dict[str, Any],
    results: Results,
    *,
    reason: str = "",
    forced_reason: str = "",
) -> ResultVersion:
    """A new version of the group's results, its unit rows inserted in one statement."""
    latest = db.session.scalar(
        select(func.max(ResultVersion.version)).where(ResultVersion.group_id == group.id)
    )
    version = ResultVersion(
        program_id=program.id,
        group_id=group.id,
        version=(latest or 0) + 1,
        scheme_name=in_force_.scheme.id,
        scheme_text=in_force_.text,
        inputs=inputs,
        reason=reason,
        forced_reason=forced_reason,
        created_by_id=user.id,
    )
    db.session.add(version)
    db.session.flush()
    unit_ids = dict(
        db.session.execute(select(Plan.id, Plan.unit_id).where(Plan.group_id == group.id)).all()
    )
    data = next(g for g in results.as_dict()["groups"] if g["group"] == group.name)["units"]
    rows = [
        {
            "result_version_id": version.id,
            "plan_id": int(u["unit"]),
            "unit_id": unit_ids[int(u["unit"])],
            "total": Decimal(u["total"]),
            "rank": u["rank"],
            "group_size": u["group_size"],
            "grade_before_flags": u["grade_before_flags"],
            "grade_before_flags_label": u["grade_before_flags_label"],
            "grade": u["grade"],
            "grade_label": u["grade_label"],
            "reward_factor": _dec(u["reward_factor"]),
            "reward_factor_before_flags": _dec(u["reward_factor_before_flags"]),
            "pay_label": u["pay"]["label"] if u["pay"] else None,
            "pay_factor": _dec(u["pay"]["factor"]) if u["pay"] else None,
            "components": u["components"],
            "flags": u["flags"],
            "explanation": u["explanation"],
        }
        for u in data
    ]
    if rows:
        db.session.execute(insert(UnitResult), rows)
    db.session.expire(version, ["rows"])
    return version
