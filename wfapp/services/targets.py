"""Target-table (考评表) rules, checked on every save and on submit.

Pure functions over plain rows; each problem names the row's code. A leaf that names no
responsible person is only a warning: real tables leave it empty where a whole department
answers for the row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from wfapp.models.plan import Category
from wfapp.services.errors import Problem

TOTAL_CODE = "合计"
MAX_CODE_LENGTH = 40
# A problem's column when the children's weights do not add up to the row's (or the table's).
CHILD_SUM = "weight_sum"


@dataclass
class TargetRow:
    code: str
    parent: str | None
    category: str
    content: str
    weight: Decimal | None  # None: not a number (reported)
    responsible_leaders: list[str] = field(default_factory=list)
    responsible_departments: list[str] = field(default_factory=list)
    responsible_persons: list[str] = field(default_factory=list)
    note: str = ""
    raw_weight: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "parent": self.parent,
            "category": self.category,
            "content": self.content,
            "weight": self.weight,
            "responsible_leaders": self.responsible_leaders,
            "responsible_departments": self.responsible_departments,
            "responsible_persons": self.responsible_persons,
            "note": self.note,
        }


@dataclass
class TableCheck:
    rows: list[TargetRow]
    levels: dict[str, int]
    errors: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_weight(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def split_names(value: Any) -> list[str]:
    """Owners come as a list, or as text joined by 、 ， , ; as the sources write them."""
    if value is None:
        return []
    if isinstance(value, str):
        for sep in "，,;；\n":
            value = value.replace(sep, "、")
        items: Iterable[Any] = value.split("、")
    else:
        items = value
    return [str(v).strip() for v in items if str(v).strip()]


def to_row(data: Mapping[str, Any]) -> TargetRow:
    parent = data.get("parent")
    return TargetRow(
        code=str(data.get("code") or "").strip(),
        parent=str(parent).strip() if parent not in (None, "") else None,
        category=str(data.get("category") or "").strip(),
        content=str(data.get("content") or "").strip(),
        weight=parse_weight(data.get("weight")),
        responsible_leaders=split_names(data.get("responsible_leaders")),
        responsible_departments=split_names(data.get("responsible_departments")),
        responsible_persons=split_names(data.get("responsible_persons")),
        note=str(data.get("note") or "").strip(),
        raw_weight=data.get("weight"),
    )


def check_table(raw_rows: Iterable[Mapping[str, Any] | TargetRow], total: Decimal) -> TableCheck:
    rows = [r if isinstance(r, TargetRow) else to_row(r) for r in raw_rows]
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if not rows:
        return TableCheck(rows, {}, [Problem(TOTAL_CODE, "考评表不能为空")], [])

    by_code: dict[str, TargetRow] = {}
    for i, row in enumerate(rows, start=1):
        if not row.code:
            row.code = f"第{i}行"
            errors.append(Problem(row.code, "序号不能为空", "code"))
        elif len(row.code) > MAX_CODE_LENGTH:
            errors.append(Problem(row.code, f"序号不能超过{MAX_CODE_LENGTH}个字符", "code"))
        if row.code in by_code:
            errors.append(Problem(row.code, "序号重复", "code"))
        else:
            by_code[row.code] = row

    children: dict[str | None, list[TargetRow]] = {}
    for row in rows:
        if row.parent is not None and row.parent not in by_code:
            errors.append(Problem(row.code, f"上级指标“{row.parent}”不存在", "parent"))
            continue
        children.setdefault(row.parent, []).append(row)

    levels = _levels(rows, by_code, errors)
    categories = {c.value for c in Category}
    for row in rows:
        if row.category not in categories:
            errors.append(
                Problem(row.code, "类别无效，应为 重点 / 常规 / 动态 / 行政能力 之一", "category")
            )
        parent = by_code.get(row.parent) if row.parent else None
        if parent is not None and parent.category != row.category:
            errors.append(Problem(row.code, "类别与上级指标不一致", "category"))
        _check_weight(row, errors)
        if not children.get(row.code):  # a leaf
            if not row.content:
                errors.append(Problem(row.code, "末级指标必须填写目标内容", "content"))
            if not row.responsible_departments:
                errors.append(
                    Problem(row.code, "末级指标至少填写一个责任科室", "responsible_departments")
                )
            if not row.responsible_persons:
                warnings.append(
                    Problem(row.code, "未填写责任人，将由责任科室负责", "responsible_persons")
                )

    for parent_code, kids in children.items():
        weights = [k.weight for k in kids]
        if any(w is None for w in weights):
            continue
        got = sum(weights, Decimal(0))
        if parent_code is None:
            if got != total:
                errors.append(
                    Problem(
                        TOTAL_CODE, f"一级指标权重合计 {_fmt(got)}，应为 {_fmt(total)}", CHILD_SUM
                    )
                )
        else:
            parent = by_code[parent_code]
            if parent.weight is not None and got != parent.weight:
                errors.append(
                    Problem(
                        parent_code,
                        f"下级指标权重合计 {_fmt(got)}，与本项权重 {_fmt(parent.weight)} 不符",
                        CHILD_SUM,
                    )
                )
    return TableCheck(rows, levels, errors, warnings)


def _check_weight(row: TargetRow, errors: list[Problem]) -> None:
    if row.weight is None:
        errors.append(Problem(row.code, "权重必须是数字", "weight"))
    elif row.weight <= 0:
        errors.append(Problem(row.code, "权重必须大于 0", "weight"))
    elif row.weight.as_tuple().exponent < -2 and row.weight != row.weight.quantize(Decimal("0.01")):
        errors.append(Problem(row.code, "权重最多保留两位小数", "weight"))


def _levels(
    rows: list[TargetRow], by_code: dict[str, TargetRow], errors: list[Problem]
) -> dict[str, int]:
    levels: dict[str, int] = {}
    for row in rows:
        seen: list[str] = []
        node: TargetRow | None = row
        while node is not None and node.code not in seen:
            seen.append(node.code)
            node = by_code.get(node.parent) if node.parent else None
        if node is not None:  # walked back into the chain: a cycle
            errors.append(Problem(row.code, "上级指标形成循环", "parent"))
            levels[row.code] = 1
        else:
            levels[row.code] = len(seen)
    return levels


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def format_points(value: Decimal) -> str:
    """Points as people write them: 5, 2.5, 0.25 (no trailing zeros)."""
    return _fmt(value) if value == value.to_integral() else format(value.normalize(), "f")
