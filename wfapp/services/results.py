"""Results (考评结果): the office closes a group's evaluation, the engine scores it, the result
is stored as a version; 降档 and 一票否决 flags, reruns with the difference, publication.

    close_evaluation  every sheet signed (or forced with a reason) → version 1; each plan moves
                      on (rectification with findings, else closed) through the plan workflow
    add_flag          降档 / 一票否决 with reason and evidence, until the group is published
    rescore           a new version from what is stored now; the page shows what changed
    publish           the latest version, if nothing changed since it was scored; each plan's
                      history records it and the units can read their own result

The engine (wfapp.scoring) stays pure: `assemble` turns the stored sheets, external entries
and flags into its input document with a handful of queries per group, whatever its size.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from wfapp.database import db
from wfapp.models import (
    EvaluationSheet,
    EvidenceScope,
    ExternalEntry,
    ExternalKind,
    FlagKind,
    Group,
    Indicator,
    Plan,
    Program,
    ProgramScheme,
    ResultFlag,
    ResultVersion,
    SheetItem,
    Unit,
    UnitResult,
    User,
)
from wfapp.models.external import BONUS_LEVELS
from wfapp.models.results import FLAG_LABELS
from wfapp.permissions import (
    CLOSE_EVALUATION,
    ENTER_FLAGS,
    PUBLISH_RESULTS,
    RESCORE,
    UPLOAD_SCHEME,
    VIEW_RESULT,
    VIEW_RESULTS,
    relations,
)
from wfapp.scoring import InputError, Results, Scheme, SchemeError, evaluate, load_scheme
from wfapp.scoring.scheme import BonusComponent, DeductionComponent
from wfapp.services import (
    audit,
    evaluation,
    evidence,
    notices,
    plans,
    rectification,
    results_excel,
)
from wfapp.services.errors import Conflict, Invalid, NotFound, Problem
from wfapp.services.external import in_force
from wfapp.services.plans import MAX_COMMENT, require
from wfapp.services.uow import lock_plan, transaction
from wfapp.timeutil import utcnow
from wfapp.workflows.evaluation_sheet import SheetState
from wfapp.workflows.plan import STATE_LABELS, S

MAX_SCHEME_CHARS = 200_000


# --- the program's scheme -----------------------------------------------------------------


@dataclass(frozen=True)
class SchemeInForce:
    scheme: Scheme
    text: str
    source: str  # where it comes from, as people read it


def scheme_in_force(program: Program) -> SchemeInForce:
    """The newest scheme the office uploaded, else the file the program names."""
    uploaded = latest_upload(program)
    if uploaded is not None:
        text, source = uploaded.text, f"绩效办上传的第 {uploaded.version} 版"
    else:
        if not program.scheme:
            raise Invalid("本项目尚未指定计分方案", [Problem("scheme", "本项目尚未指定计分方案")])
        path = Path(current_app.config["SCHEMES_DIR"]) / f"{program.scheme}.yaml"
        if not path.is_file():
            message = f"找不到计分方案文件 {program.scheme}.yaml"
            raise Invalid(message, [Problem("scheme", message)])
        text, source = path.read_text(encoding="utf-8"), f"方案文件 {program.scheme}.yaml"
    try:
        scheme = load_scheme(text, name=program.scheme or "scheme")
    except SchemeError as exc:
        raise Invalid(
            "计分方案有误，请修正后重新上传", [Problem(f"line {n}", m) for n, m in exc.problems]
        ) from exc
    return SchemeInForce(scheme, text, source)


def latest_upload(program: Program) -> ProgramScheme | None:
    return db.session.scalars(
        select(ProgramScheme)
        .where(ProgramScheme.program_id == program.id)
        .order_by(ProgramScheme.version.desc())
    ).first()


def uploads(program: Program) -> list[ProgramScheme]:
    return list(
        db.session.scalars(
            select(ProgramScheme)
            .where(ProgramScheme.program_id == program.id)
            .order_by(ProgramScheme.version.desc())
        )
    )


def upload_scheme(user: User, program_id: int, text: str) -> ProgramScheme:
    """The office's own scheme for the program: checked first, every problem with its line."""
    program = _program(user, UPLOAD_SCHEME, program_id)
    if not text.strip():
        raise Invalid("请选择方案文件", [Problem("file", "请选择方案文件（YAML）")])
    if len(text) > MAX_SCHEME_CHARS:
        raise Invalid("方案文件过大", [Problem("file", "方案文件过大")])
    try:
        scheme = load_scheme(text, name="上传的方案")
    except SchemeError as exc:
        problems = [Problem("file", f"第 {n} 行：{m}") for n, m in exc.problems]
        raise Invalid("方案未通过检查，未保存", problems) from exc
    with transaction():
        latest = latest_upload(program)
        row = ProgramScheme(
            program_id=program.id,
            version=(latest.version if latest else 0) + 1,
            name=scheme.id,
            text=text,
            uploaded_by_id=user.id,
        )
        db.session.add(row)
        db.session.flush()
        audit.record_event(
            "program_scheme",
            row.id,
            user,
            "upload_scheme",
            data={"program": program.id, "scheme": scheme.id, "version": row.version},
        )
    return row


