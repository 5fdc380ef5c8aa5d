"""The accountability rule (效能问责) of the sources: "年度绩效考评结果为差的，或连续三年考评结果
为一般的" — a unit graded 差 in a year, or 一般 in that year and the years just before it.

Pure: grades by year in, the reason (or None) out. Which grades count is configuration
(ACCOUNTABILITY_* in config/default.toml), so another city's rule is a setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    once: frozenset[str] = frozenset({"poor"})  # one year with such a grade is enough
    streak_grade: str = "fair"  # … or this grade so many years in a row
    streak_years: int = 3


@dataclass(frozen=True)
class Grade:
    key: str
    label: str


def accountable(grades: Mapping[int, Grade], year: int, rule: Rule = Rule()) -> str | None:
    """Why the unit is accountable for `year` (a Chinese sentence), or None. A year with no
    grade breaks a streak: the rule speaks of consecutive years."""
    this = grades.get(year)
    if this is None:
        return None
    if this.key in rule.once:
        return f"{year}年度考评结果为{this.label}"
    years = [year - k for k in range(rule.streak_years)]
    if rule.streak_years > 0 and all(
        (g := grades.get(y)) is not None and g.key == rule.streak_grade for y in years
    ):
        return f"连续{rule.streak_years}年（{years[-1]}—{year}年度）考评结果为{this.label}"
    return None
