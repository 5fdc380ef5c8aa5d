"""evaluate(scheme, inputs) → Results: each unit's parts, total, rank, grade, and why.

Every step writes the line a person would write on paper, so the explanation is the
computation itself, not a story told afterwards. Values are rounded where the scheme says
(each indicator; each weighted part; each credited bonus or deduction), and the total is the
exact sum of the rounded parts, so the trace always adds up to what it shows.
Entries are sorted before use, so the order of units, sheets or items never changes a result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from wfapp.scoring.grading import Scored, grade_program
from wfapp.scoring.inputs import IndicatorInput, Inputs, ItemInput, UnitInput, parse_inputs
from wfapp.scoring.numbers import CONTEXT, ZERO, exact, fmt, pct
from wfapp.scoring.results import ComponentResult, GroupResult, Results
from wfapp.scoring.scheme import (
    BonusComponent,
    DeductionComponent,
    IndicatorsComponent,
    InputComponent,
    Scheme,
    SheetRule,
)


def evaluate(scheme: Scheme, inputs: Inputs | Mapping[str, Any]) -> Results:
    """Score every unit of every group under the scheme. Raises InputError on bad inputs."""
    data = inputs if isinstance(inputs, Inputs) else parse_inputs(inputs, scheme)
    places = scheme.places
    # Rounded only at the total (rounding.at: total): the trace shows the exact parts.
    f: Callable[[Decimal], str] = (
        (lambda d: exact(d, places)) if scheme.round_total_only else (lambda d: fmt(d, places))
    )
    with localcontext(CONTEXT):
        credits = _credits(scheme, data)
        scored = []
        for group in sorted(data.groups, key=lambda g: g.name):
            units = [_score_unit(scheme, u, credits.get(u.code, []), f) for u in group.units]
            scored.append((group.name, units))
        graded = grade_program(scheme, scored)
    groups = tuple(GroupResult(name, graded[name]) for name, _ in scored)
    return Results(scheme.id, scheme.title, scheme.places, groups)


def _part(scheme: Scheme, value: Decimal) -> Decimal:
    """A part's value as it counts: rounded, unless only the total is rounded."""
    return value if scheme.round_total_only else scheme.rounding(value)


# -- bonus and deduction entries, with joint work split -----------------------------------------


@dataclass(frozen=True)
class _Credit:
    """One bonus or deduction entry as it counts for one unit."""

    entry: ItemInput
    lead: str  # name of the unit the entry is filed under
    share: str  # "" for a unit's own entry, else e.g. "牵头 80%" / "配合 20%"
    base: Decimal  # the entry's points before the share
    points: Decimal  # what it counts for this unit, rounded

    @property
    def order(self) -> tuple[Any, ...]:
        """A total order on entries, so that no input order can change a line of the trace."""
        e = self.entry
        return (
            e.work or e.matter or "",
            e.item or "",
            e.section or "",
            e.level or "",
            -self.points,
            e.reason,
            self.lead,
            e.points is not None,
            e.points or 0,
            e.occurrences or 0,
            e.joint,
            self.share,
        )


def _credits(scheme: Scheme, data: Inputs) -> dict[str, list[_Credit]]:
    """Each entry credited to the unit that filed it, or split between lead and joint units."""
    out: dict[str, list[_Credit]] = {}
    for unit in data.units.values():
        for entry in (*unit.bonuses, *unit.deductions):
            comp = scheme.component(entry.component)
            assert isinstance(comp, BonusComponent | DeductionComponent)
            base = _base_points(comp, entry)
            if not entry.joint or comp.split is None:
                own = _Credit(entry, unit.name, "", base, _part(scheme, base))
                out.setdefault(unit.code, []).append(own)
                continue
            split = comp.split
            joint, joint_text = split.joint, f"配合 {pct(split.joint)}"
            if split.joint_mode == "divided":
                joint = split.joint / len(entry.joint)
                joint_text += f" ÷ {len(entry.joint)}"
            shares = [(unit.code, split.lead, f"牵头 {pct(split.lead)}")]
            shares += [(code, joint, joint_text) for code in entry.joint]
            for code, share, text in shares:
                points = _part(scheme, base * share)
                out.setdefault(code, []).append(_Credit(entry, unit.name, text, base, points))
    return out


