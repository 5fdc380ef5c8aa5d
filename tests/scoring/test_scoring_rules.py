"""Each rule a scheme can state, one at a time, on small hand-checkable inputs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.scoring.helpers import group, make_scheme, unit, unit_with_total
from wfapp.scoring import InputError, evaluate, load_scheme
from wfapp.scoring.scheme import Scheme

D = Decimal


def _one(scheme: Scheme, **kwargs: Any) -> Any:
    return evaluate(scheme, group(unit("U01", **kwargs))).unit("U01")


def _sheets(*values: str, weight: int = 100) -> list[dict[str, Any]]:
    return [{"code": "1-1", "weight": weight, "sheets": list(values)}]


# -- sheets → indicator score ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "sheets", "score", "words"),
    [
        ("{aggregate: mean}", ["80", "90", "85"], "85.00", "3 份评分，平均 85.00"),
        ("{aggregate: median}", ["70", "95", "80"], "80.00", "3 份评分，中位数 80.00"),
        ("{aggregate: median}", ["70", "95", "80", "81"], "80.50", "4 份评分，中位数 80.50"),
        (
            "{aggregate: trimmed_mean, trim_from: 5}",
            ["60", "80", "82", "84", "100"],
            "82.00",
            "5 份评分，去掉最高 100.00、最低 60.00 后平均 82.00",
        ),
        (
            "{aggregate: trimmed_mean, trim_from: 5}",
            ["60", "80", "100", "84"],
            "81.00",
            "4 份评分，少于 5 份，不去掉最高最低分，平均 81.00",
        ),
    ],
)
def test_sheet_aggregation(rule: str, sheets: list[str], score: str, words: str) -> None:
    """An indicator's score is the mean, the median, or the mean without the highest and lowest
    sheet — and with fewer sheets than the scheme asks for, the plain mean, saying so."""
    result = _one(make_scheme(sheets=rule), indicators=_sheets(*sheets))
    assert result.component("target").score == D(score)
    assert f"指标 1-1（权重 100.00）：{words}" in result.explanation


def test_trimmed_mean_with_fewer_sheets_than_k_is_the_plain_mean() -> None:
    """Below k sheets nothing is dropped: 3 sheets of 10, 20, 90 average 40, not 20."""
    scheme = make_scheme(sheets="{aggregate: trimmed_mean, trim_from: 4}")
    three = _one(scheme, indicators=_sheets("10", "20", "90"))
    four = _one(scheme, indicators=_sheets("10", "20", "90", "30"))
    assert three.component("target").score == D("40.00")
    assert four.component("target").score == D("25.00")  # (20 + 30) / 2
    assert any("少于 4 份，不去掉最高最低分" in line for line in three.explanation)


def test_indicator_is_clamped_to_its_weight_and_to_zero() -> None:
    """Sheets above the weight count as the weight; a negative score counts as zero."""
    indicators = [
        {"code": "1-1", "weight": 40, "sheets": ["41", "45", "42"]},
        {"code": "1-2", "weight": 60, "score": "-3"},
    ]
    result = _one(make_scheme(sheets="{aggregate: mean}"), indicators=indicators)
    assert result.component("target").score == D("40.00")
    assert (
        "指标 1-1（权重 40.00）：3 份评分，平均 42.67，高于权重，按 40.00 计" in result.explanation
    )
    assert "指标 1-2（权重 60.00）：直接得分 -3.00，低于 0，按 0 计" in result.explanation


@pytest.mark.parametrize(
    ("mode", "places", "score"),
    [("ROUND_HALF_UP", 2, "66.67"), ("ROUND_DOWN", 2, "66.66"), ("ROUND_HALF_UP", 1, "66.7")],
)
def test_indicator_rounding_rule(mode: str, places: int, score: str) -> None:
    """The scheme's rounding rule (places and mode) decides the indicator's digits."""
    rule = f"{{aggregate: mean, rounding: {{places: {places}, mode: {mode}}}}}"
    result = _one(make_scheme(sheets=rule), indicators=_sheets("60", "70", "70"))
    assert result.component("target").score == D(score)


def test_indicators_are_summed_in_code_order() -> None:
    """Indicators are listed 1-2 before 1-10, whatever order they came in."""
    indicators = [
        {"code": "1-10", "weight": 50, "score": "40"},
        {"code": "1-2", "weight": 50, "score": "45"},
    ]
    result = _one(make_scheme(), indicators=indicators)
    lines = [line for line in result.explanation if line.startswith("指标")]
    assert [line.split("（")[0] for line in lines] == ["指标 1-2", "指标 1-10"]
    assert result.component("target").score == D("85")


# -- deductions ---------------------------------------------------------------------------------


def test_deduction_item_stops_at_its_points() -> None:
    """扣完为止: six late reports at 0.2 would be 1.2, but the item is worth 1 point."""
    deductions = [{"item": "late_report", "occurrences": 6, "reason": "逾期 6 次"}]
    result = _one(make_scheme(), deductions=deductions)
    assert result.component("deduction").raw == D("1.00")
    assert "察访核验扣分：材料逾期报送 6 次 × 0.20 = 1.20（逾期 6 次）" in result.explanation
    assert (
        "察访核验扣分：材料逾期报送 合计 1.20，本项 1.00 分扣完为止，计 1.00" in result.explanation
    )


def test_deduction_item_under_its_points_is_not_floored() -> None:
    """Four late reports cost 0.8, below the item's 1 point: nothing is cut."""
    deductions = [{"item": "late_report", "occurrences": 4, "reason": "逾期 4 次"}]
    result = _one(make_scheme(), deductions=deductions)
    assert result.component("deduction").raw == D("0.80")
    assert not any("扣完为止" in line for line in result.explanation)


