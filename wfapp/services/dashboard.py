"""The office's dashboard (图表概览): per group of a program, the numbers its charts draw.

    stages   the group's plans in each state of the plan workflow, in workflow order, zeros
             included (the chart keeps its shape from one day to the next)
    overdue  per unit, its open rectification items past due today (`rectification.Tally`,
             the same count as the 整改 board), and the group's total
    grades   the group's latest result version (`results.latest_version`): units per grade in
             the order of the scheme that version was scored with; empty before scoring
    closure  the closure rate over time: from the day of the group's first item up to today
             (or the day the program was closed), one point a week, or a month when that span
             is long; at each date the items are those created by then and the closed ones
             those closed by then (local days, Asia/Shanghai)

A handful of queries per program (its plans with their units, its items) and two per group
(the latest version, its rows), whatever the number of plans.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload, selectinload

from wfapp.database import db
from wfapp.models import Group, Plan, Program, RectificationItem, ResultVersion, User
from wfapp.permissions import VIEW_BOARD
from wfapp.scoring import SchemeError, load_scheme
from wfapp.services import results
from wfapp.services.access import require
from wfapp.services.errors import NotFound
from wfapp.services.rectification import Tally, tallies
from wfapp.timeutil import local, local_today
from wfapp.workflows.plan import PLAN_WORKFLOW, STATE_LABELS

# Beyond this many days between the first item and the end, a point a week would crowd the
# chart (more than 26 points): one a month instead.
WEEKLY_SPAN_DAYS = 26 * 7


@dataclass(frozen=True)
class StageCount:
    state: str
    label: str
    plans: int


@dataclass(frozen=True)
class UnitOverdue:
    plan: Plan
    tally: Tally  # the unit's items: open, overdue, closed …

    @property
    def overdue(self) -> int:
        return self.tally.overdue


@dataclass(frozen=True)
class GradeCount:
    grade: str  # the scheme's key
    label: str
    units: int


@dataclass(frozen=True)
class Grades:
    """Units per grade of the group's latest result version; no version: not scored yet."""

    version: ResultVersion | None
    levels: list[GradeCount]

    @property
    def published(self) -> bool:
        return self.version is not None and self.version.published_at is not None

    @property
    def scored(self) -> bool:
        return self.version is not None


@dataclass(frozen=True)
class ClosurePoint:
    day: date
    closed: int
    items: int

    @property
    def rate(self) -> Decimal:
        """Per cent closed, one decimal (the board's rounding); 0 before any item exists."""
        return Tally(items=self.items, closed=self.closed).rate or Decimal("0.0")


@dataclass(frozen=True)
class Closure:
    step: str  # "week" or "month": the spacing of the points
    points: list[ClosurePoint]


@dataclass
class GroupDashboard:
    group: Group
    stages: list[StageCount]
    units: list[UnitOverdue]
    grades: Grades
    closure: Closure
    total: Tally = field(default_factory=Tally)  # every item of the group

    @property
    def plans(self) -> int:
        return sum(s.plans for s in self.stages)

    @property
    def overdue(self) -> int:
        return self.total.overdue


@dataclass
class Dashboard:
    program: Program
    today: date
    end: date  # the last day of the closure series: today, or the day the program closed
    groups: list[GroupDashboard]


