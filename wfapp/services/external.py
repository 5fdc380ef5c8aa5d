"""External inputs per unit (by its plan in the program): 公众评议 scores (surveyor),
正向激励 bonuses (inspector or office), 察访核验 deductions (inspector).

Entries are append-only: a correction is a new entry that cancels the one it replaces
(`cancels_id`), a cancellation an entry with `is_cancellation`. `effective(plan)` is what
scoring reads: the entries nobody cancelled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import EvidenceScope, ExternalEntry, ExternalKind, Plan, User
from wfapp.models.external import BONUS_LEVELS, KIND_LABELS
from wfapp.permissions import RECORD_EXTERNAL, VIEW_EXTERNAL
from wfapp.services import audit, evidence
from wfapp.services.access import MAX_COMMENT, require
from wfapp.services.errors import Conflict, Invalid, Problem
from wfapp.services.scores import fmt_points, parse_points
from wfapp.services.uow import lock_plan, transaction

MAX_POINTS = Decimal(100)


def history(user: User, plan: Plan) -> list[ExternalEntry]:
    """Every entry, oldest first (cancelled ones included)."""
    require(user, VIEW_EXTERNAL, plan)
    return _all(plan)


def _all(plan: Plan) -> list[ExternalEntry]:
    return list(
        db.session.scalars(
            select(ExternalEntry).where(ExternalEntry.plan_id == plan.id).order_by(ExternalEntry.id)
        )
    )


def effective(plan: Plan, kind: str | None = None) -> list[ExternalEntry]:
    """Entries in force: not cancellations, not cancelled."""
    return in_force(_all(plan), kind)


def in_force(entries: list[ExternalEntry], kind: str | None = None) -> list[ExternalEntry]:
    """Of a plan's entries (or several plans' entries, all of them), those in force."""
    cancelled = {e.cancels_id for e in entries if e.cancels_id is not None}
    return [
        e
        for e in entries
        if not e.is_cancellation and e.id not in cancelled and (kind is None or e.kind == kind)
    ]


def record(
    user: User,
    plan_id: int,
    *,
    kind: str,
    points: str | Decimal | int | None = None,
    reason: str = "",
    level: str | None = None,
    occurred_on: date | None = None,
    evidence_id: int | None = None,
    upload: evidence.Upload | None = None,
    cancels_id: int | None = None,
    cancel_only: bool = False,
) -> ExternalEntry:
    """Record an entry, a correction (cancels_id + new values) or a cancellation
    (cancels_id + cancel_only + reason)."""
    if kind not in {k.value for k in ExternalKind}:
        raise Invalid("类别无效", [Problem("kind", "类别应为公众评议、正向激励或察访核验")])
    reason = (reason or "").strip()
    with evidence.files_removed_on_error() as written, transaction():
        plan = lock_plan(plan_id)
        require(user, RECORD_EXTERNAL[ExternalKind(kind)], plan)
        entries = _all(plan)
        live = effective(plan, kind)
        old = None
        if cancels_id is not None:
            old = next((e for e in entries if e.id == cancels_id and e.kind == kind), None)
            if old is None:
                raise Invalid("要更正的记录不存在", [Problem("cancels", "要更正的记录不存在")])
            if old not in live:
                raise Conflict("该记录已被更正或撤销，请刷新后查看")
        elif kind == ExternalKind.PUBLIC_SCORE and live:
            raise Conflict("已录入公众评议得分；如需修改请以更正方式录入")
        if cancel_only and old is None:
            raise Invalid("请选择要撤销的记录", [Problem("cancels", "请选择要撤销的记录")])

        problems: list[Problem] = []
        value = None
        if not reason and (cancel_only or kind != ExternalKind.PUBLIC_SCORE):
            problems.append(
                Problem("reason", "请填写事由" if not cancel_only else "请填写撤销理由")
            )
        if len(reason) > MAX_COMMENT:
            problems.append(Problem("reason", f"事由不能超过{MAX_COMMENT}字"))
        if not cancel_only:
            value, problem = parse_points(points, "points", MAX_POINTS)
            if problem:
                problems.append(problem)
            elif value is None:
                problems.append(Problem("points", "请填写分值"))
            elif kind != ExternalKind.PUBLIC_SCORE and value <= 0:
                problems.append(Problem("points", "分值必须大于 0"))
            if kind == ExternalKind.BONUS and level not in BONUS_LEVELS:
                problems.append(Problem("level", "请选择激励级别（县级 / 市级 / 省级 / 国家级）"))
            if kind == ExternalKind.DEDUCTION and occurred_on is None:
                problems.append(Problem("occurred_on", "请填写察访日期"))
        if problems:
            raise Invalid(f"{KIND_LABELS[ExternalKind(kind)]}未录入：请修正标出的字段", problems)

        proof = None
        if evidence_id is not None:
            proof = next(
                (
                    e
                    for e in evidence.plan_evidence(plan, EvidenceScope.EXTERNAL)
                    if e.id == evidence_id
                ),
                None,
            )
            if proof is None:
                raise Invalid("佐证材料不存在", [Problem("evidence_id", "佐证材料不属于本单位")])
        if upload is not None:
            proof = evidence.store(plan, user, upload, written, EvidenceScope.EXTERNAL)
        entry = ExternalEntry(
            plan_id=plan.id,
            kind=kind,
            points=None if cancel_only else value,
            reason=reason,
            level=level if kind == ExternalKind.BONUS and not cancel_only else None,
            occurred_on=occurred_on if kind == ExternalKind.DEDUCTION and not cancel_only else None,
            evidence_id=proof.id if proof else None,
            cancels_id=old.id if old else None,
            is_cancellation=cancel_only,
            created_by_id=user.id,
        )
        db.session.add(entry)
        db.session.flush()
        action = (
            "cancel_external" if cancel_only else ("correct_external" if old else f"record_{kind}")
        )
        audit.record_event(
            "external_entry",
            entry.id,
            user,
            action,
            comment=reason,
            data={
                "kind": kind,
                "points": fmt_points(entry.points),
                "level": entry.level,
                "occurred_on": entry.occurred_on.isoformat() if entry.occurred_on else None,
                "cancels": old.id if old else None,
            },
            plan=plan,
        )
    return entry
