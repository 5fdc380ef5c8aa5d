"""The Quanzhou 2021 rules (泉资规〔2021〕108号 四、五) as the shipped scheme applies them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.scoring.helpers import group, quanzhou, unit, unit_with_total
from wfapp.scoring import evaluate


def _grades(totals: list[str], **flags_by_unit: dict[str, str]) -> list[str]:
    units = [
        unit_with_total(
            f"U{i:02d}",
            t,
            **({"flags": flags_by_unit[f"U{i:02d}"]} if f"U{i:02d}" in flags_by_unit else {}),
        )
        for i, t in enumerate(totals, 1)
    ]
    results = evaluate(quanzhou(), group(*units))
    return [results.unit(f"U{i:02d}").grade for i in range(1, len(totals) + 1)]


@pytest.mark.parametrize(
    ("case", "bonuses", "raw", "counted"),
    [
        ("under the cap", [("a", "city"), ("b", "province")], "3.00", "3.00"),
        ("exactly the cap", [("a", "nation"), ("b", "province")], "5.00", "5.00"),
        ("7 → 5", [("a", "nation"), ("b", "province"), ("c", "province")], "7.00", "5.00"),
        ("same work twice counts once", [("a", "nation"), ("a", "province")], "3.00", "3.00"),
    ],
)
def test_bonus_is_capped_at_five(
    case: str, bonuses: list[tuple[str, str]], raw: str, counted: str
) -> None:
    """正向激励加分累计不超过 5 分: the bonus counts at most 5, whatever was earned."""
    entries = [{"work": w, "level": lv, "reason": f"{w} {lv}"} for w, lv in bonuses]
    result = evaluate(quanzhou(), group(unit("U01", 80, 80, bonuses=entries))).unit("U01")
    part = result.component("bonus")
    assert (part.raw, part.contribution) == (Decimal(raw), Decimal(counted)), case
    assert result.total == Decimal("80.00") + Decimal(counted)
    if raw != counted:
        assert f"正向激励 {raw}，封顶 {counted}" in result.explanation


@pytest.mark.parametrize(
    ("case", "deductions", "raw", "taken"),
    [
        ("under the cap", [("inspection", {"points": "2"})], "2.00", "2.00"),
        (
            "6 → 5",
            [("inspection", {"points": "3"}), ("complaint", {"occurrences": 6})],
            "6.00",
            "5.00",
        ),
        ("well over", [("inspection", {"points": "9.5"})], "9.50", "5.00"),
    ],
)
def test_deduction_is_capped_at_five(
    case: str, deductions: list[tuple[str, dict[str, object]]], raw: str, taken: str
) -> None:
    """察访核验最高扣分为 5 分: no unit loses more than 5 points to inspections."""
    entries = [{"item": item, "reason": item, **how} for item, how in deductions]
    result = evaluate(quanzhou(), group(unit("U01", 80, 80, deductions=entries))).unit("U01")
    part = result.component("deduction")
    assert (part.raw, part.contribution) == (Decimal(raw), -Decimal(taken)), case
    assert result.total == Decimal("80.00") - Decimal(taken)
    if raw != taken:
        assert f"察访核验扣分 {raw}，封顶 {taken}" in result.explanation


E, G, F, P = "excellent", "good", "fair", "poor"


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        # 7 × 30 % = 2.1 → 2 优秀; ranks 5–7 一般.
        (7, [E, E, G, G, F, F, F]),
        # 10 × 30 % = 3 优秀; ranks 8–10 一般.
        (10, [E, E, E, G, G, G, G, F, F, F]),
        # 11 × 30 % = 3.3 → 3 优秀 (floor); ranks 9–11 一般.
        (11, [E, E, E, G, G, G, G, G, F, F, F]),
    ],
)
def test_grade_boundaries_by_group_size(size: int, expected: list[str]) -> None:
    """优秀 is the top 30 % rounded down; the last 3 are 一般 when at least 70; the rest 良好."""
    totals = [f"{95 - i}.0" for i in range(size)]
    assert _grades(totals) == expected


def test_count_rounding_is_explained() -> None:
    """The trace says how many places 30 % gives and how the count was rounded."""
    units = [unit_with_total(f"U{i:02d}", f"{95 - i}.0") for i in range(1, 12)]
    first = evaluate(quanzhou(), group(*units)).unit("U01")
    assert "排名 1/11，前 30%（11 × 30% = 3.30，向下取整为 3 名） → 优秀" in first.explanation


@pytest.mark.parametrize(
    ("totals", "expected"),
    [
        # The last unit is below 70: 差, not 一般; only ranks 8 and 9 are 一般.
        (["95.0", "94.0", "93.0", "92.0", "91.0", "90.0", "89.0", "88.0", "87.0", "69.9"],
         [E, E, E, G, G, G, G, F, F, P]),
        # Two below 70: both 差; rank 8 alone is 一般.
        (["95.0", "94.0", "93.0", "92.0", "91.0", "90.0", "89.0", "88.0", "65.0", "60.0"],
         [E, E, E, G, G, G, G, F, P, P]),
        # Exactly 70 is not below 70: 一般.
        (["95.0", "94.0", "93.0", "92.0", "91.0", "90.0", "89.0", "88.0", "87.0", "70.0"],
         [E, E, E, G, G, G, G, F, F, F]),
    ],
)  # fmt: skip
def test_bottom_three_against_below_seventy(totals: list[str], expected: list[str]) -> None:
    """A unit below 70 is 差 even among the last three; 70 itself is not below 70."""
    assert _grades(totals) == expected


def test_tie_at_the_excellent_boundary_shares_the_better_grade() -> None:
    """Ranks 3 and 4 with equal totals are both 优秀: four 优秀 in a group of ten."""
    totals = ["95.0", "94.0", "93.0", "93.0", "91.0", "90.0", "89.0", "88.0", "87.0", "86.0"]
    assert _grades(totals) == [E, E, E, E, G, G, G, F, F, F]
    results = evaluate(
        quanzhou(), group(*[unit_with_total(f"U{i:02d}", t) for i, t in enumerate(totals, 1)])
    )
    fourth = results.unit("U04")
    assert fourth.rank == 3
    assert any("2 个单位并列，同分取较好等次" in line for line in fourth.explanation)


def test_tie_at_the_bottom_boundary_escapes_fair() -> None:
    """Ranks 7 and 8 with equal totals both stay 良好: only ranks 9 and 10 are 一般."""
    totals = ["95.0", "94.0", "93.0", "92.0", "91.0", "90.0", "88.0", "88.0", "87.0", "86.0"]
    assert _grades(totals) == [E, E, E, G, G, G, G, G, F, F]


def test_downgrade_from_excellent() -> None:
    """降低一个等次: the top unit flagged for a downgrade is 良好, paid as 良好, and the trace
    keeps its grade before the flag (leaders and other staff are paid differently)."""
    units = [unit_with_total(f"U{i:02d}", f"{95 - i}.0") for i in range(1, 11)]
    units[0]["flags"] = {"downgrade": "班子成员受撤职处分"}
    first = evaluate(quanzhou(), group(*units)).unit("U01")
    assert (first.grade_before_flags, first.grade) == (E, G)
    assert (first.reward_factor, first.reward_factor_before_flags) == (Decimal("0.9"), Decimal(1))
    assert "降档：班子成员受撤职处分，优秀 → 良好" in first.explanation
    assert first.staff_quota == Decimal("0.15")


def test_downgrade_does_not_go_below_poor() -> None:
    """A 差 unit flagged for a downgrade stays 差: there is no lower grade."""
    units = [unit_with_total(f"U{i:02d}", f"{95 - i}.0") for i in range(1, 10)]
    units.append(unit_with_total("U10", "60.0", flags={"downgrade": True}))
    last = evaluate(quanzhou(), group(*units)).unit("U10")
    assert (last.grade_before_flags, last.grade) == (P, P)
    assert "降档，已是最低等次 差" in last.explanation


def test_veto_forces_poor() -> None:
    """一票否决: the best unit of the group is 差 and gets no reward."""
    units = [unit_with_total(f"U{i:02d}", f"{95 - i}.0") for i in range(1, 11)]
    units[0]["flags"] = {"veto": "弄虚作假、情节严重"}
    results = evaluate(quanzhou(), group(*units))
    first = results.unit("U01")
    assert (first.grade_before_flags, first.grade, first.rank) == (E, P, 1)
    assert first.reward_factor == 0
    assert "一票否决：弄虚作假、情节严重 → 差" in first.explanation
    # Flags free no place: the next units keep the grades their ranks give.
    assert [results.unit(f"U{i:02d}").grade for i in (2, 3, 4)] == [E, E, G]


def test_reward_factors_and_quotas() -> None:
    """Each grade carries its reward (100 / 90 / 80 / 0 %) and its staff quota (优秀 20 %,
    the others 15 %)."""
    totals = ["95.0", "94.0", "93.0", "92.0", "91.0", "90.0", "89.0", "88.0", "87.0", "60.0"]
    units = [unit_with_total(f"U{i:02d}", t, staff_count=41) for i, t in enumerate(totals, 1)]
    results = evaluate(quanzhou(), group(*units))
    seen = {(u.grade, u.reward_factor, u.staff_quota, u.staff_quota_count) for u in results.units}
    assert seen == {
        (E, Decimal(1), Decimal("0.2"), 8),  # 41 × 20 % = 8.2 → at most 8
        (G, Decimal("0.9"), Decimal("0.15"), 6),
        (F, Decimal("0.8"), Decimal("0.15"), 6),
        (P, Decimal(0), Decimal("0.15"), 6),
    }
