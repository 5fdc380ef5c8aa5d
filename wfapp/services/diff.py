"""What changed between two rounds of a plan's table (修订对比), from the PlanRevision rows
saved at each submission: rows added, removed and changed (weights before and after)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wfapp.models import Plan, User
from wfapp.services import plans
from wfapp.services.errors import NotFound
from wfapp.workflows.plan import S

FIELD_LABELS = {
    "parent": "上级指标",
    "category": "类别",
    "content": "目标内容与责任分解",
    "weight": "权重",
    "responsible_leaders": "责任领导",
    "responsible_departments": "责任科室",
    "responsible_persons": "责任人",
    "note": "备注",
}
CURRENT = 0  # "round" 0 stands for the draft as it is now


@dataclass
class RowChange:
    code: str
    kind: str  # added / removed / changed
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: list[str] = field(default_factory=list)

    @property
    def field_labels(self) -> list[str]:
        return [FIELD_LABELS[f] for f in self.fields]


@dataclass
class RevisionDiff:
    before_label: str
    after_label: str
    changes: list[RowChange]
    total_before: Decimal
    total_after: Decimal

    def of(self, kind: str) -> list[RowChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def empty(self) -> bool:
        return not self.changes


def _normal(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "code": str(row["code"]),
        "parent": row.get("parent") or None,
        "category": row.get("category") or "",
        "content": row.get("content") or "",
        "weight": Decimal(str(row.get("weight") or 0)),
        "responsible_leaders": list(row.get("responsible_leaders") or []),
        "responsible_departments": list(row.get("responsible_departments") or []),
        "responsible_persons": list(row.get("responsible_persons") or []),
        "note": row.get("note") or "",
    }


def diff_rows(
    before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]
) -> list[RowChange]:
    """Rows matched by 序号, in the order of the newer table (removed rows at their old place)."""
    old = {r["code"]: r for r in map(_normal, before)}
    new = {r["code"]: r for r in map(_normal, after)}
    changes: list[RowChange] = []
    for code, row in new.items():
        if code not in old:
            changes.append(RowChange(code, "added", None, row))
            continue
        fields = [f for f in FIELD_LABELS if old[code][f] != row[f]]
        if fields:
            changes.append(RowChange(code, "changed", old[code], row, fields))
    changes += [
        RowChange(code, "removed", row, None) for code, row in old.items() if code not in new
    ]
    return changes


def _roots_total(rows: list[dict[str, Any]]) -> Decimal:
    codes = {r["code"] for r in rows}
    return sum((r["weight"] for r in rows if r["parent"] not in codes), Decimal(0))


def choices(plan: Plan) -> list[tuple[int, str]]:
    """The tables one can compare: each submitted round, and the draft being revised."""
    out = [(r.round, f"第{r.round}轮提交") for r in plans.revisions(plan)]
    if plan.state == S.DRAFT and out:
        out.append((CURRENT, "当前草稿"))
    return out


def compare(
    user: User, plan_id: int, before: int | None = None, after: int | None = None
) -> tuple[Plan, RevisionDiff | None]:
    """The plan and the difference between two of its tables (by default the newest two);
    None when the plan has fewer than two."""
    plan = plans.get_plan(user, plan_id)
    available = choices(plan)
    if len(available) < 2:
        return plan, None
    labels = dict(available)
    after = available[-1][0] if after is None else after
    if before is None:
        earlier = [r for r, _ in available if r != after and (after == CURRENT or r < after)]
        before = earlier[-1] if earlier else available[0][0]
    if before not in labels or after not in labels:
        raise NotFound("没有这一轮的提交记录")
    old, new = _rows(plan, before), _rows(plan, after)
    diff = RevisionDiff(
        labels[before],
        labels[after],
        diff_rows(old, new),
        _roots_total(list(map(_normal, old))),
        _roots_total(list(map(_normal, new))),
    )
    return plan, diff


def _rows(plan: Plan, round_: int) -> list[dict[str, Any]]:
    if round_ == CURRENT:
        return [i.as_row() for i in plan.indicators]
    return next(list(r.rows) for r in plans.revisions(plan) if r.round == round_)
