"""Ranks and grades within a group, then the flags, then what the grade means.

Ranking is competition style: a unit's rank is 1 + the number of units strictly ahead of it,
so equal totals share a rank. "Top N" takes every unit whose rank is ≤ N and "bottom N" every
unit whose rank is > size − N; a tie across either boundary therefore lands on the better side,
which is the `share_better` rule. With `ties: {component: …}` that component's contribution
orders units of equal total first, and only units equal on both share.
Flags act after the rules and free no place: a downgraded or vetoed unit keeps its slot.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from wfapp.scoring.inputs import UnitInput
from wfapp.scoring.numbers import COUNT_ROUNDING, ZERO, fmt, fraction_text, pct, round_count
from wfapp.scoring.results import ComponentResult, UnitResult
from wfapp.scoring.scheme import GradeRule, Scheme


@dataclass
class Scored:
    """A unit with its parts and total, waiting for its rank and grade."""

    unit: UnitInput
    parts: tuple[ComponentResult, ...]
    total: Decimal
    lines: list[str]


def grade_group(scheme: Scheme, group: str, scored: Sequence[Scored]) -> tuple[UnitResult, ...]:
    grading = scheme.grading
    tie = grading.tie_component

    def key(s: Scored) -> tuple[Decimal, Decimal]:
        second = next(p.contribution for p in s.parts if p.name == tie) if tie else ZERO
        return s.total, second

    ordered = sorted(scored, key=lambda s: (-key(s)[0], -key(s)[1], s.unit.code))
    tied = Counter(key(s) for s in ordered)
    same_total = Counter(s.total for s in ordered)
    n = len(ordered)
    results = []
    rank = 0
    for i, s in enumerate(ordered):
        if i == 0 or key(s) != key(ordered[i - 1]):
            rank = i + 1  # 1 + the number of units strictly ahead
        ties = tied[key(s)], same_total[s.total]
        results.append(_grade_unit(scheme, group, s, rank, n, *ties))
    return tuple(results)


def _grade_unit(
    scheme: Scheme, group: str, s: Scored, rank: int, n: int, tied: int, same_total: int
) -> UnitResult:
    grading = scheme.grading
    label = {g.key: g.label for g in grading.levels}
    places = scheme.places
    lines = s.lines

    where = f"排名 {rank}/{n}"
    notes = []
    if grading.tie_component and same_total > 1:
        comp = next(p for p in s.parts if p.name == grading.tie_component)
        notes.append(f"综合得分同分，按{comp.label} {fmt(comp.contribution, places)} 排序")
    if tied > 1:
        notes.append(f"{tied} 个单位并列，同分取较好等次")
    if notes:
        where += f"（{'；'.join(notes)}）"
    rule, why = next((r, w) for r in grading.rules if (w := _why(r, s.total, rank, n, places)))
    before = rule.grade
    lines.append(f"{where}，{why} → {label[before]}")

    grade = before
    unit = s.unit
    if unit.downgrade is not None:
        lowered = grading.lowered(grade, grading.downgrade_steps)
        reason = f"：{unit.downgrade}" if unit.downgrade else ""
        if lowered == grade:
            lines.append(f"降档{reason}，已是最低等次 {label[grade]}")
        else:
            lines.append(f"降档{reason}，{label[grade]} → {label[lowered]}")
        grade = lowered
    if unit.veto is not None and grading.veto is not None:
        reason = f"：{unit.veto}" if unit.veto else ""
        lines.append(f"一票否决{reason} → {label[grading.veto]}")
        grade = grading.veto

    final, first = grading.grade(grade), grading.grade(before)
    reward = f"绩效奖励系数 {pct(final.reward_factor)}（{final.label}）"
    if unit.downgrade is not None and final.reward_factor != first.reward_factor:
        reward += f"；降档前等次 {first.label} 为 {pct(first.reward_factor)}"
    lines.append(reward)
    count = None
    if final.staff_quota is not None:
        quota = f"次年度公务员考核优秀等次比例 {pct(final.staff_quota)}"
        if unit.staff_count is not None:
            # "可提高到……的20%": a ceiling, so the head count rounds down.
            count = math.floor(final.staff_quota * unit.staff_count)
            quota += f"，{unit.staff_count} 人中至多 {count} 人"
        lines.append(quota)

    return UnitResult(
        group=group,
        unit=unit.code,
        name=unit.name,
        total=s.total,
        components=s.parts,
        rank=rank,
        group_size=n,
        grade_before_flags=before,
        grade_before_flags_label=first.label,
        grade=grade,
        grade_label=final.label,
        downgrade=unit.downgrade,
        veto=unit.veto,
        reward_factor=final.reward_factor,
        reward_factor_before_flags=first.reward_factor,
        staff_quota=final.staff_quota,
        staff_quota_count=count,
        explanation=tuple(lines),
    )


def _why(rule: GradeRule, total: Decimal, rank: int, n: int, places: int) -> str:
    """Why the rule applies to this unit, in words; "" when it does not apply."""
    if rule.kind == "below":
        assert rule.limit is not None
        return (
            f"综合得分 {fmt(total, places)} 低于 {fmt(rule.limit, places)}"
            if total < rule.limit
            else ""
        )
    if rule.kind == "at_least":
        assert rule.limit is not None
        return (
            f"综合得分 {fmt(total, places)} 不低于 {fmt(rule.limit, places)}"
            if total >= rule.limit
            else ""
        )
    if rule.kind == "top_ratio":
        assert rule.ratio is not None and rule.rounding is not None
        exact = Fraction(n) * rule.ratio
        count = round_count(exact, rule.rounding)
        rounded = f"{COUNT_ROUNDING[rule.rounding]}为 {count} 名"
        how = f"{n} × {rule.ratio_text} = {fraction_text(exact)}，{rounded}"
        return f"前 {rule.ratio_text}（{how}）" if rank <= count else ""
    if rule.kind == "top_n":
        return f"前 {rule.count} 名" if rank <= (rule.count or 0) else ""
    if rule.kind == "bottom_n":
        return f"后 {rule.count} 名" if rank > n - (rule.count or 0) else ""
    return "其余"