# --- assembling the engine's inputs ---------------------------------------------------------


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

    flags = _flags_in_force(of_group)
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
_EVALUATED = (S.CENTRAL_EVALUATION, S.RECTIFICATION, S.CLOSED)


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
        rows = [(p.id, p.unit.name) for p in _group_plans(other) if p.state in _EVALUATED]
        if not rows:
            continue
        more, missing = assemble(scheme, other, rows)
        doc["groups"] += more["groups"]
        problems += [
            Problem(x.code, f"（排名涉及其他考评组 {other.name}）{x.message}") for x in missing
        ]
    return doc, problems


def _flags_in_force(where: Any) -> dict[int, dict[str, ResultFlag]]:
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


# --- closing evaluation --------------------------------------------------------------------


@dataclass
class Readiness:
    """What stands between a group and its results."""

    group: Group
    rows: list[evaluation.PlanSheets]
    blocking: list[Problem] = field(default_factory=list)  # even a forced close cannot pass
    unsigned: list[Problem] = field(default_factory=list)  # a forced close passes these
    closed: ResultVersion | None = None  # the group's latest version, once closed

    @property
    def ready(self) -> bool:
        return not self.blocking and not self.unsigned and self.closed is None


def readiness(user: User, program_id: int, group_id: int) -> Readiness:
    program = _program(user, CLOSE_EVALUATION, program_id)
    return _readiness(_group(program, group_id))


def _readiness(group: Group) -> Readiness:
    group_plans = _group_plans(group)
    status = Readiness(group, [evaluation.plan_sheets(p) for p in group_plans])
    status.closed = latest_version(group)
    if not group_plans:
        status.blocking.append(Problem("group", "该考评组没有参评方案"))
    for ps in status.rows:
        plan, name = ps.plan, ps.plan.unit.name
        code = f"plan-{plan.id}"
        if plan.state != S.CENTRAL_EVALUATION:
            if status.closed is None:
                state = STATE_LABELS.get(plan.state, plan.state)
                status.blocking.append(Problem(code, f"{name}：尚未进入集中考评（当前：{state}）"))
            continue
        if not ps.evaluators:
            status.blocking.append(Problem(code, f"{name}：尚未安排考评组成员"))
            continue
        for u in ps.evaluators:
            sheet = ps.sheets.get(u.id)
            if sheet is None or sheet.state != SheetState.SIGNED:
                what = "尚未提交评分表" if sheet is None else "的评分表尚未签名"
                status.unsigned.append(Problem(code, f"{name}：{u.display_name} {what}"))
        if ps.signed == 0:
            status.blocking.append(Problem(code, f"{name}：没有已签名的评分表，无法计分"))
    return status


