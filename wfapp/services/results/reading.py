"""Reading results: a group's latest version with what changed since the one before, a unit's
own published result, the program overview, and the Excel export."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, load_only, selectinload

from wfapp.database import db
from wfapp.models import FlagKind, Group, Program, ResultFlag, ResultVersion, UnitResult, User
from wfapp.models.results import FLAG_LABELS
from wfapp.permissions import VIEW_RESULT, VIEW_RESULTS, relations
from wfapp.services import plans, results_excel
from wfapp.services.access import require
from wfapp.services.errors import NotFound
from wfapp.services.results.flags import flags_of_group
from wfapp.services.results.groups import group_in, program_for


@dataclass
class Change:
    """One unit between two versions: (before, after) of total, rank and grade."""

    row: UnitResult
    before: UnitResult | None

    @property
    def changed(self) -> bool:
        b = self.before
        return b is None or (b.total, b.rank, b.grade) != (
            self.row.total,
            self.row.rank,
            self.row.grade,
        )


@dataclass
class GroupResults:
    program: Program
    group: Group
    version: ResultVersion | None
    versions: list[ResultVersion]
    changes: list[Change]  # every unit of `version`, against the version before it
    previous: ResultVersion | None
    flags: dict[int, dict[str, ResultFlag]]
    published: bool  # some version of the group is published


def group_results(
    user: User, program_id: int, group_id: int, version: int | None = None
) -> GroupResults:
    """The office's view: a version (the latest by default) with the ranking and the
    difference from the version before."""
    program = program_for(user, VIEW_RESULTS, program_id)
    group = group_in(program, group_id)
    versions = list(
        db.session.scalars(
            select(ResultVersion)
            .where(ResultVersion.group_id == group.id)
            .options(
                selectinload(ResultVersion.rows).joinedload(UnitResult.unit),
                joinedload(ResultVersion.created_by),
            )
            .order_by(ResultVersion.version.desc())
        )
    )
    shown = versions[0] if versions and version is None else None
    if version is not None:
        shown = next((v for v in versions if v.version == version), None)
        if shown is None:
            raise NotFound("未找到该版本的结果")
    previous = next((v for v in versions if shown and v.version == shown.version - 1), None)
    before = {r.plan_id: r for r in previous.rows} if previous else {}
    changes = [Change(r, before.get(r.plan_id)) for r in shown.rows] if shown else []
    return GroupResults(
        program,
        group,
        shown,
        versions,
        changes,
        previous,
        flags_of_group(group),
        any(v.published_at for v in versions),
    )


@dataclass
class OwnResult:
    row: UnitResult
    version: ResultVersion


def unit_result(user: User, plan_id: int) -> OwnResult | None:
    """A unit's own result: the latest published version's row (the office sees the latest
    version, published or not). None while there is none to show."""
    plan = plans.get_plan(user, plan_id)
    require(user, VIEW_RESULT, plan)
    query = (
        select(UnitResult, ResultVersion)
        .join(ResultVersion, UnitResult.result_version_id == ResultVersion.id)
        .where(UnitResult.plan_id == plan.id)
        .order_by(ResultVersion.version.desc())
    )
    if "office" not in relations(user, plan):
        query = query.where(ResultVersion.published_at.is_not(None))
    found = db.session.execute(query).first()
    return OwnResult(found[0], found[1]) if found else None


def overview(
    user: User, program_id: int
) -> tuple[Program, list[tuple[Group, ResultVersion | None]]]:
    """The office's list: each group with its latest version (None: not closed yet)."""
    program = program_for(user, VIEW_RESULTS, program_id)
    latest: dict[int, ResultVersion] = {}
    for v in db.session.scalars(
        select(ResultVersion)
        .where(ResultVersion.program_id == program.id)
        .options(
            load_only(
                ResultVersion.id,
                ResultVersion.group_id,
                ResultVersion.version,
                ResultVersion.created_at,
                ResultVersion.published_at,
            )
        )
    ):
        if v.group_id not in latest or latest[v.group_id].version < v.version:
            latest[v.group_id] = v
    return program, [(g, latest.get(g.id)) for g in program.groups]


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_excel(
    user: User, program_id: int, group_id: int, version: int | None = None
) -> tuple[str, bytes]:
    """The ranking as a workbook: rank, unit, each part, total, grade, reward factor."""
    view = group_results(user, program_id, group_id, version)
    if view.version is None:
        raise NotFound("该考评组尚无考评结果")
    v = view.version
    rows = v.rows
    parts = [(c["name"], c["label"]) for c in rows[0].components] if rows else []
    headers = ["排名", "单位"]
    for _, label in parts:
        headers += [f"{label}得分", f"{label}计入"]
    headers += ["综合得分", "定等", "降档/一票否决", "等次", "绩效奖励系数"]
    paid = bool(rows) and rows[0].pay_label is not None
    if paid:
        headers += ["奖金档次", "奖金系数"]
    lines = []
    for r in rows:
        by_name = {c["name"]: c for c in r.components}
        line: list[Any] = [r.rank, r.unit.name]
        for name, _ in parts:
            line += [Decimal(by_name[name]["score"]), Decimal(by_name[name]["contribution"])]
        flags = "；".join(
            f"{FLAG_LABELS[FlagKind(k)]}" + (f"（{why}）" if why else "")
            for k, why in r.flags.items()
            if why is not None
        )
        line += [r.total, r.grade_before_flags_label, flags, r.grade_label, r.reward_factor]
        if paid:
            line += [r.pay_label, r.pay_factor]
        lines.append(line)
    draft = "" if v.published_at else "（未公布）"
    name = view.program.title
    title = f"{name}结果" if name.endswith("考评") else f"{name}考评结果"
    subtitle = f"考评组：{view.group.name}　第 {v.version} 版{draft}"
    data = results_excel.workbook(title, subtitle, headers, lines)
    return f"考评结果-{view.group.name}-第{v.version}版.xlsx", data