def _base_points(comp: BonusComponent | DeductionComponent, entry: ItemInput) -> Decimal:
    if isinstance(comp, BonusComponent):
        if entry.points is not None:
            each = entry.points
        else:
            level = comp.level(entry.level or "")
            assert level is not None
            each = level.points
        return each * entry.occurrences if entry.occurrences is not None else each
    found = next(i for i in comp.items if i.item == entry.item)
    if found.rule == "per_occurrence":
        assert found.points is not None and entry.occurrences is not None
        return found.points * entry.occurrences
    assert entry.points is not None
    return entry.points


# -- one unit -------------------------------------------------------------------------------------


def _score_unit(
    scheme: Scheme, unit: UnitInput, credits: Sequence[_Credit], f: Callable[[Decimal], str]
) -> Scored:
    lines: list[str] = []
    parts: list[ComponentResult] = []
    for comp in scheme.components:
        if isinstance(comp, IndicatorsComponent):
            raw = _indicators(comp, unit.indicators, lines, f)
            parts.append(_scored_part(scheme, comp, raw, lines, f))
        elif isinstance(comp, InputComponent):
            parts.append(_scored_part(scheme, comp, unit.values[comp.input], lines, f))
        elif isinstance(comp, BonusComponent):
            parts.append(_bonus(comp, credits, lines, f))
        else:
            parts.append(_deduction(scheme, comp, unit, credits, lines, f))
    total = sum((p.contribution - p.carried for p in parts), ZERO)
    if scheme.round_total_only:
        rounded = scheme.rounding(total)
        lines.append(
            f"综合得分 = {_expression(parts, f)} = {f(total)}，"
            f"保留 {scheme.rounding.places} 位小数为 {fmt(rounded, scheme.rounding.places)}"
        )
        total = rounded
    else:
        lines.append(f"综合得分 = {_expression(parts, f)} = {f(total)}")
    return Scored(unit, tuple(parts), total, lines)


def _expression(parts: Sequence[ComponentResult], f: Callable[[Decimal], str]) -> str:
    terms = [(p.contribution, "") for p in parts]
    terms += [(-p.carried, f"（{p.label}超出部分）") for p in parts if p.carried]
    text = ""
    for i, (value, note) in enumerate(terms):
        sign = ("−" if value < 0 else "+") if i else ("−" if value < 0 else "")
        text += f"{' ' if i else ''}{sign}{' ' if i else ''}{f(abs(value))}{note}"
    return text


def _natural(code: str) -> list[Any]:
    """A sort key in which digits compare as numbers, so that 1-10 comes after 1-9."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", code) if t]


def _indicators(
    comp: IndicatorsComponent,
    indicators: Sequence[IndicatorInput],
    lines: list[str],
    f: Callable[[Decimal], str],
) -> Decimal:
    own = sorted(
        (i for i in indicators if i.component == comp.name), key=lambda i: _natural(i.code)
    )
    total = ZERO
    for ind in own:
        score, how = _indicator(comp.sheets, ind, f)
        lines.append(f"指标 {ind.code}（权重 {f(ind.weight)}）：{how}")
        total += score
    lines.append(f"{comp.label}：{len(own)} 项指标合计 {f(total)}")
    return total


def _indicator(
    rule: SheetRule, ind: IndicatorInput, f: Callable[[Decimal], str]
) -> tuple[Decimal, str]:
    """An indicator's score from its sheets (or as given), rounded, then clamped to [0, weight]."""
    if ind.sheets is None:
        assert ind.score is not None
        value = rule.rounding(ind.score) if rule.rounding else ind.score
        how = f"直接得分 {f(value)}"
    else:
        sheets = sorted(ind.sheets)
        n = len(sheets)
        if rule.aggregate == "median":
            mid = n // 2
            value = sheets[mid] if n % 2 else (sheets[mid - 1] + sheets[mid]) / 2
            how = f"{n} 份评分，中位数"
        elif rule.aggregate == "trimmed_mean" and n >= (rule.trim_from or 0):
            value = sum(sheets[1:-1], ZERO) / (n - 2)
            how = f"{n} 份评分，去掉最高 {f(sheets[-1])}、最低 {f(sheets[0])} 后平均"
        elif rule.aggregate == "trimmed_mean":
            value = sum(sheets, ZERO) / n
            how = f"{n} 份评分，少于 {rule.trim_from} 份，不去掉最高最低分，平均"
        else:
            value = sum(sheets, ZERO) / n
            how = f"{n} 份评分，平均"
        value = rule.rounding(value) if rule.rounding else value
        how += f" {f(value)}"
    if value > ind.weight:
        how += f"，高于权重，按 {f(ind.weight)} 计"
        value = ind.weight
    elif value < 0:
        how += "，低于 0，按 0 计"
        value = ZERO
    return value, how


