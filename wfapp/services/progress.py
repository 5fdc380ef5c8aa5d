"""Progress reports (组织实施): per leaf and period, with status, text and evidence; the
office's board of how much of the current period each unit has reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from wfapp.database import db
from wfapp.models import (
    Indicator,
    Period,
    Plan,
    Program,
    ProgressReport,
    ProgressStatus,
    User,
)
from wfapp.permissions import REPORT_PROGRESS, VIEW_BOARD
from wfapp.services import audit, evidence
from wfapp.services.access import require
from wfapp.services.errors import Invalid, NotFound, Problem
from wfapp.services.lists import plan_row_options
from wfapp.services.uow import lock_plan, transaction
from wfapp.timeutil import local, utcnow
from wfapp.workflows.plan import PUBLIC_STATES

MAX_TEXT = 2000
QUARTERS = (Period.Q1, Period.Q2, Period.Q3, Period.Q4)


def today_local() -> date:
    d = local(utcnow())
    assert d is not None
    return d.date()


def current_period(program: Program, today: date | None = None) -> Period:
    """The quarter `today` falls in; before the program's year Q1, after it the whole year."""
    today = today or today_local()
    if today.year < program.year:
        return Period.Q1
    if today.year > program.year:
        return Period.YEAR
    return QUARTERS[(today.month - 1) // 3]


def reports(plan: Plan, period: str | None = None) -> list[ProgressReport]:
    query = select(ProgressReport).where(ProgressReport.plan_id == plan.id)
    if period is not None:
        query = query.where(ProgressReport.period == period)
    return list(db.session.scalars(query.order_by(ProgressReport.id)))


def gaps(plan: Plan, period: str) -> list[str]:
    """Leaf codes with no report for the period: what the unit still owes."""
    done = {r.indicator_code for r in reports(plan, period)}
    return [leaf.code for leaf in plan.leaves if leaf.code not in done]


def report(
    user: User,
    plan_id: int,
    *,
    code: str,
    period: str,
    status: str,
    text: str,
    evidence_ids: list[int] = (),
    uploads: list[evidence.Upload] = (),
) -> ProgressReport:
    """Report (or re-report) one leaf's progress for a period, with evidence."""
    text = (text or "").strip()
    with evidence.files_removed_on_error() as written, transaction():
        plan = lock_plan(plan_id)
        require(user, REPORT_PROGRESS, plan)
        problems = []
        leaf = next((i for i in plan.leaves if i.code == code), None)
        if leaf is None:
            problems.append(Problem("indicator", "请选择考评表中的末级指标"))
        if period not in {p.value for p in Period}:
            problems.append(Problem("period", "报告期无效"))
        if status not in {s.value for s in ProgressStatus}:
            problems.append(Problem("status", "请选择推进情况"))
        if not text:
            problems.append(Problem("text", "请填写进展情况"))
        elif len(text) > MAX_TEXT:
            problems.append(Problem("text", f"进展情况不能超过{MAX_TEXT}字"))
        if problems:
            raise Invalid("进度报告未通过校验", problems)
        files = evidence.resolve(plan, list(evidence_ids), "evidence_ids")
        files += [evidence.store(plan, user, u, written) for u in uploads]
        row = db.session.scalars(
            select(ProgressReport).where(
                ProgressReport.plan_id == plan.id,
                ProgressReport.indicator_code == code,
                ProgressReport.period == period,
            )
        ).first()
        action = "update_progress" if row else "report_progress"
        if row is None:
            row = ProgressReport(plan_id=plan.id, indicator_code=code, period=period)
            db.session.add(row)
        row.status, row.text, row.evidence = status, text, files
        row.reported_by_id, row.reported_at = user.id, utcnow()
        db.session.flush()
        audit.record_event(
            "progress_report",
            row.id,
            user,
            action,
            comment=text,
            data={
                "indicator": code,
                "period": period,
                "status": status,
                "evidence": [f.original_name for f in files],
            },
            plan=plan,
        )
    return row


@dataclass
class BoardRow:
    plan: Plan
    leaves: int
    reported: int

    @property
    def share(self) -> Decimal:
        """Percent of leaves reported, one decimal."""
        if not self.leaves:
            return Decimal(0)
        return (Decimal(100) * self.reported / self.leaves).quantize(Decimal("0.1"))


def board(user: User, program_id: int, period: str) -> list[BoardRow]:
    """Per unit of the program: how many leaves have a report for the period (office)."""
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    require(user, VIEW_BOARD, program)
    if period not in {p.value for p in Period}:
        raise Invalid("报告期无效", [Problem("period", "报告期无效")])
    plans = list(
        db.session.scalars(
            select(Plan)
            .where(Plan.program_id == program.id, Plan.state.in_(PUBLIC_STATES))
            .options(*plan_row_options())
            .order_by(Plan.group_id, Plan.unit_id)
        ).unique()
    )
    # Leaves (rows without children) and the leaves reported for the period, counted per
    # plan by the database for the whole program.
    shown = select(Plan.id).where(Plan.program_id == program.id, Plan.state.in_(PUBLIC_STATES))
    child = aliased(Indicator)
    is_leaf = ~exists().where(child.parent_id == Indicator.id)
    leaves = dict(
        db.session.execute(
            select(Indicator.plan_id, func.count())
            .where(Indicator.plan_id.in_(shown), is_leaf)
            .group_by(Indicator.plan_id)
        ).all()
    )
    reported = dict(
        db.session.execute(
            select(ProgressReport.plan_id, func.count(func.distinct(ProgressReport.indicator_code)))
            .join(
                Indicator,
                (Indicator.plan_id == ProgressReport.plan_id)
                & (Indicator.code == ProgressReport.indicator_code),
            )
            .where(ProgressReport.plan_id.in_(shown), ProgressReport.period == period, is_leaf)
            .group_by(ProgressReport.plan_id)
        ).all()
    )
    return [BoardRow(p, leaves.get(p.id, 0), reported.get(p.id, 0)) for p in plans]
