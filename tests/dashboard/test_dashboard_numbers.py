"""What the office's dashboard counts, computed by the service from known data: plans per
stage, overdue items per unit, the grade distribution, the closure rate over time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from tests.factories import make_plan, make_unit
from tests.rectification.helpers import make_item, rect_world
from tests.results.helpers import results_world
from wfapp.database import db
from wfapp.models import Group
from wfapp.services import results
from wfapp.services.dashboard import dashboard, series_days
from wfapp.services.errors import NotFound
from wfapp.workflows.plan import PLAN_WORKFLOW

from .helpers import TODAY, at, dash_world


def _points(group) -> list[tuple[str, int, int, str]]:
    return [(p.day.isoformat(), p.closed, p.items, str(p.rate)) for p in group.closure.points]


# --- the office reads its program -------------------------------------------------------


def test_plans_per_stage_in_workflow_order_with_zeros(app):
    """The office sees, per group, how many plans are in each stage, every stage listed in
    the workflow's order with its Chinese label, so the chart keeps its shape."""
    world = dash_world()
    first, second, third = dashboard(world.office, world.program.id, TODAY).groups
    assert [s.state for s in first.stages] == list(PLAN_WORKFLOW.states)
    assert [(s.label, s.plans) for s in first.stages] == [
        ("初稿", 1),
        ("同组互审", 0),
        ("分管领导审定", 0),
        ("绩效办批复", 0),
        ("公开", 1),
        ("自评", 0),
        ("集中考评", 0),
        ("整改", 2),
        ("归档", 0),
    ]
    assert first.plans == 4
    assert [s.plans for s in second.stages if s.plans] == [1] and second.plans == 1
    assert third.plans == 0 and len(third.stages) == len(PLAN_WORKFLOW.states)


def test_overdue_items_per_unit_and_group(app):
    """Overdue: open items past their due date on the day asked about, per unit of the
    group (every unit listed, zeros too) and in total; closed and not-yet-due items are not."""
    world = dash_world()
    plans = world.extra["plans"]
    first, second, third = dashboard(world.office, world.program.id, TODAY).groups
    assert [(u.plan.id, u.overdue, u.tally.open) for u in first.units] == [
        (plans["A"].id, 1, 2),
        (plans["B"].id, 0, 0),
        (plans["C"].id, 0, 0),
        (plans["D"].id, 0, 0),
    ]
    assert (first.overdue, first.total.items, first.total.closed) == (1, 4, 2)
    assert [u.overdue for u in second.units] == [1] and second.overdue == 1
    assert third.units == [] and third.overdue == 0
    # On i2's due date it is not overdue yet; unit E's item (due 28 February) is.
    early = dashboard(world.office, world.program.id, date(2025, 3, 20)).groups
    assert [g.overdue for g in early] == [0, 1, 0]


def test_closure_rate_a_point_a_week_on_local_days(app):
    """From the first item's day, every 7 days, and today: items created by then, closed by
    then, rate with one decimal. i1 closed at 01:00 on 11 March in Shanghai (still 10 March
    in UTC) is not closed yet on the 10 March point."""
    world = dash_world()
    first, second, third = dashboard(world.office, world.program.id, TODAY).groups
    assert first.closure.step == "week"
    assert _points(first) == [
        ("2025-03-03", 0, 2, "0.0"),
        ("2025-03-10", 0, 2, "0.0"),
        ("2025-03-17", 1, 4, "25.0"),
        ("2025-03-24", 2, 4, "50.0"),
        ("2025-03-25", 2, 4, "50.0"),
    ]
    assert all(isinstance(p.rate, Decimal) for p in first.closure.points)
    days = [p.day for p in second.closure.points]
    assert days[0] == date(2025, 1, 6) and days[-1] == TODAY and len(days) == 13
    assert {p.rate for p in second.closure.points} == {Decimal("0.0")}
    assert third.closure.points == []


def test_rates_with_thirds_are_rounded_to_one_decimal(app):
    world = rect_world()
    for n in range(3):
        make_item(
            world.plan,
            created_at=at(2025, 3, 3, 9),
            **({"state": "closed", "closed_at": at(2025, 3, 4, 9)} if n == 0 else {}),
        )
    (group,) = dashboard(world.office, world.program.id, date(2025, 3, 5)).groups
    assert _points(group) == [("2025-03-03", 0, 3, "0.0"), ("2025-03-05", 1, 3, "33.3")]


