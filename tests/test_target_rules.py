"""Target-table rules: each failing case names the row it is about."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import row, table
from wfapp.services.targets import TOTAL_CODE, check_table


def problems(rows, total=100):
    check = check_table(rows, Decimal(total))
    return [(p.code, p.message) for p in check.errors], [
        (p.code, p.message) for p in check.warnings
    ]


def with_changes(code: str, **changes):
    rows = table()
    for r in rows:
        if r["code"] == code:
            r.update(changes)
    return rows


def test_the_factory_table_is_valid_with_one_warning():
    """A leaf with no named person is a warning, not an error."""
    errors, warnings = problems(table())
    assert errors == []
    assert warnings == [("1-2-2", "未填写责任人，将由责任科室负责")]


@pytest.mark.parametrize(
    ("rows", "code", "fragment"),
    [
        (with_changes("1-2-1", weight="10"), "1-2", "下级指标权重合计 25，与本项权重 30 不符"),
        (
            [r | {"weight": "30"} if r["code"] in ("2", "2-1") else r for r in table()],
            TOTAL_CODE,
            "一级指标权重合计 90，应为 100",
        ),
        ([*table(), row("1-1", "1", "key", "重复", "1", dept="x")], "1-1", "序号重复"),
        (with_changes("1-1", content="  "), "1-1", "末级指标必须填写目标内容"),
        (with_changes("1-1", weight="0"), "1-1", "权重必须大于 0"),
        (with_changes("1-1", weight="-3"), "1-1", "权重必须大于 0"),
        (with_changes("1-1", weight="29.999"), "1-1", "权重最多保留两位小数"),
        (with_changes("1-1", weight="三十"), "1-1", "权重必须是数字"),
        (with_changes("1-1", responsible_departments=[]), "1-1", "末级指标至少填写一个责任科室"),
        (with_changes("1-1", parent="9"), "1-1", "上级指标“9”不存在"),
        (with_changes("1-1", category="capacity"), "1-1", "类别与上级指标不一致"),
        (with_changes("1-1", category="important"), "1-1", "类别无效"),
        (with_changes("1", parent="1-2-1"), "1", "上级指标形成循环"),
    ],
    ids=[
        "children-sum",
        "top-level-sum",
        "duplicate-code",
        "leaf-content",
        "zero-weight",
        "negative-weight",
        "three-decimals",
        "non-number",
        "no-department",
        "unknown-parent",
        "category-mismatch",
        "unknown-category",
        "cycle",
    ],
)
def test_each_rule_names_the_row(rows, code, fragment):
    errors, _ = problems(rows)
    assert any(c == code and fragment in m for c, m in errors), errors


def test_two_decimal_weights_are_exact():
    """Weights of 33.33 + 33.33 + 33.34 make exactly 100: no float rounding."""
    rows = [
        row("1", None, "key", "a", "33.33", dept="d"),
        row("2", None, "regular", "b", "33.33", dept="d"),
        row("3", None, "capacity", "c", "33.34", dept="d"),
    ]
    assert problems(rows)[0] == []


def test_the_program_total_is_the_target():
    """A program of 120 points wants its top level to sum to 120."""
    assert problems(table(120), total=120)[0] == []
    assert problems(table(), total=120)[0] == [(TOTAL_CODE, "一级指标权重合计 100，应为 120")]


def test_empty_table_is_refused():
    assert problems([])[0] == [(TOTAL_CODE, "考评表不能为空")]


def test_the_full_jinjiang_table_is_valid():
    """The real 2021 table of the sources: 54 leaves, 65 + 35 = 100, twelve leaves with no person."""
    from wfapp.services.demo import jinjiang_rows

    rows = jinjiang_rows()
    check = check_table(rows, Decimal(100))
    assert check.errors == []
    leaves = [r for r in check.rows if not any(o.parent == r.code for o in check.rows)]
    assert len(leaves) == 54
    assert len(check.warnings) == 12
    functional = sum(
        Decimal(r["weight"]) for r in rows if r["parent"] is None and r["category"] != "capacity"
    )
    assert functional == 65