def close_evaluation(
    user: User, program_id: int, group_id: int, force_reason: str | None = None
) -> ResultVersion:
    """Close a group's evaluation (office): score it, store version 1, move every plan on.
    Refused with the list of missing sheets unless forced with a reason (recorded)."""
    force_reason = (force_reason or "").strip()
    if len(force_reason) > MAX_COMMENT:
        raise Invalid("理由过长", [Problem("force_reason", f"理由不能超过{MAX_COMMENT}字")])
    program = _program(user, CLOSE_EVALUATION, program_id)
    with transaction():
        group = _group(program, group_id)
        locked = _lock_group(group)
        status = _readiness(group)
        if status.closed is not None:
            raise Conflict("该考评组已结束考评；如需更正，请在考评结果页重新计分")
        if status.blocking:
            raise Invalid("该考评组还不能结束考评", status.blocking)
        if status.unsigned and not force_reason:
            message = "尚有评分表未签名；如确需结束考评，请填写理由后强制结束"
            raise Invalid(message, [*status.unsigned, Problem("force_reason", message)])
        forced = force_reason if status.unsigned else ""
        version = _score_version(user, program, group, locked, forced_reason=forced)
        for plan in locked:
            plans.apply(
                user,
                plan,
                "close_evaluation",
                comment=forced,
                data={"result_version": version.version, "forced": bool(forced)},
            )
        audit.record_event(
            "result_version",
            version.id,
            user,
            "close_evaluation",
            comment=forced,
            data={"group": group.name, "version": version.version, "units": len(locked)},
        )
    return version


