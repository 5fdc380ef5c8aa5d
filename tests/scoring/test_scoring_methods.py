"""Rules real 考评办法 state, one at a time, on small inputs computed by hand in each docstring:
rules per group, rankings over several groups, the effects of a veto, deduction-only schemes,
deductions as written, bonus sub-caps, rounding, pay bands."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wfapp.scoring import evaluate, load_scheme
from wfapp.scoring.scheme import Scheme

D = Decimal

HEAD = """\
scheme: t
title: 测试
scale: 100
total: additive
rounding: {{places: 2, mode: ROUND_HALF_UP{at}}}
components:
  - {{name: work, label: 工作实绩, type: indicators, max: {work_max}, sheets: {{aggregate: mean}}}}
{more}"""

GRADES = """\
grades:
  levels:
    - {key: a, label: 先进, reward_factor: 110%}
    - {key: b, label: 达标, reward_factor: 100%}
    - {key: c, label: 一般, reward_factor: 90%}
    - {key: d, label: 末位, reward_factor: 80%}
"""


def scheme(more: str = "", work_max: int = 100, at: str = "") -> Scheme:
    return load_scheme(HEAD.format(more=more, work_max=work_max, at=at), name="t.yaml")


def person(code: str, work: str | int, **extra: Any) -> dict[str, Any]:
    return {
        "unit": code,
        "name": f"单位{code}",
        "indicators": [{"code": "1", "weight": 100, "score": str(work)}],
        **extra,
    }


def groups(**by_name: list[dict[str, Any]]) -> dict[str, Any]:
    return {"groups": [{"group": k, "units": v} for k, v in by_name.items()]}


def grades_of(s: Scheme, data: dict[str, Any]) -> dict[str, str | None]:
    return {u.unit: u.grade_label for u in evaluate(s, data).units}


# -- 1. rules per group ----------------------------------------------------------------------------

PER_GROUP = (
    GRADES
    + """\
  rules:
    - {top_n: 1, grade: a}
    - {bottom_n: 1, grade: d}
    - {default: b}
  groups:
    甲类:
      rules:
        - {top_n: 2, grade: a}
        - {default: b}
  ties: share_better
"""
)


def test_each_group_follows_its_own_rules_or_the_schemes() -> None:
    """甲类 names 2 先进 and no bottom rule; 乙类 names none and follows the scheme: 1 先进, the
    last 末位. 甲: 90, 80, 70 → 先进, 先进, 达标. 乙: 90, 80, 70 → 先进, 达标, 末位."""
    s = scheme(PER_GROUP)
    got = grades_of(
        s,
        groups(
            甲类=[person("A1", 90), person("A2", 80), person("A3", 70)],
            乙类=[person("B1", 90), person("B2", 80), person("B3", 70)],
        ),
    )
    assert got == {
        "A1": "先进",
        "A2": "先进",
        "A3": "达标",
        "B1": "先进",
        "B2": "达标",
        "B3": "末位",
    }


# -- 2. rankings over more than one group ----------------------------------------------------------

TOWNSHIP = (
    GRADES
    + """\
  rules:
    - {bottom_n: 2, over: program, grade: d}
    - {top_n: 1, grade: a}
    - {default: b}
  ties: share_better
"""
)


def test_the_bottom_rule_ranks_the_whole_program() -> None:
    """全乡倒数第一、第二 over three categories while 先进 stays per category. Totals: 甲 95, 60;
    乙 85, 50; 丙 70. The township's last two are 50 and 60: 乙's B2 and 甲's A2 — even though
    A2 is the second of two in its own category. 丙's only unit (70) is 先进 of its category."""
    s = scheme(TOWNSHIP)
    data = groups(
        甲=[person("A1", 95), person("A2", 60)],
        乙=[person("B1", 85), person("B2", 50)],
        丙=[person("C1", 70)],
    )
    results = evaluate(s, data)
    assert {u.unit: u.grade_label for u in results.units} == {
        "A1": "先进", "A2": "末位", "B1": "先进", "B2": "末位", "C1": "先进",
    }  # fmt: skip
    a2 = results.unit("A2")
    assert a2.rank == 2 and a2.group_size == 2  # its rank stays the group's
    assert "排名 2/2，全部考评组排名 4/5，后 2 名 → 末位" in a2.explanation


