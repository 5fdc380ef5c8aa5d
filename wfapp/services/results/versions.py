"""A group's result versions: closing evaluation (version 1), rescoring, publishing."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Group, Plan, Program, ResultVersion, UnitResult, User
from wfapp.permissions import CLOSE_EVALUATION, PUBLISH_RESULTS, RESCORE
from wfapp.services import audit, evaluation, notices, plans
from wfapp.services.access import MAX_COMMENT
from wfapp.services.errors import Conflict, Invalid, Problem
from wfapp.services.results.compute import inputs_for, score, store
from wfapp.services.results.groups import group_in, lock_group, plans_of_group, program_for
from wfapp.services.results.scheme import scheme_in_force
from wfapp.services.uow import transaction
from wfapp.timeutil import utcnow
from wfapp.workflows.evaluation_sheet import SheetState
from wfapp.workflows.plan import STATE_LABELS, S


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
    program = program_for(user, CLOSE_EVALUATION, program_id)
    return _readiness(group_in(program, group_id))


def _readiness(group: Group) -> Readiness:
    group_plans = plans_of_group(group)
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
    program = program_for(user, CLOSE_EVALUATION, program_id)
    with transaction():
        group = group_in(program, group_id)
        locked = lock_group(group)
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
    program = program_for(user, RESCORE, program_id)
    with transaction():
        group = group_in(program, group_id)
        lock_group(group)
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


def publish(
    user: User, program_id: int, group_id: int, version: int | None = None
) -> ResultVersion:
    """Publish the group's latest version (office). `version`, when given, must be it: a
    page showing an older one gets 409. Refused when what it was scored from has changed."""
    program = program_for(user, PUBLISH_RESULTS, program_id)
    with transaction():
        group = group_in(program, group_id)
        group_plans = lock_group(group)
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


def latest_version(group: Group) -> ResultVersion | None:
    return db.session.scalars(
        select(ResultVersion)
        .where(ResultVersion.group_id == group.id)
        .order_by(ResultVersion.version.desc())
    ).first()