@pytest.mark.parametrize(("open_items", "taken"), [(0, "0"), (3, "1.50"), (5, "2.00")])
def test_per_count_deduction_on_a_named_input(open_items: int, taken: str) -> None:
    """Unclosed rectification items cost 0.5 each, at most 2 for the item (next year's
    carry-over reads the count from the unit's named inputs)."""
    result = _one(make_scheme(), inputs={"rectification_open_items": open_items})
    assert result.component("deduction").raw == D(taken)
    assert result.total == D("80.00") - D(taken)


# -- bonuses ------------------------------------------------------------------------------------


def test_bonus_points_come_from_configured_levels() -> None:
    """县 5 / 市 10 / 省 15 / 国家 20, as the scheme says, summed under the cap."""
    bonuses = [
        {"work": "甲", "level": "county", "reason": "县级表扬"},
        {"work": "乙", "level": "nation", "reason": "国家级推广"},
    ]
    result = _one(make_scheme(), bonuses=bonuses)
    assert result.component("bonus").score == D("25")


def test_same_work_counts_once_at_its_highest_level() -> None:
    """One piece of work praised by the city, the province and the nation counts 20, once."""
    bonuses = [
        {"work": "营商环境", "level": level, "reason": f"{level} 表扬"}
        for level in ("city", "nation", "province")
    ]
    result = _one(make_scheme(), bonuses=bonuses)
    assert result.component("bonus").raw == D("20")
    line = next(x for x in result.explanation if x.startswith("正向激励：「营商环境」"))
    assert line.startswith("正向激励：「营商环境」国家级 20.00")
    assert "同一项工作只计一次" in line and "市级 10.00" in line and "省级 15.00" in line


def test_entered_points_override_the_level() -> None:
    """An entry with its own points counts those points, and the trace says they were entered."""
    bonuses = [{"work": "甲", "level": "city", "points": "2.5", "reason": "认定 2.5 分"}]
    result = _one(make_scheme(), bonuses=bonuses)
    assert result.component("bonus").raw == D("2.5")
    assert any("录入分值 2.50" in line for line in result.explanation)


