"""The target table (考评表) laid out as the sources print it: 一级指标 and 二级指标 cells
spanning their rows, one row per indicator below the first level, a 小计 row for each
first-level indicator and a 合计 row. The plan page, the public portal and the Excel export
all draw from this one layout."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wfapp.models.plan import CATEGORY_FAMILY, CATEGORY_LABELS, Category

ITEM, SUBTOTAL = "item", "subtotal"


@dataclass
class LayoutRow:
    kind: str  # ITEM, or SUBTOTAL: the first-level indicator itself
    code: str
    parent: str | None
    category: str
    content: str
    weight: Decimal
    responsible_leaders: list[str] = field(default_factory=list)
    responsible_departments: list[str] = field(default_factory=list)
    responsible_persons: list[str] = field(default_factory=list)
    note: str = ""
    depth: int = 1  # 1: first level (二级指标), 2: "1-1", 3: "1-1-1" …
    family: str = ""  # 一级指标: 职能工作目标 / 行政能力目标
    family_span: int = 0  # rows the 一级指标 cell spans, on the first row of its run
    family_weight: Decimal = Decimal(0)
    block: str = ""  # 二级指标: the first-level indicator's name
    block_span: int = 0  # rows the 二级指标 cell spans, on the first row of its block
    is_leaf: bool = True

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(Category(self.category), self.category)


@dataclass
class TableLayout:
    rows: list[LayoutRow]
    total: Decimal

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def blocks(self) -> list[Block]:
        """The rows block by block (each first-level indicator's rows, its 小计 last), for
        the print and phone views that repeat the group's label instead of spanning rows."""
        out: list[Block] = []
        family_weight = Decimal(0)
        for r in self.rows:
            if r.family_span:
                family_weight = r.family_weight
            if r.block_span:
                out.append(Block(r.family, family_weight, r.block, []))
            if out:
                out[-1].rows.append(r)
        return out


@dataclass
class Block:
    family: str
    family_weight: Decimal
    name: str
    rows: list[LayoutRow]

    @property
    def subtotal(self) -> LayoutRow:
        return self.rows[-1]


def _row(data: Mapping[str, Any], kind: str, depth: int) -> LayoutRow:
    return LayoutRow(
        kind=kind,
        code=str(data["code"]),
        parent=data.get("parent"),
        category=str(data.get("category") or ""),
        content=str(data.get("content") or ""),
        weight=Decimal(str(data.get("weight") or 0)),
        responsible_leaders=list(data.get("responsible_leaders") or []),
        responsible_departments=list(data.get("responsible_departments") or []),
        responsible_persons=list(data.get("responsible_persons") or []),
        note=str(data.get("note") or ""),
        depth=depth,
    )


def build_layout(rows: Iterable[Mapping[str, Any]]) -> TableLayout:
    """Rows as the API sees them (code, parent, category, …) in their saved order."""
    rows = list(rows)
    codes = {str(r["code"]) for r in rows}
    children: dict[str | None, list[Mapping[str, Any]]] = {}
    for r in rows:
        parent = r.get("parent") if r.get("parent") in codes else None
        children.setdefault(parent, []).append(r)

    out: list[LayoutRow] = []
    total = Decimal(0)
    for root in children.get(None, []):
        block: list[LayoutRow] = []
        _walk(root, children, 2, block, set())
        sub = _row(root, SUBTOTAL, 1)
        sub.is_leaf = not block
        block.append(sub)
        try:
            family = CATEGORY_FAMILY[Category(sub.category)]
        except ValueError:
            family = sub.category
        for item in block:
            item.family, item.block = family, sub.content
        block[0].block_span = len(block)
        out.extend(block)
        total += sub.weight

    # The 一级指标 cell spans each run of consecutive blocks of one family.
    start = 0
    while start < len(out):
        end = start
        while end < len(out) and out[end].family == out[start].family:
            end += 1
        out[start].family_span = end - start
        out[start].family_weight = sum(
            (r.weight for r in out[start:end] if r.kind == SUBTOTAL), Decimal(0)
        )
        start = end
    return TableLayout(out, total)


def _walk(node, children, depth: int, out: list[LayoutRow], seen: set[str]) -> None:
    for kid in children.get(str(node["code"]), []):
        if kid["code"] in seen:  # a broken tree never loops the page
            continue
        seen.add(kid["code"])
        row = _row(kid, ITEM, depth)
        row.is_leaf = not children.get(str(kid["code"]))
        out.append(row)
        _walk(kid, children, depth + 1, out, seen)


def fmt_points(value: Decimal | None) -> str:
    """2.00 → "2", 2.50 → "2.5": weights as people write them."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class EditorFacts:
    depth: int
    child_sum: Decimal | None  # None: a leaf, or a child's weight is not a number


def editor_facts(rows: list[Mapping[str, Any]]) -> list[EditorFacts]:
    """Depth and the sum of direct children for each row of a table being edited (the
    editor shows them before its script takes over, and without it)."""
    from wfapp.services.targets import parse_weight

    parent_of = {str(r.get("code") or "").strip(): (r.get("parent") or "").strip() for r in rows}
    sums: dict[str, Decimal | None] = {}
    for r in rows:
        parent = (r.get("parent") or "").strip()
        if not parent:
            continue
        weight = parse_weight(r.get("weight"))
        previous = sums.get(parent, Decimal(0))
        sums[parent] = None if weight is None or previous is None else previous + weight
    out = []
    for r in rows:
        code = str(r.get("code") or "").strip()
        depth, node, seen = 1, parent_of.get(code), {code}
        while node and node in parent_of and node not in seen and depth < 10:
            seen.add(node)
            depth += 1
            node = parent_of.get(node)
        out.append(EditorFacts(depth, sums.get(code) if code in sums else None))
    return out
