"""Closing a program: its open items are carried into the next program; and the record
(`record(program)`) that next year's scheme reads of each unit's rectification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Plan, Program, RectificationItem, Unit, User
from wfapp.permissions import CLOSE_PROGRAM
from wfapp.services import audit, plans
from wfapp.services.access import require
from wfapp.services.errors import Conflict, NotFound
from wfapp.services.rectification.creation import add_to_plan
from wfapp.services.rectification.items import closed_on_time, default_due
from wfapp.services.uow import lock_plan, transaction
from wfapp.timeutil import local_today, utcnow
from wfapp.workflows.plan import S
from wfapp.workflows.rectification import OPEN_STATES, R


def next_program(program: Program) -> Program | None:
    """The program of the following year (the first made, if several)."""
    return db.session.scalars(
        select(Program).where(Program.year == program.year + 1).order_by(Program.id)
    ).first()


def previous_program(program: Program) -> Program | None:
    return db.session.scalars(
        select(Program).where(Program.year == program.year - 1).order_by(Program.id)
    ).first()


@dataclass
class CloseResult:
    program: Program
    target: Program | None
    carried: list[RectificationItem]
    not_carried: list[RectificationItem]  # the unit has no plan in the next program
    finished: list[Plan]  # plans in 整改 with nothing left open, closed now


def close_program(user: User, program_id: int, today: date | None = None) -> CloseResult:
    """Close (归档) a program: each item still open is copied into the unit's plan of the
    next program, linked to its origin; then every plan in 整改 whose items are all closed
    or carried closes."""
    with transaction():
        program = db.session.scalars(
            select(Program)
            .where(Program.id == program_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if program is None:
            raise NotFound("未找到该考评项目")
        require(user, CLOSE_PROGRAM, program)
        if program.closed_at is not None:
            raise Conflict("该考评项目已归档")
        target = next_program(program)
        carried, not_carried = [], []
        open_items = db.session.scalars(
            select(RectificationItem)
            .where(
                RectificationItem.program_id == program.id,
                RectificationItem.state.in_(OPEN_STATES),
            )
            .order_by(RectificationItem.id)
        ).all()
        targets = (
            {
                p.unit_id: p
                for p in db.session.scalars(select(Plan).where(Plan.program_id == target.id))
            }
            if target
            else {}
        )
        day = today or local_today()
        for origin in open_items:
            plan = targets.get(origin.unit_id)
            if plan is None:
                not_carried.append(origin)
                continue
            carried.append(_carry(origin, plan, user, day))
        # Carried items are rectified next year: a plan whose items are all closed or
        # carried is done; one whose unit has no plan next year keeps waiting in 整改.
        db.session.flush()
        finished = []
        for plan_id in db.session.scalars(
            select(Plan.id).where(Plan.program_id == program.id, Plan.state == S.RECTIFICATION)
        ).all():
            plan = lock_plan(plan_id)
            if plans.fire_automatic(
                plan, "finish_rectification", "考评项目归档，未销号事项转入下年度"
            ):
                finished.append(plan)
        program.closed_at = utcnow()
        audit.record_event(
            "program",
            program.id,
            user,
            "close_program",
            data={
                "carried": len(carried),
                "not_carried": [i.id for i in not_carried],
                "to_program": target.id if target else None,
                "finished_plans": [p.id for p in finished],
            },
        )
    return CloseResult(program, target, carried, not_carried, finished)


def _carry(origin: RectificationItem, plan: Plan, user: User, today: date) -> RectificationItem:
    """A copy to rectify next year: the same finding, owners and measures, a new period."""
    due = origin.due_date if origin.due_date >= today else None
    due_date, days = (due, None) if due else default_due(plan.program, today)
    copy = RectificationItem(
        plan_id=plan.id,
        program_id=plan.program_id,
        unit_id=plan.unit_id,
        source_kind=origin.source_kind,
        source_ref=f"carried:{origin.id}",
        indicator_code=None,  # next year's table has its own codes
        finding=origin.finding,
        responsible_department=origin.responsible_department,
        responsible_person=origin.responsible_person,
        measures=origin.measures,
        due_date=due_date,
        due_working_days=days,
        carried_from_id=origin.id,
        created_by_id=user.id,
    )
    return add_to_plan(copy, plan, user, "carry_item")


RECORD_KEYS = ("rectification_items", "rectification_closed_on_time", "rectification_open_items")


def record(program: Program) -> dict[int, dict[str, int]]:
    """Per unit id, the record of the program before `program`, as scheme inputs:
    {"rectification_items": n, "rectification_closed_on_time": n,
     "rectification_open_items": n}. Units without items are absent (counts of 0)."""
    before = previous_program(program)
    if before is None:
        return {}
    origins = db.session.scalars(
        select(RectificationItem).where(RectificationItem.program_id == before.id)
    ).all()
    copies = {
        c.carried_from_id: c
        for c in db.session.scalars(
            select(RectificationItem).where(
                RectificationItem.carried_from_id.in_([o.id for o in origins])
            )
        )
    }
    out: dict[int, dict[str, int]] = {}
    for item in origins:
        row = out.setdefault(item.unit_id, dict.fromkeys(RECORD_KEYS, 0))
        row["rectification_items"] += 1
        row["rectification_closed_on_time"] += closed_on_time(item)
        copy = copies.get(item.id)
        still_open = item.state != R.CLOSED and (copy is None or copy.state != R.CLOSED)
        row["rectification_open_items"] += still_open
    return out


def record_by_unit(program: Program) -> list[tuple[Unit, dict[str, int]]]:
    """The record with its units, by name (for pages and the API)."""
    rows = record(program)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(rows)))}
    return sorted(((units[k], v) for k, v in rows.items()), key=lambda r: r[0].name)