def test_bonus_cap_applies_to_the_sum() -> None:
    """Two national works make 40; a cap of 30 keeps 30 and says so."""
    bonuses = [{"work": w, "level": "nation", "reason": w} for w in ("甲", "乙")]
    result = _one(make_scheme(bonus_cap="30"), bonuses=bonuses)
    assert (result.component("bonus").raw, result.component("bonus").score) == (D(40), D(30))
    assert "正向激励 40.00，封顶 30.00" in result.explanation


# -- lead and joint units -----------------------------------------------------------------------


SPLIT = "\n    split: {lead: 80%, joint: 20%}"


def test_joint_bonus_is_split_between_lead_and_joint_units() -> None:
    """A 省级 (15) bonus filed by the lead unit with one joint unit: 12 for the lead, 3 for
    the joint unit."""
    scheme = make_scheme(bonus_split=SPLIT)
    lead = unit(
        "U01",
        bonuses=[{"work": "联合攻坚", "level": "province", "reason": "省级表扬", "joint": ["U02"]}],
    )
    results = evaluate(scheme, group(lead, unit("U02"), unit("U03")))
    assert results.unit("U01").component("bonus").score == D("12.00")
    assert results.unit("U02").component("bonus").score == D("3.00")
    assert results.unit("U03").component("bonus").score == D(0)
    joint_line = next(x for x in results.unit("U02").explanation if x.startswith("正向激励：「"))
    assert "省级 15.00 × 配合 20% = 3.00，牵头单位 单位U01" in joint_line


def test_joint_share_divided_among_joint_units() -> None:
    """With `joint_mode: divided`, two joint units share the 20 % (1.5 each of 15)."""
    scheme = make_scheme(bonus_split="\n    split: {lead: 80%, joint: 20%, joint_mode: divided}")
    lead = unit(
        "U01", bonuses=[{"level": "province", "reason": "省级表扬", "joint": ["U02", "U03"]}]
    )
    results = evaluate(scheme, group(lead, unit("U02"), unit("U03")))
    got = [results.unit(c).component("bonus").score for c in ("U01", "U02", "U03")]
    assert got == [D("12.00"), D("1.50"), D("1.50")]


def test_joint_deduction_is_split_too() -> None:
    """A 4-point inspection finding on joint work: 3.2 for the lead, 0.8 for the joint unit."""
    scheme = make_scheme(deduction_split=SPLIT)
    entry = {"item": "inspection", "points": "4", "reason": "联合检查发现问题", "joint": ["U02"]}
    results = evaluate(scheme, group(unit("U01", deductions=[entry]), unit("U02")))
    assert results.unit("U01").component("deduction").raw == D("3.20")
    assert results.unit("U02").component("deduction").raw == D("0.80")


def test_joint_units_need_a_split_in_the_scheme() -> None:
    """Naming joint units where the scheme has no split is an input error, not a guess."""
    lead = unit("U01", bonuses=[{"level": "city", "reason": "x", "joint": ["U02"]}])
    with pytest.raises(InputError) as err:
        evaluate(make_scheme(), group(lead, unit("U02")))
    assert any("未设置牵头/配合分成" in message for _, message in err.value.problems)


# -- the additive form ---------------------------------------------------------------------------


ADDITIVE = """\
scheme: additive
title: 加法合成测试
scale: 100
total: additive
rounding: {{places: 2, mode: ROUND_HALF_UP}}
components:
  - name: functional
    label: 职能工作目标
    type: indicators
    max: 65
    sheets: {{aggregate: mean}}
  - name: capacity
    label: 行政能力目标
    type: indicators
    max: 28
    sheets: {{aggregate: mean}}
  - name: integrity
    label: 廉洁行政
    type: deduction
    points: 7
    overflow: {overflow}
    items:
      - {{item: violation, label: 违反廉洁规定, rule: per_occurrence, points: 3}}
grades:
  levels:
    - {{key: good, label: 良好, reward_factor: 100%}}
    - {{key: poor, label: 差, reward_factor: 0%}}
  rules:
    - {{at_least: 90, grade: good}}
    - {{default: poor}}
  ties: share_better
"""