def test_a_rule_may_rank_named_groups_together() -> None:
    """`over: [甲, 乙]` ranks those two groups together; 丙 is not in that ranking and its rule
    does not apply there. Top 1 of 甲+乙 is B1 (85 > 80); 丙 follows the default."""
    rules = (
        GRADES
        + """\
  rules:
    - {top_n: 1, over: [甲, 乙], grade: a}
    - {default: b}
  ties: share_better
"""
    )
    got = grades_of(
        scheme(rules),
        groups(甲=[person("A1", 80)], 乙=[person("B1", 85)], 丙=[person("C1", 99)]),
    )
    assert got == {"A1": "达标", "B1": "先进", "C1": "达标"}


# -- 3. the veto ----------------------------------------------------------------------------------

VETO = (
    GRADES
    + """\
  rules:
    - {top_n: 2, grade: a}
    - {bottom_n: 1, grade: d}
    - {default: b}
  ties: share_better
  veto: @VETO@
"""
)


def _four(veto_of: str = "U1") -> dict[str, Any]:
    units = [person("U1", 90), person("U2", 80), person("U3", 70), person("U4", 60)]
    for u in units:
        if u["unit"] == veto_of:
            u["flags"] = {"veto": "发生重大安全事故"}
    return groups(组=units)


def test_a_veto_that_frees_places_passes_them_to_the_next_unit() -> None:
    """取消评先资格，由下一名递补: U1 (90) is vetoed, so the two 先进 places go to U2 and U3;
    U1 follows the remaining rules: not the last → 达标."""
    got = grades_of(scheme(VETO.replace("@VETO@", "{leaves: [a]}")), _four())
    assert got == {"U1": "达标", "U2": "先进", "U3": "先进", "U4": "末位"}


def test_a_veto_that_forces_a_grade_frees_no_place() -> None:
    """定为末位 (the original form, a grade key): U1 is 末位, and only U2 is 先进 (U1 keeps its slot)."""
    got = grades_of(scheme(VETO.replace("@VETO@", "d")), _four())
    assert got == {"U1": "末位", "U2": "先进", "U3": "达标", "U4": "末位"}


def test_a_veto_that_caps_the_grade() -> None:
    """最高只能评为一般: U1 先进 → 一般; a unit already worse keeps its grade (U4 末位 stays)."""
    s = scheme(VETO.replace("@VETO@", "{at_most: c}"))
    assert grades_of(s, _four())["U1"] == "一般"
    assert grades_of(s, _four("U4"))["U4"] == "末位"


def test_a_veto_keeps_the_pay_band_unless_the_scheme_says_otherwise() -> None:
    """The pay band follows the score: U1's 90 stays 全额 under `pay: keep`, and falls to the
    lowest band under `pay: lowest`."""
    pay = """pay:
  label: 奖金
  bands:
    - {at_least: 85, label: 全额, factor: 100%}
    - {label: 减发, factor: 80%}
"""
    keep = scheme(VETO.replace("@VETO@", "{at_most: c, pay: keep}") + pay)
    lowest = scheme(VETO.replace("@VETO@", "{at_most: c, pay: lowest}") + pay)
    assert evaluate(keep, _four()).unit("U1").pay_label == "全额"
    u1 = evaluate(lowest, _four()).unit("U1")
    assert (u1.pay_label, u1.pay_factor) == ("减发", D("0.8"))
    assert "一票否决，奖金按最低档（减发）" in u1.explanation


# -- 4. deduction-only, no grades, bands only ---------------------------------------------------

DEDUCTION_ONLY = """\
scheme: d
title: 百分制扣分
scale: 100
total: additive
rounding: {places: 2, mode: ROUND_HALF_UP}
components:
  - name: conduct
    label: 工作纪律
    type: deduction
    points: 100
    items:
      - {item: late, label: 迟到, rule: per_occurrence, points: 1}
"""


def test_a_scheme_may_start_from_one_hundred_and_deduct_with_no_grades() -> None:
    """百分制从 100 扣起, no scored part, no grades: 100 − 7 × 1 = 93, ranked, no grade."""
    s = load_scheme(DEDUCTION_ONLY, name="d.yaml")
    data = groups(组=[{"unit": "A", "name": "甲", "deductions": [
        {"item": "late", "occurrences": 7, "reason": "迟到7次"}]}, {"unit": "B", "name": "乙"}])  # fmt: skip
    results = evaluate(s, data)
    a = results.unit("A")
    assert (a.total, a.rank, a.grade, a.reward_factor) == (D(93), 2, None, None)
    assert results.as_dict()["groups"][0]["units"][1]["grade"] is None


# -- 5. deductions as written -----------------------------------------------------------------