def rescore(user: User, program_id: int, group_id: int, reason: str) -> ResultVersion:
    """Score the group again from what is stored now (after a correction or a flag):
    version n + 1 of the same plans; the plans stay where they are."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("请填写重新计分的理由", [Problem("reason", "请填写重新计分的理由")])
    if len(reason) > MAX_COMMENT:
        raise Invalid("理由过长", [Problem("reason", f"理由不能超过{MAX_COMMENT}字")])
    program = _program(user, RESCORE, program_id)
    with transaction():
        group = _group(program, group_id)
        _lock_group(group)
        previous = latest_version(group)
        if previous is None:
            raise Conflict("该考评组尚未结束考评，还没有可重新计算的结果")
        scored = db.session.scalars(
            select(Plan).join(UnitResult).where(UnitResult.result_version_id == previous.id)
        ).all()
        version = _score_version(user, program, group, scored, reason=reason)
        for plan in scored:
            audit.record_event(
                "result_version",
                version.id,
                user,
                "rescore",
                comment=reason,
                data={"version": version.version},
                plan=plan,
            )
    return version


def _score_version(
    user: User,
    program: Program,
    group: Group,
    group_plans: list[Plan],
    *,
    reason: str = "",
    forced_reason: str = "",
) -> ResultVersion:
    in_force_ = scheme_in_force(program)
    names = {p.id: p.unit.name for p in group_plans}
    inputs, problems = inputs_for(in_force_.scheme, group, names.items())
    if problems:
        raise Invalid("计分所需的数据不完整或不符合计分方案", problems)
    results = score(in_force_.scheme, inputs, names)
    return store(
        user,
        program,
        group,
        in_force_,
        inputs,
        results,
        reason=reason,
        forced_reason=forced_reason,
    )


# --- publication ----------------------------------------------------------------------------


def publish(
    user: User, program_id: int, group_id: int, version: int | None = None
) -> ResultVersion:
    """Publish the group's latest version (office). `version`, when given, must be it: a
    page showing an older one gets 409. Refused when what it was scored from has changed."""
    program = _program(user, PUBLISH_RESULTS, program_id)
    with transaction():
        group = _group(program, group_id)
        group_plans = _lock_group(group)
        latest = latest_version(group)
        if latest is None:
            raise Conflict("该考评组尚无考评结果")
        if version is not None and version != latest.version:
            raise Conflict(f"已有更新的第 {latest.version} 版结果，请刷新后查看")
        if latest.published_at is not None:
            raise Conflict(f"第 {latest.version} 版结果已公布")
        in_force_ = scheme_in_force(program)
        scored = {r.plan_id: r.plan.unit.name for r in latest.rows}
        now, _ = inputs_for(in_force_.scheme, group, scored.items())
        if now != latest.inputs or in_force_.text != latest.scheme_text:
            message = (
                "结果计算后计分依据已有变化（如降档、一票否决、更正或新的计分方案），请先重新计分"
            )
            raise Conflict(message)
        latest.published_at = utcnow()
        latest.published_by_id = user.id
        rows = {r.plan_id: r for r in latest.rows}
        for plan in group_plans:
            row = rows.get(plan.id)
            if row is None:
                continue
            audit.record_plan_event(
                plan,
                user,
                "publish_results",
                plan.state,
                plan.state,
                data={"version": latest.version, "total": str(row.total), "grade": row.grade_label},
            )
            for person in notices.unit_people(plan):
                notices.notify(
                    person,
                    plan,
                    "results",
                    f"考评结果已公布：{plan.unit.name} {row.grade_label}（{row.total} 分）",
                    dedupe_key=f"results:{latest.id}:{person.id}",
                )
    return latest


def is_published(group_id: int) -> bool:
    found = db.session.scalar(
        select(ResultVersion.id).where(
            ResultVersion.group_id == group_id, ResultVersion.published_at.is_not(None)
        )
    )
    return found is not None


# --- flags ------------------------------------------------------------------------------


def add_flag(
    user: User,
    plan_id: int,
    kind: str,
    reason: str,
    *,
    evidence_id: int | None = None,
    upload: evidence.Upload | None = None,
) -> ResultFlag:
    """降档 or 一票否决 for a unit (office), with a reason and evidence, before publication.
    It counts from the next scoring (close or rerun)."""
    reason = (reason or "").strip()
    problems = []
    if kind not in {k.value for k in FlagKind}:
        problems.append(Problem("kind", "请选择降档或一票否决"))
    if not reason:
        problems.append(Problem("reason", "请填写事由"))
    elif len(reason) > MAX_COMMENT:
        problems.append(Problem("reason", f"事由不能超过{MAX_COMMENT}字"))
    if evidence_id is None and upload is None:
        problems.append(Problem("file", "请附佐证材料"))
    with evidence.files_removed_on_error() as written, transaction():
        plan = lock_plan(plan_id)
        require(user, ENTER_FLAGS, plan)
        if problems:
            raise Invalid("未录入：请修正标出的字段", problems)
        if is_published(plan.group_id):
            raise Conflict("该考评组的结果已公布，不能再录入降档或一票否决")
        if kind in _flags_in_force(Plan.id == plan.id).get(plan.id, {}):
            raise Conflict(f"已有{FLAG_LABELS[FlagKind(kind)]}记录；如需修改请先撤销")
        if kind == FlagKind.VETO:
            grading = scheme_in_force(plan.program).scheme.grading
            if grading is None or grading.veto is None:
                message = "本项目的计分方案没有规定一票否决的等次"
                raise Invalid(message, [Problem("kind", message)])
        proof = None
        if evidence_id is not None:
            proof = next(
                (
                    e
                    for scope in (EvidenceScope.EXTERNAL, EvidenceScope.PLAN)
                    for e in evidence.plan_evidence(plan, scope)
                    if e.id == evidence_id
                ),
                None,
            )
            if proof is None:
                raise Invalid("佐证材料不存在", [Problem("evidence_id", "佐证材料不属于本单位")])
        if upload is not None:
            proof = evidence.store(plan, user, upload, written, EvidenceScope.EXTERNAL)
        assert proof is not None
        flag = ResultFlag(
            plan_id=plan.id, kind=kind, reason=reason, evidence_id=proof.id, created_by_id=user.id
        )
        db.session.add(flag)
        db.session.flush()
        audit.record_event(
            "result_flag",
            flag.id,
            user,
            f"flag_{kind}",
            comment=reason,
            data={"evidence": proof.original_name},
            plan=plan,
        )
    return flag


def cancel_flag(user: User, flag_id: int, reason: str) -> ResultFlag:
    """Cancel a flag (office, before publication): a new row that names it."""
    reason = (reason or "").strip()
    with transaction():
        old = db.session.get(ResultFlag, flag_id)
        if old is None or old.is_cancellation:
            raise NotFound("未找到该记录")
        plan = lock_plan(old.plan_id)
        require(user, ENTER_FLAGS, plan)
        if not reason or len(reason) > MAX_COMMENT:
            message = "请填写撤销理由" if not reason else f"理由不能超过{MAX_COMMENT}字"
            raise Invalid(message, [Problem("reason", message)])
        if is_published(plan.group_id):
            raise Conflict("该考评组的结果已公布，不能再撤销降档或一票否决")
        if old.id not in {
            f.id for f in _flags_in_force(Plan.id == plan.id).get(plan.id, {}).values()
        }:
            raise Conflict("该记录已撤销，请刷新后查看")
        flag = ResultFlag(
            plan_id=plan.id, kind=old.kind, reason=reason, cancels_id=old.id, created_by_id=user.id
        )
        db.session.add(flag)
        db.session.flush()
        audit.record_event(
            "result_flag",
            flag.id,
            user,
            f"cancel_{old.kind}",
            comment=reason,
            data={"cancels": old.id},
            plan=plan,
        )
    return flag


def flags_of_group(group: Group) -> dict[int, dict[str, ResultFlag]]:
    return _flags_in_force(Plan.group_id == group.id)


# --- reading ------------------------------------------------------------------------------


def latest_version(group: Group) -> ResultVersion | None:
    return db.session.scalars(
        select(ResultVersion)
        .where(ResultVersion.group_id == group.id)
        .order_by(ResultVersion.version.desc())
    ).first()


@dataclass
class Change:
    """One unit between two versions: (before, after) of total, rank and grade."""

    row: UnitResult
    before: UnitResult | None

    @property
    def changed(self) -> bool:
        b = self.before
        return b is None or (b.total, b.rank, b.grade) != (
            self.row.total,
            self.row.rank,
            self.row.grade,
        )


@dataclass
class GroupResults:
    program: Program
    group: Group
    version: ResultVersion | None
    versions: list[ResultVersion]
    changes: list[Change]  # every unit of `version`, against the version before it
    previous: ResultVersion | None
    flags: dict[int, dict[str, ResultFlag]]
    published: bool  # some version of the group is published


def group_results(
    user: User, program_id: int, group_id: int, version: int | None = None
) -> GroupResults:
    """The office's view: a version (the latest by default) with the ranking and the
    difference from the version before."""
    program = _program(user, VIEW_RESULTS, program_id)
    group = _group(program, group_id)
    versions = list(
        db.session.scalars(
            select(ResultVersion)
            .where(ResultVersion.group_id == group.id)
            .options(
                selectinload(ResultVersion.rows).joinedload(UnitResult.unit),
                joinedload(ResultVersion.created_by),
            )
            .order_by(ResultVersion.version.desc())
        )
    )
    shown = versions[0] if versions and version is None else None
    if version is not None:
        shown = next((v for v in versions if v.version == version), None)
        if shown is None:
            raise NotFound("未找到该版本的结果")
    previous = next((v for v in versions if shown and v.version == shown.version - 1), None)
    before = {r.plan_id: r for r in previous.rows} if previous else {}
    changes = [Change(r, before.get(r.plan_id)) for r in shown.rows] if shown else []
    return GroupResults(
        program,
        group,
        shown,
        versions,
        changes,
        previous,
        flags_of_group(group),
        any(v.published_at for v in versions),
    )


@dataclass
class OwnResult:
    row: UnitResult
    version: ResultVersion


def unit_result(user: User, plan_id: int) -> OwnResult | None:
    """A unit's own result: the latest published version's row (the office sees the latest
    version, published or not). None while there is none to show."""
    plan = plans.get_plan(user, plan_id)
    require(user, VIEW_RESULT, plan)
    query = (
        select(UnitResult, ResultVersion)
        .join(ResultVersion, UnitResult.result_version_id == ResultVersion.id)
        .where(UnitResult.plan_id == plan.id)
        .order_by(ResultVersion.version.desc())
    )
    if "office" not in relations(user, plan):
        query = query.where(ResultVersion.published_at.is_not(None))
    found = db.session.execute(query).first()
    return OwnResult(found[0], found[1]) if found else None


def overview(
    user: User, program_id: int
) -> tuple[Program, list[tuple[Group, ResultVersion | None]]]:
    """The office's list: each group with its latest version (None: not closed yet)."""
    program = _program(user, VIEW_RESULTS, program_id)
    latest: dict[int, ResultVersion] = {}
    for v in db.session.scalars(
        select(ResultVersion)
        .where(ResultVersion.program_id == program.id)
        .options(
            load_only(
                ResultVersion.id,
                ResultVersion.group_id,
                ResultVersion.version,
                ResultVersion.created_at,
                ResultVersion.published_at,
            )
        )
    ):
        if v.group_id not in latest or latest[v.group_id].version < v.version:
            latest[v.group_id] = v
    return program, [(g, latest.get(g.id)) for g in program.groups]