def _additive(overflow: str, violations: int) -> Any:
    scheme = load_scheme(ADDITIVE.format(overflow=overflow))
    indicators = [
        {"code": "1-1", "weight": 70, "score": "66", "component": "functional"},
        {"code": "2-1", "weight": 28, "score": "27", "component": "capacity"},
    ]
    deductions = [{"item": "violation", "occurrences": violations, "reason": "违规"}]
    u = {"unit": "U01", "name": "甲", "indicators": indicators, "deductions": deductions}
    return evaluate(scheme, group(u)).unit("U01")


@pytest.mark.parametrize(
    ("overflow", "violations", "integrity", "carried", "total"),
    [
        ("carry", 1, "4.00", "0.00", "96.00"),  # 65 (capped) + 27 + (7 − 3)
        ("carry", 3, "0.00", "2.00", "90.00"),  # 9 lost from 7: part is 0, 2 come off the total
        ("drop", 3, "0.00", "0.00", "92.00"),  # 扣完为止 at the part: the 2 are not taken
    ],
)
def test_additive_parts_with_caps_and_carried_overflow(
    overflow: str, violations: int, integrity: str, carried: str, total: str
) -> None:
    """Additive points: each part is capped at its points (functional 66 → 65); a deduction
    part that loses more than its points carries the rest into the total when told to."""
    result = _additive(overflow, violations)
    part = result.component("integrity")
    assert (part.score, part.carried, result.total) == (D(integrity), D(carried), D(total))
    assert result.component("functional").score == D(65)
    if part.carried:
        assert (
            "廉洁行政 7.00 分，扣 9.00，扣完为止，得 0.00；超出的 2.00 从综合得分中扣除"
            in result.explanation
        )
        assert (
            "综合得分 = 65.00 + 27.00 + 0.00 − 2.00（廉洁行政超出部分） = 90.00"
            in result.explanation
        )


# -- grading rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rounding", "size", "excellent"),
    [
        ("floor", 11, 3),
        ("ceil", 11, 4),
        ("half_up", 11, 3),
        ("half_up", 5, 2),  # 1.5 → 2
        ("floor", 3, 0),  # 0.9 → 0: nobody is 优秀
    ],
)
def test_top_ratio_count_rounding(rounding: str, size: int, excellent: int) -> None:
    """How many units are "the top 30 %" follows the rounding mode the scheme states."""
    rules = (
        f"    - {{top_ratio: 30%, rounding: {rounding}, grade: excellent}}\n    - {{default: good}}"
    )
    units = [unit_with_total(f"U{i:02d}", f"{90 - i}.0") for i in range(size)]
    results = evaluate(make_scheme(rules=rules), group(*units))
    assert sum(u.grade == "excellent" for u in results.units) == excellent


def test_top_ratio_as_a_fraction_is_exact() -> None:
    """1/3 of 9 units is exactly 3 (never 2.999… rounded down to 2)."""
    rules = "    - {top_ratio: 1/3, rounding: floor, grade: excellent}\n    - {default: good}"
    units = [unit_with_total(f"U{i:02d}", f"{90 - i}.0") for i in range(9)]
    results = evaluate(make_scheme(rules=rules), group(*units))
    assert [u.grade for u in results.units].count("excellent") == 3


def test_top_n_and_thresholds() -> None:
    """top_n takes the first N; at_least grades by total; rules apply in order."""
    rules = (
        "    - {top_n: 1, grade: excellent}\n"
        "    - {at_least: 85, grade: good}\n"
        "    - {below: 60, grade: poor}\n"
        "    - {default: fair}"
    )
    totals = ["95.0", "90.0", "85.0", "84.9", "59.9"]
    units = [unit_with_total(f"U{i}", t) for i, t in enumerate(totals)]
    results = evaluate(make_scheme(rules=rules), group(*units))
    assert [u.grade for u in results.units] == ["excellent", "good", "good", "fair", "poor"]


