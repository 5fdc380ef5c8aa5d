"""Findings (考评发现的问题): what sends a plan to rectification (整改) when evaluation closes.

Today: items that an evaluator marked as a finding on a signed sheet, and 察访核验 deductions in
force. Rectification items (issue 7) will grow from these. Imports no other service but the
external entries' reading, so the plan service may ask it while firing."""

from __future__ import annotations

from sqlalchemy import func, select

from wfapp.database import db
from wfapp.models import EvaluationSheet, ExternalKind, Plan, SheetItem
from wfapp.services.external import effective
from wfapp.workflows.evaluation_sheet import SheetState


def marked_findings(plan: Plan) -> int:
    """Sheet items an evaluator marked as a finding, on the plan's signed sheets."""
    count = db.session.scalar(
        select(func.count(SheetItem.id))
        .join(EvaluationSheet, SheetItem.sheet_id == EvaluationSheet.id)
        .where(
            EvaluationSheet.plan_id == plan.id,
            EvaluationSheet.state == SheetState.SIGNED,
            SheetItem.finding.is_(True),
        )
    )
    return count or 0


def deductions(plan: Plan) -> int:
    """察访核验 deductions in force (corrected or cancelled ones do not count)."""
    return len(effective(plan, ExternalKind.DEDUCTION))


def has_findings(plan: Plan) -> bool:
    return marked_findings(plan) > 0 or deductions(plan) > 0