DEDUCTIONS = """\
  - name: minus
    label: 共性工作
    type: deduction
    points: {points}{overflow}
    items:
      - {{item: late, label: 逾期报送, rule: per_occurrence, points: 0.2}}
      - {{item: wrong, label: 报送差错, rule: per_occurrence, points: 0.3}}
      - {{item: absent, label: 无故缺席, rule: per_occurrence, points: 2, item_points: 6, forfeit_at: 3}}
      - {{item: notice, label: 被通报, rule: per_occurrence, points: 3}}
      - {{item: talk, label: 被约谈, rule: per_occurrence, points: 1}}
    shared_caps:
      - {{label: 信息报送, items: [late, wrong], points: 1}}
"""


def _minus(points: int = 10, overflow: str = "") -> Scheme:
    return scheme(DEDUCTIONS.format(points=points, overflow=overflow), work_max=100 - points)


def _deduct(*entries: tuple[str, int] | tuple[str, int, str]) -> list[dict[str, Any]]:
    out = []
    for e in entries:
        d: dict[str, Any] = {"item": e[0], "occurrences": e[1], "reason": e[0]}
        if len(e) == 3:
            d["matter"] = e[2]
        out.append(d)
    return out


def _minus_part(s: Scheme, *entries: Any) -> Any:
    data = groups(组=[person("U", 90, deductions=_deduct(*entries))])
    return evaluate(s, data).unit("U")


def test_two_rules_share_one_cap() -> None:
    """逾期 3 × 0.2 = 0.6 and 差错 2 × 0.3 = 0.6 share 1 分: 1.00 taken, not 1.20."""
    u = _minus_part(_minus(), ("late", 3), ("wrong", 2))
    assert u.component("minus").score == D(9)
    assert any("信息报送（逾期报送、报送差错）共用 1.00 分，合计 1.20" in x for x in u.explanation)


def test_reaching_a_count_takes_the_whole_item() -> None:
    """无故缺席 每次 2 分, 3 次以上此项（6 分）不得分: 2 times take 4, 3 times take all 6."""
    s = _minus()
    assert _minus_part(s, ("absent", 2)).component("minus").score == D(6)
    u = _minus_part(s, ("absent", 3))
    assert u.component("minus").score == D(4)
    assert any("达到 3 次，此项不得分，扣 6.00" in x for x in u.explanation)


def test_same_matter_counts_once_at_its_highest() -> None:
    """同一事项就高扣分一次: 通报 3 and 约谈 1 on the same matter take 3; another 约谈 adds 1."""
    u = _minus_part(_minus(), ("notice", 1, "甲事"), ("talk", 1, "甲事"), ("talk", 1))
    assert u.component("minus").raw == D(4)
    assert any(
        "「甲事」同一事项就高扣分一次，按被通报 3.00，不计 被约谈 1.00" in x for x in u.explanation
    )


def test_deductions_beyond_the_part_carry_into_the_total() -> None:
    """超出部分在总分中扣除: a 10-point part, 4 notices take 12: the part is 0 and the 2 beyond it
    come off the total: 工作实绩 90 (of 90) + 0 − 2 = 88; without `carry` they are dropped: 90."""
    carry = _minus_part(_minus(overflow="\n    overflow: carry"), ("notice", 4))
    drop = _minus_part(_minus(), ("notice", 4))
    assert (carry.total, drop.total) == (D(88), D(90))


def test_a_deduction_part_may_have_no_cap() -> None:
    """No cap and no points: every deduction counts (80 − 7 × 3 = 59)."""
    s = scheme("""  - name: minus
    label: 扣分
    type: deduction
    items:
      - {item: n, label: 被通报, rule: per_occurrence, points: 3}
""")
    u = evaluate(s, groups(组=[person("U", 80, deductions=[
        {"item": "n", "occurrences": 7, "reason": "7次"}])])).unit("U")  # fmt: skip
    assert u.total == D(59) and s.min_total is None


# -- 6. sub-caps inside a bonus, uncapped bonuses ---------------------------------------------

SECTIONS = """\
  - name: plus
    label: 争先创优
    type: bonus
    cap: 15
    sections:
      - {key: honour, label: 表彰, cap: 10}
      - {key: reform, label: 改革, cap: 8}
    levels:
      - {key: p, label: 省级表彰, points: 6, section: honour}
      - {key: r, label: 改革推广, points: 5, section: reform}
"""