def test_ties_broken_by_a_component() -> None:
    """With `ties: {component: target}`, equal totals are ordered by 目标考评: 90/80 and 84/94
    both make 87, and the unit with the better target takes the last 优秀 place."""
    units = [unit_with_total(f"U{i}", t) for i, t in enumerate(["95.0", "94.0"])]
    units += [unit("A", 90, 80), unit("B", 84, 94), unit_with_total("U9", "50.0")]
    rules = "    - {top_n: 3, grade: excellent}\n    - {default: good}"
    results = evaluate(make_scheme(rules=rules, ties="{component: target}"), group(*units))
    a, b = results.unit("A"), results.unit("B")
    assert a.total == b.total == D("87.00")
    assert (a.rank, a.grade, b.rank, b.grade) == (3, "excellent", 4, "good")
    assert any("综合得分同分，按目标考评 63.00 排序" in line for line in a.explanation)


def test_ties_share_better_without_a_component() -> None:
    """With `share_better` the same two units share rank 3 and both are 优秀."""
    units = [unit_with_total(f"U{i}", t) for i, t in enumerate(["95.0", "94.0"])]
    units += [unit("A", 90, 80), unit("B", 84, 94), unit_with_total("U9", "50.0")]
    rules = "    - {top_n: 3, grade: excellent}\n    - {default: good}"
    results = evaluate(make_scheme(rules=rules), group(*units))
    assert [(u.rank, u.grade) for u in (results.unit("A"), results.unit("B"))] == [
        (3, "excellent"),
        (3, "excellent"),
    ]


def test_groups_are_graded_separately() -> None:
    """Grades are relative within a group: each group's best unit is 优秀."""
    data = {
        "groups": [
            {"group": "甲组", "units": [unit_with_total(f"A{i}", f"{90 - i}.0") for i in range(4)]},
            {"group": "乙组", "units": [unit_with_total(f"B{i}", f"{80 - i}.0") for i in range(4)]},
        ]
    }
    results = evaluate(make_scheme(), data)
    assert [(g.name, g.units[0].grade, g.units[0].rank) for g in results.groups] == [
        ("乙组", "excellent", 1),
        ("甲组", "excellent", 1),
    ]


# -- inputs -------------------------------------------------------------------------------------


U = "groups[0].units[0]"


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"public_score": 85.5}, f"{U}.public_score", "不接受浮点数"),
        ({"public_score": None}, f"{U}.public_score", "应为数字"),
        ({"bonuses": [{"level": "planet", "reason": "x"}]}, f"{U}.bonuses[0].level", "未知的级别"),
        ({"deductions": [{"item": "nap", "occurrences": 1, "reason": "x"}]},
         f"{U}.deductions[0].item", "未知的扣分事项"),
        ({"deductions": [{"item": "late_report", "points": "1", "reason": "x"}]},
         f"{U}.deductions[0]", "按次计分"),
        ({"flags": {"veto": 3}}, f"{U}.flags.veto", "true/false"),
        ({"colour": "red"}, U, "未知的键 'colour'"),
    ],
)  # fmt: skip
def test_bad_inputs_are_reported_with_their_path(
    change: dict[str, Any], path: str, words: str
) -> None:
    """Inputs the engine cannot trust are refused with where and why, never guessed at."""
    bad = unit("U01") | change
    with pytest.raises(InputError) as err:
        evaluate(make_scheme(), group(bad))
    assert any(p == path and words in m for p, m in err.value.problems), err.value.problems


def test_missing_public_score_is_an_error() -> None:
    """A unit without a 公众评议 score cannot be scored: it is not taken as zero."""
    bad = unit("U01")
    del bad["public_score"]
    with pytest.raises(InputError, match="缺少 公众评议"):
        evaluate(make_scheme(), group(bad))


def test_duplicate_unit_codes_are_an_error() -> None:
    """Two units with one code would make joint shares and results ambiguous."""
    with pytest.raises(InputError, match="单位编码 'U01' 重复"):
        evaluate(make_scheme(), group(unit("U01"), unit("U01")))