# --- Excel --------------------------------------------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_excel(
    user: User, program_id: int, group_id: int, version: int | None = None
) -> tuple[str, bytes]:
    """The ranking as a workbook: rank, unit, each part, total, grade, reward factor."""
    view = group_results(user, program_id, group_id, version)
    if view.version is None:
        raise NotFound("该考评组尚无考评结果")
    v = view.version
    rows = v.rows
    parts = [(c["name"], c["label"]) for c in rows[0].components] if rows else []
    headers = ["排名", "单位"]
    for _, label in parts:
        headers += [f"{label}得分", f"{label}计入"]
    headers += ["综合得分", "定等", "降档/一票否决", "等次", "绩效奖励系数"]
    paid = bool(rows) and rows[0].pay_label is not None
    if paid:
        headers += ["奖金档次", "奖金系数"]
    lines = []
    for r in rows:
        by_name = {c["name"]: c for c in r.components}
        line: list[Any] = [r.rank, r.unit.name]
        for name, _ in parts:
            line += [Decimal(by_name[name]["score"]), Decimal(by_name[name]["contribution"])]
        flags = "；".join(
            f"{FLAG_LABELS[FlagKind(k)]}" + (f"（{why}）" if why else "")
            for k, why in r.flags.items()
            if why is not None
        )
        line += [r.total, r.grade_before_flags_label, flags, r.grade_label, r.reward_factor]
        if paid:
            line += [r.pay_label, r.pay_factor]
        lines.append(line)
    draft = "" if v.published_at else "（未公布）"
    name = view.program.title
    title = f"{name}结果" if name.endswith("考评") else f"{name}考评结果"
    subtitle = f"考评组：{view.group.name}　第 {v.version} 版{draft}"
    data = results_excel.workbook(title, subtitle, headers, lines)
    return f"考评结果-{view.group.name}-第{v.version}版.xlsx", data


# --- helpers ------------------------------------------------------------------------------


def _program(user: User, action: str, program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    require(user, action, program)
    return program


def _group(program: Program, group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None or group.program_id != program.id:
        raise NotFound("未找到该考评组")
    return group


def _group_plans(group: Group) -> list[Plan]:
    return list(
        db.session.scalars(
            select(Plan).join(Unit).where(Plan.group_id == group.id).order_by(Plan.id)
        )
    )


def _lock_group(group: Group) -> list[Plan]:
    """Every plan of the group, row-locked on PostgreSQL and fresh: one close, rerun or
    publication at a time per group."""
    return list(
        db.session.scalars(
            select(Plan)
            .where(Plan.group_id == group.id)
            .order_by(Plan.id)
            .with_for_update(of=Plan)
            .execution_options(populate_existing=True)
        )
    )
