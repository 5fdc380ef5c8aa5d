"""A program for the dashboard: two groups with plans in several states and rectification
items created and closed on known local days, and an empty third group.

Group 第一组 (units A–D), today 2025-03-25 (Asia/Shanghai):

    item  unit  created (local)    state        due         closed (local)
    i1    A     2025-03-03 09:00   closed       03-20       2025-03-11 01:00 (UTC: 03-10)
    i2    A     2025-03-03 10:00   open         03-20       — overdue on 03-25
    i3    D     2025-03-12 09:00   closed       03-31       2025-03-24 15:00
    i4    A     2025-03-12 09:00   in_progress  04-30       —

Group 第二组 (unit E): one open item created 2025-01-06, due 2025-02-28 (overdue).
"""

from __future__ import annotations

from datetime import date, datetime

from tests.factories import make_plan, make_unit
from tests.rectification.helpers import make_item, rect_world
from wfapp.database import db
from wfapp.models import Group
from wfapp.timeutil import SHANGHAI

TODAY = date(2025, 3, 25)


def at(*args: int) -> datetime:
    """A moment in local time (Asia/Shanghai); stored in UTC."""
    return datetime(*args, tzinfo=SHANGHAI)


def dash_world():
    world = rect_world()  # unit A's plan in 整改
    units = world.units
    plans = {
        "A": world.plan,
        "B": make_plan(world.program, world.group, units["B"], state="draft"),
        "C": make_plan(world.program, world.group, units["C"], state="published"),
        "D": make_plan(world.program, world.group, units["D"], state="rectification"),
    }
    second = Group(program=world.program, name="第二组")
    third = Group(program=world.program, name="第三组")
    db.session.add_all([second, third])
    units["E"] = make_unit("单位E")
    plans["E"] = make_plan(world.program, second, units["E"], state="rectification")
    a, d, e = plans["A"], plans["D"], plans["E"]
    items = {
        "i1": make_item(
            a,
            due_date=date(2025, 3, 20),
            state="closed",
            created_at=at(2025, 3, 3, 9),
            closed_at=at(2025, 3, 11, 1),
        ),
        "i2": make_item(a, due_date=date(2025, 3, 20), created_at=at(2025, 3, 3, 10)),
        "i3": make_item(
            d,
            due_date=date(2025, 3, 31),
            state="closed",
            created_at=at(2025, 3, 12, 9),
            closed_at=at(2025, 3, 24, 15),
        ),
        "i4": make_item(
            a, due_date=date(2025, 4, 30), state="in_progress", created_at=at(2025, 3, 12, 9)
        ),
        "i5": make_item(e, due_date=date(2025, 2, 28), created_at=at(2025, 1, 6, 9)),
    }
    world.extra.update(plans=plans, items=items, second=second, third=third)
    return world
