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
from wfapp.services.lists import Page, paginate, plan_row_options
from wfapp.workflows.plan import PUBLIC_STATES


@dataclass
class ProgramListing:
    program: Program
    groups: list[tuple[Group, list[Plan]]]


def listing(program_id: int | None = None, page: int = 1) -> tuple[list[ProgramListing], Page]:
    """One page of the published plans, by program, group and unit, with the headings of
    the programs and groups on that page. Which plans are public is VIEW_PUBLIC's rule,
    here as the SQL condition on the plans' state it is."""
    query = select(Plan).where(Plan.state.in_(PUBLIC_STATES)).options(*plan_row_options())
    if program_id is not None:
        query = query.where(Plan.program_id == program_id)
    found = paginate(query.order_by(Plan.program_id, Plan.group_id, Plan.unit_id), page)
    out: list[ProgramListing] = []
    for plan in found.items:
        if not out or out[-1].program.id != plan.program_id:
            out.append(ProgramListing(plan.program, []))
        groups = out[-1].groups
        if not groups or groups[-1][0].id != plan.group_id:
            groups.append((plan.group, []))
        groups[-1][1].append(plan)
    return out, found


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
