"""Ranks and grades, then the flags, then what the grade and the score mean (factor, quota, pay).

Ranking is competition style: a unit's rank is 1 + the number of units strictly ahead of it,
so equal totals share a rank. "Top N" takes every unit whose rank is ≤ N and "bottom N" every
unit whose rank is > size − N; a tie across either boundary therefore lands on the better side,
which is the `share_better` rule. With `ties: {component: …}` that component's contribution
orders units of equal total first, and only units equal on both share.

A rank-based rule ranks the units of its pool: the unit's own group by default, every unit of
the program (`over: program`) or named groups. Each group follows its own rules (or the
scheme's). A veto whose `leaves` names a grade takes the unit out of the ranking of the rules
granting that grade: it holds no place there and the next unit moves up (由下一名递补); the
number of places is still counted over every unit of the pool. Downgrade and veto then act on
the unit's own grade; a veto never leaves a unit better off than it was without it.
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
from wfapp.scoring.scheme import GradeRule, Grading, PayBand, Pool, Scheme


@dataclass
class Scored:
    """A unit with its parts and total, waiting for its rank and grade."""

    unit: UnitInput
    parts: tuple[ComponentResult, ...]
    total: Decimal
    lines: list[str]
    group: str = ""


Key = tuple[Decimal, Decimal]


@dataclass(frozen=True)
class Ranking:
    """Ranks of some units: code → rank, the number ranked, and how many share each key."""

    ranks: dict[str, int]
    size: int
    tied: Counter[Key]


def _key(s: Scored, tie: str | None) -> Key:
    second = next(p.contribution for p in s.parts if p.name == tie) if tie else ZERO
    return s.total, second


def _rank(units: Sequence[Scored], tie: str | None) -> Ranking:
    ordered = sorted(units, key=lambda s: (-_key(s, tie)[0], -_key(s, tie)[1], s.unit.code))
    ranks: dict[str, int] = {}
    rank = 0
    for i, s in enumerate(ordered):
        if i == 0 or _key(s, tie) != _key(ordered[i - 1], tie):
            rank = i + 1  # 1 + the number of units strictly ahead
        ranks[s.unit.code] = rank
    return Ranking(ranks, len(ordered), Counter(_key(s, tie) for s in ordered))


class _Rankings:
    """Rankings of pools, computed once each: (pool members, units left out) → Ranking."""

    def __init__(self, groups: dict[str, list[Scored]], tie: str | None) -> None:
        self.groups = groups
        self.names = tuple(sorted(groups))
        self.tie = tie
        self.cache: dict[tuple[tuple[str, ...], frozenset[str]], Ranking] = {}

    def of(self, pool: Pool, own: str, out: frozenset[str]) -> tuple[Ranking, int]:
        """The ranking of the pool seen from group `own` without the units `out`, and the
        number of units of the whole pool (the base the places are counted from)."""
        members = pool.members(own, self.names)
        units = [s for g in members for s in self.groups[g]]
        left = frozenset(s.unit.code for s in units if s.unit.code in out)
        key = (members, left)
        if key not in self.cache:
            self.cache[key] = _rank([s for s in units if s.unit.code not in left], self.tie)
        return self.cache[key], len(units)


def grade_program(
    scheme: Scheme, groups: Sequence[tuple[str, Sequence[Scored]]]
) -> dict[str, tuple[UnitResult, ...]]:
    """Every group's results, by rank then code; rules may rank across groups."""
    g = scheme.grading
    tie = g.tie_component if g else None
    by_group = {name: list(units) for name, units in groups}
    own = {name: _rank(units, tie) for name, units in by_group.items()}
    rankings = _Rankings(by_group, tie)
    vetoed = frozenset(s.unit.code for units in by_group.values() for s in units if _vetoed(g, s))
    out: dict[str, tuple[UnitResult, ...]] = {}
    for name, units in by_group.items():
        ranking = own[name]
        ordered = sorted(units, key=lambda s: (ranking.ranks[s.unit.code], s.unit.code))
        out[name] = tuple(_unit_result(scheme, name, s, ranking, rankings, vetoed) for s in ordered)
    return out


def _vetoed(g: Grading | None, s: Scored) -> bool:
    return g is not None and g.veto is not None and s.unit.veto is not None