def test_a_long_span_has_a_point_a_month(app):
    """Over more than 26 weeks the points are the first day, the first of each month, and
    today."""
    world = rect_world()
    make_item(world.plan, created_at=at(2024, 9, 15, 9))
    (group,) = dashboard(world.office, world.program.id, date(2025, 5, 5)).groups
    assert group.closure.step == "month"
    assert [p.day.isoformat() for p in group.closure.points] == [
        "2024-09-15",
        "2024-10-01",
        "2024-11-01",
        "2024-12-01",
        "2025-01-01",
        "2025-02-01",
        "2025-03-01",
        "2025-04-01",
        "2025-05-01",
        "2025-05-05",
    ]


def test_the_series_ends_on_the_day_the_program_closed(app):
    """A closed program's curve stops on its closing day (local), not today."""
    world = dash_world()
    world.program.closed_at = at(2025, 3, 18, 7)  # 17 March in UTC
    db.session.commit()
    board = dashboard(world.office, world.program.id, date(2025, 6, 1))
    assert board.end == date(2025, 3, 18)
    assert _points(board.groups[0])[-2:] == [
        ("2025-03-17", 1, 4, "25.0"),
        ("2025-03-18", 1, 4, "25.0"),
    ]


@pytest.mark.parametrize(
    ("start", "end", "step", "expected"),
    [
        ("2025-03-03", "2025-03-03", "week", ["2025-03-03"]),
        ("2025-03-03", "2025-03-17", "week", ["2025-03-03", "2025-03-10", "2025-03-17"]),
        (
            "2025-03-03",
            "2025-03-18",
            "week",
            ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-18"],
        ),
        ("2024-11-20", "2025-06-01", "month", None),
    ],
)
def test_series_days(start, end, step, expected):
    got_step, days = series_days(date.fromisoformat(start), date.fromisoformat(end))
    assert got_step == step
    assert days[0].isoformat() == start and days[-1].isoformat() == end
    assert days == sorted(set(days))
    if expected:
        assert [d.isoformat() for d in days] == expected
    else:  # across the new year
        assert date(2024, 12, 1) in days and date(2025, 1, 1) in days and len(days) == 8


def test_grades_of_the_latest_version_in_the_schemes_order(app):
    """Before scoring the group has no grades; after closing evaluation the latest version's
    units per grade, every level of the scheme (优秀, 良好, 一般, 差) with zeros, marked
    unpublished until the office publishes it."""
    world = results_world()
    (group,) = dashboard(world.office, world.program.id, TODAY).groups
    assert not group.grades.scored and group.grades.levels == [] and not group.grades.published

    results.close_evaluation(world.office, world.program.id, world.group.id)
    (group,) = dashboard(world.office, world.program.id, TODAY).groups
    assert group.grades.version.version == 1 and not group.grades.published
    assert [(lv.label, lv.units) for lv in group.grades.levels] == [
        ("优秀", 1),
        ("良好", 0),
        ("一般", 3),
        ("差", 0),
    ]
    # Evaluation closed: every plan moved on to 整改 or 归档.
    assert sum(s.plans for s in group.stages if s.state in ("rectification", "closed")) == 4

    results.publish(world.office, world.program.id, world.group.id)
    (group,) = dashboard(world.office, world.program.id, TODAY).groups
    assert group.grades.published


def test_queries_do_not_grow_with_the_plans(app):
    """The dashboard reads per program and per group, never per plan: a group of 12 plans
    costs the same number of queries as a group of 2."""
    world = dash_world()

    def queries() -> int:
        db.session.expire_all()
        seen = []
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            dashboard(world.office, world.program.id, TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    before = queries()
    assert 0 < before <= 12
    group = db.session.get(Group, world.extra["third"].id)
    for n in range(10):
        plan = make_plan(world.program, group, make_unit(f"新增单位{n}"), state="rectification")
        make_item(plan, created_at=at(2025, 3, 5, 9))
    assert queries() == before


# --- who may not ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["a_liaison", "a_head", "leader", "evaluator", "admin"])
def test_only_the_programs_office_reads_the_dashboard(app, who):
    """A unit, its leader, an evaluator and an admin of the program have no standing (403)."""
    from wfapp.services.errors import Forbidden

    world = dash_world()
    with pytest.raises(Forbidden):
        dashboard(getattr(world, who), world.program.id, TODAY)


def test_an_unknown_program_is_not_found(app):
    world = dash_world()
    with pytest.raises(NotFound):
        dashboard(world.office, world.program.id + 99, TODAY)


def test_grades_fall_back_to_the_rankings_order(app):
    """A version whose stored scheme cannot be read any more still shows its grades: those
    present, best first as the ranking met them."""
    world = results_world()
    version = results.close_evaluation(world.office, world.program.id, world.group.id)
    version.scheme_text = "grading: [unreadable"
    db.session.commit()
    (group,) = dashboard(world.office, world.program.id, TODAY).groups
    assert [(lv.label, lv.units) for lv in group.grades.levels] == [("优秀", 1), ("一般", 3)]
