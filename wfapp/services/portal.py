"""The public portal (公开): published plans by program and group, each with its table as
approved. No login; what is shown is decided by permissions (VIEW_PUBLIC) alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Group, Plan, PlanRevision, Program
from wfapp.permissions import VIEW_PUBLIC, Decision, decide
from wfapp.services.errors import NotFound
from wfapp.workflows.plan import PUBLIC_STATES


@dataclass
class ProgramListing:
    program: Program
    groups: list[tuple[Group, list[Plan]]]


def listing(program_id: int | None = None) -> list[ProgramListing]:
    query = select(Plan).where(Plan.state.in_(PUBLIC_STATES))
    if program_id is not None:
        query = query.where(Plan.program_id == program_id)
    found = db.session.scalars(query.order_by(Plan.program_id, Plan.group_id, Plan.unit_id))
    shown = [p for p in found if decide(None, VIEW_PUBLIC, p) is Decision.ALLOWED]
    out: list[ProgramListing] = []
    for plan in shown:
        if not out or out[-1].program.id != plan.program_id:
            out.append(ProgramListing(plan.program, []))
        groups = out[-1].groups
        if not groups or groups[-1][0].id != plan.group_id:
            groups.append((plan.group, []))
        groups[-1][1].append(plan)
    return out


def get_public_plan(plan_id: int) -> tuple[Plan, list[dict[str, Any]]]:
    """The plan and its table as approved: the rows submitted in the round the office approved."""
    plan = db.session.get(Plan, plan_id)
    if plan is None or decide(None, VIEW_PUBLIC, plan) is not Decision.ALLOWED:
        raise NotFound("未找到该公开方案")
    revision = db.session.scalars(
        select(PlanRevision).where(
            PlanRevision.plan_id == plan.id, PlanRevision.round == plan.round
        )
    ).first()
    rows = list(revision.rows) if revision else [i.as_row() for i in plan.indicators]
    return plan, rows