def dashboard(user: User, program_id: int, today: date | None = None) -> Dashboard:
    """What the office's charts show, per group of the program."""
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    require(user, VIEW_BOARD, program)
    today = today or local_today()
    closed = local(program.closed_at)
    end = min(today, closed.date()) if closed else today

    plans_of: dict[int, list[Plan]] = defaultdict(list)
    group_of: dict[int, int] = {}
    for plan in db.session.scalars(
        select(Plan)
        .where(Plan.program_id == program.id)
        # The units' names are drawn; the tables and peers (loaded with a plan by default)
        # are not: lazy here, so a program of many plans does not read every indicator.
        .options(
            selectinload(Plan.unit), lazyload(Plan.indicators), lazyload(Plan.peer_assignments)
        )
        .order_by(Plan.group_id, Plan.unit_id)
    ):
        plans_of[plan.group_id].append(plan)
        group_of[plan.id] = plan.group_id
    items_of: dict[int, list[RectificationItem]] = defaultdict(list)
    for item in db.session.scalars(
        select(RectificationItem)
        .where(RectificationItem.program_id == program.id)
        .options(lazyload(RectificationItem.evidence))
        .order_by(RectificationItem.id)
    ):
        items_of[group_of[item.plan_id]].append(item)

    # Plans per group and stage: counted by the database, not by walking the plans.
    per_stage: dict[int, Counter] = defaultdict(Counter)
    for group_id, state, n in db.session.execute(
        select(Plan.group_id, Plan.state, func.count(Plan.id))
        .where(Plan.program_id == program.id)
        .group_by(Plan.group_id, Plan.state)
    ):
        per_stage[group_id][state] = n
    groups = []
    for group in program.groups:
        plans, items = plans_of[group.id], items_of[group.id]
        per_plan, total = tallies(items, today)
        groups.append(
            GroupDashboard(
                group=group,
                stages=stage_counts(per_stage[group.id]),
                units=[UnitOverdue(p, per_plan[p.id]) for p in plans],
                grades=grade_counts(group),
                closure=closure_series(items, end),
                total=total,
            )
        )
    return Dashboard(program, today, end, groups)


def stage_counts(per_state: Counter) -> list[StageCount]:
    """Every stage in workflow order, zeros included."""
    return [StageCount(s, STATE_LABELS[s], per_state.get(s, 0)) for s in PLAN_WORKFLOW.states]


def grade_counts(group: Group) -> Grades:
    version = results.latest_version(group)
    if version is None:
        return Grades(None, [])
    rows = version.rows  # by rank: the better grades come first
    rows = [r for r in rows if r.grade is not None]  # a scheme without grades: none to count
    per_grade = Counter(r.grade for r in rows)
    labels = {r.grade: r.grade_label or r.grade for r in rows}
    order = _scheme_levels(version) or {}
    # Every level of the scheme, zeros included; a grade it does not know (none expected)
    # follows in the order the ranking met it.
    for r in rows:
        order.setdefault(r.grade, labels[r.grade])
    levels = [GradeCount(k, label, per_grade.get(k, 0)) for k, label in order.items()]
    return Grades(version, levels)


def _scheme_levels(version: ResultVersion) -> dict[str, str] | None:
    """The grades, best first, of the scheme the version was scored with (it keeps its
    text, so a later upload cannot reorder an old version); None if it cannot be read."""
    try:
        scheme = load_scheme(version.scheme_text, name=version.scheme_name)
    except (SchemeError, ValueError, TypeError):
        return None
    if scheme.grading is None:
        return {}
    return {g.key: g.label for g in scheme.grading.levels}


def closure_series(items: list[RectificationItem], end: date) -> Closure:
    """Items and closed items at each point from the first item's day up to `end`."""
    if not items:
        return Closure("week", [])
    created = sorted(_day(i.created_at) for i in items)
    closed = sorted(_day(i.closed_at) for i in items if i.closed_at is not None)
    start = created[0]
    step, days = series_days(start, max(end, start))
    points = [ClosurePoint(d, bisect_right(closed, d), bisect_right(created, d)) for d in days]
    return Closure(step, points)


def series_days(start: date, end: date) -> tuple[str, list[date]]:
    """The dates of the points: `start`, every 7 days after it (or the first of each month
    when the span is long) before `end`, and `end` itself."""
    if (end - start).days <= WEEKLY_SPAN_DAYS:
        step = "week"
        days = [start + timedelta(days=7 * k) for k in range((end - start).days // 7 + 1)]
    else:
        step = "month"
        days = [start]
        first = _next_month(start)
        while first <= end:
            days.append(first)
            first = _next_month(first)
    if days[-1] != end:
        days.append(end)
    return step, days


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _day(moment) -> date:
    shown = local(moment)
    assert shown is not None
    return shown.date()