def test_each_section_is_capped_then_the_part() -> None:
    """表彰 6 + 6 = 12 → 10; 改革 5 + 5 = 10 → 8; 10 + 8 = 18 → the part's 15."""
    bonuses = [
        {"work": w, "level": lv, "reason": w}
        for w, lv in (("一", "p"), ("二", "p"), ("三", "r"), ("四", "r"))
    ]
    u = evaluate(scheme(SECTIONS), groups(组=[person("U", 80, bonuses=bonuses)])).unit("U")
    assert u.component("plus").score == D(15) and u.component("plus").raw == D(22)
    assert "争先创优·表彰 12.00，本分项最高 10.00 分，计 10.00" in u.explanation


def test_a_bonus_per_person_time_without_a_ceiling() -> None:
    """每人次加 0.5 分，不设上限: 41 人次 → 20.5, total 80 + 20.5 = 100.5, above the scale."""
    s = scheme("""  - name: plus
    label: 志愿服务
    type: bonus
    levels: [{key: v, label: 志愿服务, points: 0.5}]
""")
    data = groups(
        组=[person("U", 80, bonuses=[{"level": "v", "occurrences": 41, "reason": "41人次"}])]
    )
    assert evaluate(s, data).unit("U").total == D("100.5") and s.max_total is None


# -- 7. rounding -----------------------------------------------------------------------------

WEIGHTED = """\
scheme: w
title: 加权
scale: 100
total: weighted
rounding: {{places: 1, mode: ROUND_HALF_UP{at}}}
components:
  - {{name: a, label: 甲, type: input, input: a, weight: 45%}}
  - {{name: b, label: 乙, type: input, input: b, weight: 55%}}
"""


def test_rounding_per_part_or_only_the_total() -> None:
    """a = 81, b = 83: per part 81 × 45% = 36.45 → 36.5 and 83 × 55% = 45.65 → 45.7, total 82.2;
    only the total: 36.45 + 45.65 = 82.1 exactly → 82.1."""
    data = groups(组=[{"unit": "U", "name": "甲", "inputs": {"a": 81, "b": 83}}])
    parts = load_scheme(WEIGHTED.format(at=""), name="w.yaml")
    total = load_scheme(WEIGHTED.format(at=", at: total"), name="w.yaml")
    assert evaluate(parts, data).unit("U").total == D("82.2")
    u = evaluate(total, data).unit("U")
    assert u.total == D("82.1")
    assert "综合得分 = 36.45 + 45.65 = 82.10，保留 1 位小数为 82.1" in u.explanation


# -- 8. result use: factors above 100 %, pay bands, a scale counting bonus parts ---------------


def test_reward_factor_may_pass_one_hundred_percent_and_bands_pay_by_score() -> None:
    """优秀 110 % (高于平均数 10% 发放); ≥ 85 全额, 80–85 扣发 5 %, < 80 扣发 10 %."""
    more = (
        GRADES.replace("110%", "110%")
        + """\
  rules:
    - {top_n: 1, grade: a}
    - {default: b}
  ties: share_better
pay:
  label: 奖金
  bands:
    - {at_least: 85, label: 全额, factor: 100%}
    - {at_least: 80, label: 扣发5%, factor: 95%}
    - {label: 扣发10%, factor: 90%}
"""
    )
    results = evaluate(
        scheme(more), groups(组=[person("A", 85), person("B", "84.99"), person("C", 79)])
    )
    a, b, c = (results.unit(x) for x in "ABC")
    assert a.reward_factor == D("1.1")
    assert [(u.pay_label, u.pay_factor) for u in (a, b, c)] == [
        ("全额", D(1)), ("扣发5%", D("0.95")), ("扣发10%", D("0.9")),
    ]  # fmt: skip


def test_scale_counts_a_bonus_part_when_the_total_includes_it() -> None:
    """1000 = 450 + 100 + 100 + 350: a bonus part with `in_scale: true` counts its cap."""
    text = """\
scheme: k
title: 千分制
scale: 1000
total: additive
rounding: {places: 2, mode: ROUND_HALF_UP}
components:
  - {name: a, label: 重点工作, type: indicators, max: 450, sheets: {aggregate: mean}}
  - {name: b, label: 党建, type: deduction, points: 100, items: [{item: x, label: 问题, rule: as_entered}]}
  - {name: c, label: 满意度, type: input, input: c, max: 100}
  - {name: d, label: 争先创优, type: bonus, cap: 350, in_scale: true, levels: [{key: k, label: 表彰, points: 50}]}
"""
    s = load_scheme(text, name="k.yaml")
    assert s.max_total == D(1000)