def _scored_part(
    scheme: Scheme,
    comp: IndicatorsComponent | InputComponent,
    raw: Decimal,
    lines: list[str],
    f: Callable[[Decimal], str],
) -> ComponentResult:
    label = comp.label
    score = min(max(raw, ZERO), comp.max)
    if score != raw:
        bound = "高于满分" if raw > score else "低于 0"
        lines.append(f"{label} {f(raw)}，{bound}，按 {f(score)} 计")
    if comp.weight is not None:
        contribution = _part(scheme, score * comp.weight)
        lines.append(f"{label} {f(score)} × {pct(comp.weight)} = {f(contribution)}")
    else:
        contribution = _part(scheme, score)
        lines.append(f"{label} {f(contribution)}（满分 {f(comp.max)}）")
    return ComponentResult(comp.name, label, raw, score, contribution, ZERO)


def _entry_text(c: _Credit, f: Callable[[Decimal], str]) -> str:
    """The share part of an entry's line: who leads, and what this unit's share is worth."""
    text = ""
    if c.share:
        text += f" × {c.share} = {f(c.points)}"
        if not c.share.startswith("牵头"):
            text += f"，牵头单位 {c.lead}"
    return text


def _bonus(
    comp: BonusComponent,
    credits: Sequence[_Credit],
    lines: list[str],
    f: Callable[[Decimal], str],
) -> ComponentResult:
    def worth(c: _Credit) -> str:
        level = comp.level(c.entry.level or "")
        base = "录入分值" if c.entry.points is not None or level is None else level.label
        if c.entry.occurrences is not None:
            each = c.base / c.entry.occurrences if c.entry.occurrences else ZERO
            base += f" {f(each)} × {c.entry.occurrences} 人次 ="
        reason = f"（{c.entry.reason}）" if c.entry.work else ""
        return f"{base} {f(c.base)}{_entry_text(c, f)}{reason}"

    mine = sorted((c for c in credits if c.entry.component == comp.name), key=lambda c: c.order)
    works: dict[str | int, list[_Credit]] = {}
    for i, c in enumerate(mine):
        works.setdefault(c.entry.work or i, []).append(c)  # no work key: a work of its own
    by_section: dict[str, Decimal] = {}
    raw = uncapped = ZERO
    for entries in works.values():
        best, *rest = sorted(entries, key=lambda c: -c.points)  # stable: keeps `order` on ties
        title = best.entry.work or best.entry.reason
        line = f"{comp.label}：「{title}」{worth(best)}"
        if rest:
            dropped = "、".join(worth(c) for c in rest)
            line += f"；同一项工作只计一次，取最高，不计 {dropped}"
        lines.append(line)
        uncapped += best.points
        section = _section_of(comp, best.entry)
        if section:
            by_section[section] = by_section.get(section, ZERO) + best.points
        else:
            raw += best.points
    for section in comp.sections:
        got = by_section.get(section.key)
        if got is None:
            continue
        if got > section.cap:
            lines.append(
                f"{comp.label}·{section.label} {f(got)}，本分项最高 {f(section.cap)} 分，计 {f(section.cap)}"
            )
            got = section.cap
        raw += got
    score = raw if comp.cap is None else min(raw, comp.cap)
    if comp.cap is not None and raw > comp.cap:
        lines.append(f"{comp.label} {f(raw)}，封顶 {f(comp.cap)}")
    else:
        lines.append(f"{comp.label} 合计 {f(raw)}" + ("（不封顶）" if comp.cap is None else ""))
    return ComponentResult(comp.name, comp.label, uncapped, score, score, ZERO)


def _section_of(comp: BonusComponent, entry: ItemInput) -> str | None:
    """The sub-part an entry counts in: its own `section`, else its level's."""
    if entry.section:
        return entry.section
    level = comp.level(entry.level or "")
    return level.section if level else None