def _unit_result(
    scheme: Scheme,
    group: str,
    s: Scored,
    own: Ranking,
    rankings: _Rankings,
    vetoed: frozenset[str],
) -> UnitResult:
    g = scheme.grading
    places = scheme.places
    lines = s.lines
    unit = s.unit
    rank = own.ranks[unit.code]
    where = f"排名 {rank}/{own.size}"
    notes = []
    if g and g.tie_component and Counter(x.total for x in rankings.groups[group])[s.total] > 1:
        comp = next(p for p in s.parts if p.name == g.tie_component)
        notes.append(f"综合得分同分，按{comp.label} {fmt(comp.contribution, places)} 排序")
    tied = own.tied[_key(s, g.tie_component if g else None)]
    if tied > 1:
        notes.append(f"{tied} 个单位并列" + ("，同分取较好等次" if g else ""))
    if notes:
        where += f"（{'；'.join(notes)}）"
    pay_band = scheme.pay.band(s.total) if scheme.pay else None
    if g is None:
        lines.append(where)
        return _result(scheme, group, s, own, None, None, pay_band, lines)

    label = {x.key: x.label for x in g.levels}
    rules = g.rules_of(group)
    veto = g.veto if unit.veto is not None else None
    leaves = frozenset(veto.leaves) if veto else frozenset()
    # Units out of the ranking of rules granting these grades: every vetoed unit with `leaves`.
    left_out = vetoed if g.veto and g.veto.leaves else frozenset()

    def decide(own_veto: bool) -> tuple[str, str]:
        """The first rule that matches; `own_veto`: this unit's veto counts (it skips the rules
        its veto leaves), else the grade it would have without its veto."""
        others = left_out if own_veto else left_out - {unit.code}
        misses: list[str] = []
        for rule in rules:
            if own_veto and rule.grade in leaves:
                continue
            out = others if g.veto and rule.grade in g.veto.leaves else frozenset()
            why = _why(rule, s, group, rankings, out, places, misses)
            if why:
                return rule.grade, "；".join([*misses, why])
        raise AssertionError("the last rule is default")  # pragma: no cover

    if veto and leaves:
        # The grade before flags: the one it would have without its own veto.
        before, why = decide(own_veto=False)
        lines.append(f"{where}，{why} → {label[before]}")
        grade, why2 = decide(own_veto=True)
        lines.append(
            f"一票否决{_reason(unit.veto)}，取消{'、'.join(label[k] for k in veto.leaves)}资格"
            f"（名次由下一名递补）；{why2} → {label[grade]}"
        )
    else:
        grade, why = decide(own_veto=True)
        before = grade
        lines.append(f"{where}，{why} → {label[before]}")
    # Without the veto the unit would end at `before`, then downgraded.
    without_veto = before
    if unit.downgrade is not None:
        lowered = g.lowered(grade, g.downgrade_steps)
        reason = _reason(unit.downgrade)
        if lowered == grade:
            lines.append(f"降档{reason}，已是最低等次 {label[grade]}")
        else:
            lines.append(f"降档{reason}，{label[grade]} → {label[lowered]}")
        grade = lowered
        without_veto = g.lowered(before, g.downgrade_steps)
    if veto is not None:
        reason = _reason(unit.veto)
        if veto.grade is not None:
            lines.append(f"一票否决{reason} → {label[veto.grade]}")
            grade = veto.grade
        elif veto.at_most is not None:
            capped = g.worse(grade, veto.at_most)
            if capped != grade:
                lines.append(
                    f"一票否决{reason}，最高只能评为{label[veto.at_most]}：{label[grade]} → "
                    f"{label[capped]}"
                )
            else:
                lines.append(f"一票否决{reason}，最高只能评为{label[veto.at_most]}，等次不变")
            grade = capped
        worst = g.worse(grade, without_veto)
        if worst != grade:
            lines.append(f"一票否决不使等次变好：按{label[worst]}")
            grade = worst
        if veto.pay == "lowest" and scheme.pay is not None:
            pay_band = scheme.pay.bands[-1]
            lines.append(f"一票否决，{scheme.pay.label}按最低档（{pay_band.label}）")
    return _result(scheme, group, s, own, (before, grade), g, pay_band, lines)


def _reason(text: str | None) -> str:
    return f"：{text}" if text else ""


