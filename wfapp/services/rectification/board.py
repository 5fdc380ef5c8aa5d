"""The office's rectification board (整改台账): per group and unit, items, closed, on time, overdue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from wfapp.database import db
from wfapp.models import Group, Plan, Program, RectificationItem, User
from wfapp.permissions import VIEW_BOARD
from wfapp.services.access import require
from wfapp.services.errors import NotFound
from wfapp.services.lists import plan_row_options
from wfapp.services.rectification.items import closed_on_time, is_overdue
from wfapp.timeutil import local_today
from wfapp.workflows.rectification import R


@dataclass
class Tally:
    """Items of one unit or group: how many, closed, closed on time, open, overdue."""

    items: int = 0
    closed: int = 0
    on_time: int = 0
    open: int = 0
    overdue: int = 0

    def add(self, item: RectificationItem, today: date) -> None:
        self.items += 1
        if item.state == R.CLOSED:
            self.closed += 1
            self.on_time += closed_on_time(item)
        else:
            self.open += 1
            self.overdue += is_overdue(item, today)

    def merge(self, other: Tally) -> None:
        for name in ("items", "closed", "on_time", "open", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def rate(self) -> Decimal | None:
        """Closure rate in per cent (one decimal); None without items."""
        if not self.items:
            return None
        return (Decimal(self.closed * 100) / self.items).quantize(Decimal("0.1"))


@dataclass
class BoardGroup:
    group: Group
    total: Tally
    units: list[tuple[Plan, Tally]] = field(default_factory=list)


@dataclass
class Board:
    program: Program
    groups: list[BoardGroup]
    total: Tally


def board(user: User, program_id: int, today: date | None = None) -> Board:
    """Closure rate per unit and per group of the program."""
    program = _program(program_id)
    require(user, VIEW_BOARD, program)
    items = db.session.scalars(
        select(RectificationItem)
        .where(RectificationItem.program_id == program.id)
        .options(lazyload(RectificationItem.evidence))
    )
    per_plan, total = tallies(items, today or local_today())
    by_group: dict[int, BoardGroup] = {g.id: BoardGroup(g, Tally()) for g in program.groups}
    for plan in db.session.scalars(
        select(Plan)
        .where(Plan.program_id == program.id)
        .options(*plan_row_options())
        .order_by(Plan.group_id, Plan.unit_id)
    ).unique():
        tally = per_plan.get(plan.id, Tally())
        by_group[plan.group_id].units.append((plan, tally))
        by_group[plan.group_id].total.merge(tally)
    return Board(program, list(by_group.values()), total)


def tallies(items: Iterable[RectificationItem], today: date) -> tuple[dict[int, Tally], Tally]:
    """The items counted per plan (id) and in all."""
    per_plan: dict[int, Tally] = defaultdict(Tally)
    total = Tally()
    for item in items:
        per_plan[item.plan_id].add(item, today)
        total.add(item, today)
    return per_plan, total


def _program(program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    return program