def _deduction(
    scheme: Scheme,
    comp: DeductionComponent,
    unit: UnitInput,
    credits: Sequence[_Credit],
    lines: list[str],
    f: Callable[[Decimal], str],
) -> ComponentResult:
    head = f"{comp.label}扣分"
    mine = sorted(
        (c for c in credits if c.entry.component == comp.name and c.entry.item),
        key=lambda c: c.order,
    )
    kept = _highest_per_matter(mine, head, comp, lines, f)
    amounts: dict[str, Decimal] = {}
    for item in comp.items:
        amount = ZERO
        if item.rule == "per_count":
            assert item.count is not None and item.points is not None
            n = unit.values.get(item.count, ZERO)
            if not n:
                continue
            times = int(n)
            amount = _part(scheme, n * item.points)
            lines.append(f"{head}：{item.label} {times} 项 × {f(item.points)} = {f(amount)}")
        else:
            entries = [c for c in kept if c.entry.item == item.item]
            if not entries:
                continue
            times = 0
            for c in entries:
                e = c.entry
                what = f(c.base)
                if item.rule == "per_occurrence":
                    what = f"{e.occurrences} 次 × {f(item.points or ZERO)} = {what}"
                    times += e.occurrences or 0
                else:
                    times += 1
                lines.append(f"{head}：{item.label} {what}{_entry_text(c, f)}（{e.reason}）")
                amount += c.points
        if item.forfeit_at is not None and times >= item.forfeit_at:
            assert item.item_points is not None
            lines.append(
                f"{head}：{item.label} 共 {times} 次，达到 {item.forfeit_at} 次，此项不得分，"
                f"扣 {f(item.item_points)}"
            )
            amount = item.item_points
        elif item.item_points is not None and amount > item.item_points:
            lines.append(
                f"{head}：{item.label} 合计 {f(amount)}，本项 {f(item.item_points)} 分扣完为止，"
                f"计 {f(item.item_points)}"
            )
            amount = item.item_points
        amounts[item.item] = amount
    raw = sum(amounts.values(), ZERO)
    for shared in comp.shared_caps:
        together = sum((amounts.get(i, ZERO) for i in shared.items), ZERO)
        if together > shared.points:
            labels = "、".join(i.label for i in comp.items if i.item in shared.items)
            lines.append(
                f"{head}：{shared.label}（{labels}）共用 {f(shared.points)} 分，合计 {f(together)}，"
                f"扣完为止，计 {f(shared.points)}"
            )
            raw -= together - shared.points
    limit = comp.limit
    taken = raw if limit is None else min(raw, limit)
    over = raw - taken
    carried = over if comp.overflow == "carry" else ZERO
    if comp.cap is not None:
        score, contribution = taken, -taken
        line = f"{head} {f(raw)}，封顶 {f(comp.cap)}" if over else f"{head} 合计 {f(raw)}"
    elif comp.points is not None:
        score = contribution = comp.points - taken
        line = f"{comp.label} {f(comp.points)} 分，扣 {f(raw)}"
        line += f"，扣完为止，得 {f(score)}" if over else f"，得 {f(score)}"
    else:
        score, contribution = taken, -taken
        line = f"{head} 合计 {f(raw)}（不封顶）"
    if carried:
        line += f"；超出的 {f(carried)} 从综合得分中扣除"
    lines.append(line)
    return ComponentResult(comp.name, comp.label, raw, score, contribution, carried)


def _highest_per_matter(
    credits: Sequence[_Credit],
    head: str,
    comp: DeductionComponent,
    lines: list[str],
    f: Callable[[Decimal], str],
) -> list[_Credit]:
    """同一事项就高扣分一次: of entries naming the same `matter`, only the highest counts."""
    label = {i.item: i.label for i in comp.items}
    matters: dict[str, list[_Credit]] = {}
    kept: list[_Credit] = []
    for c in credits:
        if c.entry.matter:
            matters.setdefault(c.entry.matter, []).append(c)
        else:
            kept.append(c)
    for matter, entries in sorted(matters.items()):
        best, *rest = sorted(entries, key=lambda c: -c.points)
        kept.append(best)
        if rest:
            dropped = "、".join(f"{label[c.entry.item or '']} {f(c.points)}" for c in rest)
            lines.append(
                f"{head}：「{matter}」同一事项就高扣分一次，按{label[best.entry.item or '']} "
                f"{f(best.points)}，不计 {dropped}"
            )
    return sorted(kept, key=lambda c: c.order)