def _result(
    scheme: Scheme,
    group: str,
    s: Scored,
    own: Ranking,
    grades: tuple[str, str] | None,
    g: Grading | None,
    band: PayBand | None,
    lines: list[str],
) -> UnitResult:
    unit = s.unit
    first = final = None
    count = None
    if grades is not None and g is not None:
        first, final = g.grade(grades[0]), g.grade(grades[1])
        reward = f"绩效奖励系数 {pct(final.reward_factor)}（{final.label}）"
        if unit.downgrade is not None and final.reward_factor != first.reward_factor:
            reward += f"；降档前等次 {first.label} 为 {pct(first.reward_factor)}"
        lines.append(reward)
        if final.staff_quota is not None:
            quota = f"次年度公务员考核优秀等次比例 {pct(final.staff_quota)}"
            if unit.staff_count is not None:
                # "可提高到……的20%": a ceiling, so the head count rounds down.
                count = math.floor(final.staff_quota * unit.staff_count)
                quota += f"，{unit.staff_count} 人中至多 {count} 人"
            lines.append(quota)
    if band is not None and scheme.pay is not None:
        reached = (
            f"综合得分 {fmt(s.total, scheme.places)} 不低于 {fmt(band.at_least, scheme.places)}"
            if band.at_least is not None
            else "其余"
        )
        lines.append(f"{scheme.pay.label}：{reached} → {band.label}（{pct(band.factor)}）")
    return UnitResult(
        group=group,
        unit=unit.code,
        name=unit.name,
        total=s.total,
        components=s.parts,
        rank=own.ranks[unit.code],
        group_size=own.size,
        grade_before_flags=first.key if first else None,
        grade_before_flags_label=first.label if first else None,
        grade=final.key if final else None,
        grade_label=final.label if final else None,
        downgrade=unit.downgrade,
        veto=unit.veto,
        reward_factor=final.reward_factor if final else None,
        reward_factor_before_flags=first.reward_factor if first else None,
        staff_quota=final.staff_quota if final else None,
        staff_quota_count=count,
        explanation=tuple(lines),
        pay_label=band.label if band is not None else None,
        pay_factor=band.factor if band is not None else None,
    )


def _why(
    rule: GradeRule,
    s: Scored,
    group: str,
    rankings: _Rankings,
    out: frozenset[str],
    places: int,
    misses: list[str] | None = None,
) -> str:
    """Why the rule applies to this unit, in words; "" when it does not apply. A rule ranking
    beyond the group that does not apply adds to `misses` where the unit stood in it."""
    found = _applies(rule, s, group, rankings, out, places)
    if not found and misses is not None and rule.ranked and (rule.pool.program or rule.pool.groups):
        ranking, _ = rankings.of(rule.pool, group, out)
        if s.unit.code in ranking.ranks:
            where = f"{rule.pool.label(group)}排名 {ranking.ranks[s.unit.code]}/{ranking.size}"
            what = {"top_n": "前", "top_ratio": "前", "bottom_n": "后"}[rule.kind]
            size = rule.ratio_text if rule.kind == "top_ratio" else f"{rule.count} 名"
            misses.append(f"{where}，不在{what} {size}")
    return found


def _applies(
    rule: GradeRule,
    s: Scored,
    group: str,
    rankings: _Rankings,
    out: frozenset[str],
    places: int,
) -> str:
    total = s.total
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
    if rule.kind == "default":
        return "其余"
    if s.unit.code in out:
        return ""
    ranking, base = rankings.of(rule.pool, group, out)
    if s.unit.code not in ranking.ranks:
        return ""  # a named pool this group is not part of
    if rule.at_least is not None and total < rule.at_least:
        return ""
    rank, n = ranking.ranks[s.unit.code], ranking.size
    scope = ""
    if rule.pool.program or rule.pool.groups is not None or out:
        scope = f"{rule.pool.label(group)}排名 {rank}/{n}"
        if out:
            scope += "（一票否决单位不参与此项排名）"
        scope += "，"
    floor = f"且不低于 {fmt(rule.at_least, places)} 分" if rule.at_least is not None else ""
    if rule.kind == "top_ratio":
        assert rule.ratio is not None and rule.rounding is not None
        exact = Fraction(base) * rule.ratio
        count = round_count(exact, rule.rounding)
        rounded = f"{COUNT_ROUNDING[rule.rounding]}为 {count} 名"
        how = f"{base} × {rule.ratio_text} = {fraction_text(exact)}，{rounded}"
        return f"{scope}前 {rule.ratio_text}（{how}）{floor}" if rank <= count else ""
    if rule.kind == "top_n":
        return f"{scope}前 {rule.count} 名{floor}" if rank <= (rule.count or 0) else ""
    # bottom_n
    return f"{scope}后 {rule.count} 名{floor}" if rank > n - (rule.count or 0) else ""
