"""A unit's grades across the years (历年考评结果) and the accountability flag (效能问责).

A year's grade is the unit's row in the latest result version of its group in that year's
program (published or not, said so); for years before wfapp, the grade the office entered
from the paper record (`PastGrade`). A result here wins over an entered grade of the same
year, which therefore cannot be entered once a result exists.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from wfapp.database import db
from wfapp.models import GRADE_LABELS, PastGrade, Plan, Program, ResultVersion, Unit, UnitResult
from wfapp.permissions import ENTER_PAST_GRADE, VIEW_BOARD, VIEW_UNIT_HISTORY
from wfapp.scoring.accountability import Grade, Rule, accountable
from wfapp.services import audit
from wfapp.services.access import require
from wfapp.services.errors import Invalid, NotFound, Problem
from wfapp.services.lists import plan_row_options
from wfapp.services.uow import transaction
from wfapp.timeutil import local_today, utcnow

FIRST_YEAR = 2000
MAX_NOTE = 500


@dataclass
class YearGrade:
    year: int
    grade: str
    label: str
    source: str  # "result": scored here; "past": entered from the paper record
    program: Program | None = None
    plan_id: int | None = None
    total: Decimal | None = None
    rank: int | None = None
    group_size: int | None = None
    published: bool = False
    note: str = ""


@dataclass
class UnitHistory:
    unit: Unit
    years: list[YearGrade]  # newest first
    flags: dict[int, str] = field(default_factory=dict)  # year → why accountable

    @property
    def flag(self) -> str | None:
        """The flag of the latest graded year, the one that calls for action now."""
        return self.flags.get(self.years[0].year) if self.years else None


@dataclass
class Flagged:
    unit: Unit
    plan: Plan
    reason: str


def rule() -> Rule:
    config = current_app.config
    return Rule(
        once=frozenset(config["ACCOUNTABILITY_GRADES_ONCE"]),
        streak_grade=config["ACCOUNTABILITY_STREAK_GRADE"],
        streak_years=int(config["ACCOUNTABILITY_STREAK_YEARS"]),
    )


def grades_by_unit(unit_ids: Collection[int]) -> dict[int, dict[int, YearGrade]]:
    """unit id → year → grade, for these units; two queries whatever their number."""
    out: dict[int, dict[int, YearGrade]] = {u: {} for u in unit_ids}
    latest = (
        select(ResultVersion.group_id, func.max(ResultVersion.version).label("version"))
        .group_by(ResultVersion.group_id)
        .subquery()
    )
    rows = db.session.execute(
        select(UnitResult, ResultVersion, Program)
        .join(ResultVersion, UnitResult.result_version_id == ResultVersion.id)
        .join(
            latest,
            (latest.c.group_id == ResultVersion.group_id)
            & (latest.c.version == ResultVersion.version),
        )
        .join(Program, ResultVersion.program_id == Program.id)
        .where(UnitResult.unit_id.in_(list(unit_ids)))
        .order_by(Program.id)
    )
    for row, version, program in rows:
        if row.grade is None or row.grade_label is None:
            continue  # a scheme without grades: the year has a score, not a grade
        out[row.unit_id].setdefault(
            program.year,
            YearGrade(
                program.year,
                row.grade,
                row.grade_label,
                "result",
                program=program,
                plan_id=row.plan_id,
                total=row.total,
                rank=row.rank,
                group_size=row.group_size,
                published=version.published_at is not None,
            ),
        )
    for past in db.session.scalars(select(PastGrade).where(PastGrade.unit_id.in_(list(unit_ids)))):
        out[past.unit_id].setdefault(
            past.year,
            YearGrade(past.year, past.grade, past.grade_label, "past", note=past.note),
        )
    return out


def _plain(grades: dict[int, YearGrade]) -> dict[int, Grade]:
    return {y: Grade(g.grade, g.label) for y, g in grades.items()}


def _flags(grades: dict[int, YearGrade], the_rule: Rule) -> dict[int, str]:
    plain = _plain(grades)
    return {y: why for y in grades if (why := accountable(plain, y, the_rule))}


def _unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("未找到该单位")
    return unit


def unit_history(user, unit_id: int) -> UnitHistory:
    unit = _unit(unit_id)
    require(user, VIEW_UNIT_HISTORY, unit)
    grades = grades_by_unit([unit.id])[unit.id]
    years = sorted(grades.values(), key=lambda g: g.year, reverse=True)
    return UnitHistory(unit, years, _flags(grades, rule()))


def accountability(user, program_id: int) -> list[Flagged]:
    """The program's units that the rule flags for the program's year (office board)."""
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound("未找到该考评项目")
    require(user, VIEW_BOARD, program)
    return flagged(program)


def flagged(program: Program) -> list[Flagged]:
    """The same, for a caller that has authorized the reader (the office board)."""
    plans = (
        db.session.scalars(
            select(Plan)
            .where(Plan.program_id == program.id)
            .options(*plan_row_options())
            .order_by(Plan.group_id, Plan.unit_id)
        )
        .unique()
        .all()
    )
    grades = grades_by_unit({p.unit_id for p in plans})
    the_rule = rule()
    out = []
    for plan in plans:
        reason = accountable(_plain(grades[plan.unit_id]), program.year, the_rule)
        if reason:
            out.append(Flagged(plan.unit, plan, reason))
    return out


def record_past_grade(user, unit_id: int, year: int, grade: str, note: str = "") -> PastGrade:
    """Enter (or correct) a unit's grade of a year before wfapp (office). Refused for a year
    the unit has a result here."""
    note = (note or "").strip()
    with transaction():
        unit = _unit(unit_id)
        require(user, ENTER_PAST_GRADE, unit)
        problems = []
        this_year = local_today().year
        if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year:
            problems.append(Problem("year", f"年度应在 {FIRST_YEAR} 到 {this_year} 之间"))
        elif (known := grades_by_unit([unit.id])[unit.id].get(year)) and known.source == "result":
            problems.append(Problem("year", "该年度已有本系统计分的考评结果，不能另行录入"))
        if grade not in GRADE_LABELS:
            problems.append(Problem("grade", "请选择等次：" + "、".join(GRADE_LABELS.values())))
        if len(note) > MAX_NOTE:
            problems.append(Problem("note", f"备注不能超过{MAX_NOTE}字"))
        if problems:
            raise Invalid("往年等次未保存：请修正标出的字段", problems)
        row = db.session.scalars(
            select(PastGrade)
            .where(PastGrade.unit_id == unit.id, PastGrade.year == year)
            .with_for_update()
        ).first()
        before = {"grade": row.grade, "note": row.note} if row else None
        if row is None:
            row = PastGrade(unit_id=unit.id, year=year, grade=grade, note=note)
            db.session.add(row)
        row.grade, row.note, row.entered_by_id, row.entered_at = grade, note, user.id, utcnow()
        db.session.flush()
        audit.record_event(
            "unit",
            unit.id,
            user,
            "record_past_grade",
            data={"year": year, "grade": grade, "note": note, "before": before},
        )
    return row
