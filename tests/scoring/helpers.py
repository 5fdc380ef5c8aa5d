"""Builders shared by the scoring tests: the shipped scheme, small schemes, units, groups."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from wfapp.scoring import Scheme, load_scheme

ROOT = Path(__file__).resolve().parents[2]
QUANZHOU_YAML = ROOT / "config" / "schemes" / "quanzhou-2021.yaml"
QUANZHOU_EXAMPLE = ROOT / "config" / "schemes" / "quanzhou-2021.example.json"

# A small weighted scheme: 目标考评 70 % + 公众评议 30 %, a bonus with configurable levels, a
# deduction part with every kind of item, Quanzhou-like grades. Tests replace pieces of the
# text (`{...}` placeholders) to try one rule at a time.
TEMPLATE = """\
scheme: test
title: 测试方案
scale: 100
total: weighted
rounding: {{places: 2, mode: ROUND_HALF_UP}}
components:
  - name: target
    label: 目标考评
    type: indicators
    weight: 70%
    sheets: {sheets}
  - name: public
    label: 公众评议
    type: input
    input: public_score
    weight: 30%
  - name: bonus
    label: 正向激励
    type: bonus
    cap: {bonus_cap}
    levels:
      - {{key: county, label: 县级, points: 5}}
      - {{key: city, label: 市级, points: 10}}
      - {{key: province, label: 省级, points: 15}}
      - {{key: nation, label: 国家级, points: 20}}{bonus_split}
  - name: deduction
    label: 察访核验
    type: deduction
    cap: 5{deduction_split}
    items:
      - {{item: inspection, label: 察访核验发现问题, rule: as_entered}}
      - item: late_report
        label: 材料逾期报送
        rule: per_occurrence
        points: 0.2
        item_points: 1
      - item: rectification_open
        label: 上年度整改事项未销号
        rule: per_count
        count: rectification_open_items
        points: 0.5
        item_points: 2
grades:
  levels:
    - {{key: excellent, label: 优秀, reward_factor: 100%, staff_quota: 20%}}
    - {{key: good, label: 良好, reward_factor: 90%, staff_quota: 15%}}
    - {{key: fair, label: 一般, reward_factor: 80%, staff_quota: 15%}}
    - {{key: poor, label: 差, reward_factor: 0%, staff_quota: 15%}}
  rules:
{rules}
  ties: {ties}
  veto: poor
"""

QUANZHOU_RULES = """\
    - {below: 70, grade: poor}
    - {top_ratio: 30%, rounding: floor, grade: excellent}
    - {bottom_n: 3, grade: fair}
    - {default: good}"""


def make_scheme(
    sheets: str = "{aggregate: trimmed_mean, trim_from: 5}",
    bonus_cap: str = "30",
    bonus_split: str = "",
    deduction_split: str = "",
    rules: str = QUANZHOU_RULES,
    ties: str = "share_better",
) -> Scheme:
    text = TEMPLATE.format(
        sheets=sheets,
        bonus_cap=bonus_cap,
        bonus_split=bonus_split,
        deduction_split=deduction_split,
        rules=rules,
        ties=ties,
    )
    return load_scheme(text, name="test.yaml")


@cache
def quanzhou() -> Scheme:
    return load_scheme(QUANZHOU_YAML)


def unit(
    code: str,
    target: str | int = 80,
    public: str | int = 80,
    *,
    indicators: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A unit whose 目标考评 is one indicator worth 100 with a direct score, unless given."""
    return {
        "unit": code,
        "name": f"单位{code}",
        "indicators": indicators or [{"code": "1-1", "weight": 100, "score": str(target)}],
        "public_score": str(public),
        **extra,
    }


def unit_with_total(code: str, total: str, **extra: Any) -> dict[str, Any]:
    """Under 70 % / 30 %, a target and public score both equal to a one-decimal total T give
    exactly T (0.7 T and 0.3 T need no rounding), so grade tests can speak in totals."""
    assert Decimal(total).as_tuple().exponent >= -1
    return unit(code, total, total, **extra)


def group(*units: dict[str, Any], name: str = "第三系列") -> dict[str, Any]:
    return {"groups": [{"group": name, "units": list(units)}]}
