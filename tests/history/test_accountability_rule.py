"""The accountability rule (效能问责) on its own: "年度绩效考评结果为差的，或连续三年考评结果为
一般的"."""

from __future__ import annotations

import pytest

from wfapp.scoring.accountability import Grade, Rule, accountable

G = {
    "优": Grade("excellent", "优秀"),
    "良": Grade("good", "良好"),
    "一": Grade("fair", "一般"),
    "差": Grade("poor", "差"),
}


def years(**by_year: str) -> dict[int, Grade]:
    return {int(y[1:]): G[g] for y, g in by_year.items()}


@pytest.mark.parametrize(
    ("grades", "year", "reason"),
    [
        (years(y2024="差"), 2024, "2024年度考评结果为差"),
        (years(y2022="一", y2023="一", y2024="一"), 2024, "连续3年（2022—2024年度）考评结果为一般"),
        (years(y2023="一", y2024="一"), 2024, None),  # two years are not three
        (years(y2021="一", y2023="一", y2024="一"), 2024, None),  # 2022 missing breaks it
        (years(y2022="一", y2023="差", y2024="一"), 2024, None),  # 差 in 2023 was 2023's flag
        (years(y2022="一", y2023="一", y2024="良"), 2024, None),
        (years(y2023="差", y2024="优"), 2024, None),  # the year asked about decides
        (years(y2023="差"), 2024, None),  # no grade for the year: nothing to say yet
        (
            years(y2022="一", y2023="一", y2024="一", y2025="一"),
            2025,
            "连续3年（2023—2025年度）考评结果为一般",
        ),
    ],
)
def test_the_rule_of_the_sources(grades, year, reason):
    assert accountable(grades, year) == reason


def test_the_rule_is_configuration():
    """Another city's rule is a setting: 一般 two years in a row, or a single 一般."""
    rule = Rule(once=frozenset({"poor"}), streak_grade="fair", streak_years=2)
    assert accountable(years(y2023="一", y2024="一"), 2024, rule) == (
        "连续2年（2023—2024年度）考评结果为一般"
    )
    strict = Rule(once=frozenset({"poor", "fair"}))
    assert accountable(years(y2024="一"), 2024, strict) == "2024年度考评结果为一般"
