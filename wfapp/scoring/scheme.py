"""A scoring scheme as data: the parts of a unit's total, how they combine, how grades fall.

The YAML form is read and checked by `wfapp.scoring.schemefile.load_scheme`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from wfapp.scoring.numbers import ZERO, Rounding, fmt

T = TypeVar("T")


class SchemeError(Exception):
    """A scheme that cannot be used; `problems` are (line, message), in line order."""

    def __init__(self, problems: list[tuple[int, str]], source: str = "<scheme>") -> None:
        self.problems = sorted(problems, key=lambda p: p[0])
        self.source = source
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.source}:{line}: {message}" for line, message in self.problems]


# -- the scheme as data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRule:
    """How an indicator's score comes from evaluators' sheets."""

    aggregate: str  # mean | median | trimmed_mean
    trim_from: int | None  # trimmed_mean drops the highest and lowest from this many sheets on
    rounding: Rounding | None  # None: the indicator's score is kept exact (rounding.at: total)


@dataclass(frozen=True)
class Split:
    """A jointly done item: the lead unit's share and each joint unit's share."""

    lead: Decimal
    joint: Decimal
    joint_mode: str  # each: every joint unit gets `joint`; divided: they share it equally


@dataclass(frozen=True)
class BonusLevel:
    key: str
    label: str
    points: Decimal
    section: str | None = None  # the sub-part whose cap this level counts against


@dataclass(frozen=True)
class Section:
    """A sub-part of a bonus with its own cap (各分项最高 10 分)."""

    key: str
    label: str
    cap: Decimal


@dataclass(frozen=True)
class DeductionItem:
    item: str
    label: str
    rule: str  # per_occurrence | per_count | as_entered
    points: Decimal | None  # per occurrence / per counted thing
    count: str | None  # per_count: the unit's named input that is counted
    item_points: Decimal | None  # 扣完为止: the item never takes more than this
    forfeit_at: int | None = None  # N 次以上此项不得分: from N times on the item takes item_points


@dataclass(frozen=True)
class SharedCap:
    """Several items of one part that together take at most `points` (两条规则共用 1 分)."""

    label: str
    items: tuple[str, ...]
    points: Decimal


@dataclass(frozen=True)
class IndicatorsComponent:
    name: str
    label: str
    weight: Decimal | None  # weighted schemes
    max: Decimal  # the most the component can score (additive: its points)
    sheets: SheetRule


@dataclass(frozen=True)
class InputComponent:
    name: str
    label: str
    weight: Decimal | None
    max: Decimal
    input: str  # the unit's named input, e.g. public_score


@dataclass(frozen=True)
class BonusComponent:
    name: str
    label: str
    levels: tuple[BonusLevel, ...]
    cap: Decimal | None  # None: 不封顶
    split: Split | None
    sections: tuple[Section, ...] = ()
    in_scale: bool = False  # the method's full score counts this part's cap (1000 = … + 350)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def level(self, key: str) -> BonusLevel | None:
        return next((lv for lv in self.levels if lv.key == key), None)


@dataclass(frozen=True)
class DeductionComponent:
    """Subtracted from the total up to `cap` (or without a cap), or a part worth `points` that
    deductions reduce to zero (扣分制); `overflow: carry` takes what is beyond the cap or the
    points off the total."""

    name: str
    label: str
    items: tuple[DeductionItem, ...]
    cap: Decimal | None
    points: Decimal | None
    overflow: str
    split: Split | None
    shared_caps: tuple[SharedCap, ...] = ()

    @property
    def limit(self) -> Decimal | None:
        """The most the part takes; None: no cap at all."""
        return self.cap if self.cap is not None else self.points


ScoreComponent = IndicatorsComponent | InputComponent
Component = IndicatorsComponent | InputComponent | BonusComponent | DeductionComponent


@dataclass(frozen=True)
class Grade:
    key: str
    label: str
    reward_factor: Decimal
    staff_quota: Decimal | None  # share of the unit's staff who may be rated 优秀 next year


@dataclass(frozen=True)
class Pool:
    """The units a rank-based rule ranks together: the unit's own group (`groups` None and
    `program` False), every unit of the program, or the named groups."""

    program: bool = False
    groups: tuple[str, ...] | None = None

    def label(self, own: str) -> str:
        if self.program:
            return "全部考评组"
        if self.groups is not None:
            return "、".join(self.groups)
        return f"组内（{own}）"

    def members(self, own: str, all_groups: tuple[str, ...]) -> tuple[str, ...]:
        if self.program:
            return all_groups
        if self.groups is not None:
            return tuple(g for g in all_groups if g in self.groups) if own in self.groups else ()
        return (own,)


GROUP_POOL = Pool()


@dataclass(frozen=True)
class GradeRule:
    kind: str  # below | at_least | top_ratio | top_n | bottom_n | default
    grade: str
    limit: Decimal | None = None  # below / at_least
    ratio: Fraction | None = None  # top_ratio
    ratio_text: str = ""
    rounding: str | None = None  # top_ratio: floor | ceil | half_up
    count: int | None = None  # top_n / bottom_n
    pool: Pool = GROUP_POOL  # rank-based rules: who is ranked together
    at_least: Decimal | None = None  # rank-based rules: and the total is at least this

    @property
    def ranked(self) -> bool:
        return self.kind in ("top_ratio", "top_n", "bottom_n")


@dataclass(frozen=True)
class Veto:
    """What 一票否决 does (each part optional): `grade` forces a grade (定为差), `at_most` caps
    it (最高只能评为一般), `leaves` takes the unit out of the ranking of the rules granting
    these grades so that their places pass to the next units (取消评先资格，由下一名递补),
    `pay` keeps the pay band by score (`keep`) or gives the lowest band (`lowest`)."""

    grade: str | None = None
    at_most: str | None = None
    leaves: tuple[str, ...] = ()
    pay: str = "keep"


@dataclass(frozen=True)
class Grading:
    levels: tuple[Grade, ...]  # best first
    rules: tuple[GradeRule, ...]  # the first that matches decides; the last is `default`
    tie_component: str | None  # None: equal totals share the better grade
    downgrade_steps: int
    veto: Veto | None
    group_rules: Mapping[str, tuple[GradeRule, ...]] = field(default_factory=dict)

    def grade(self, key: str) -> Grade:
        return next(g for g in self.levels if g.key == key)

    def lowered(self, key: str, steps: int) -> str:
        keys = [g.key for g in self.levels]
        return keys[min(keys.index(key) + steps, len(keys) - 1)]

    def worse(self, a: str, b: str) -> str:
        keys = [g.key for g in self.levels]
        return a if keys.index(a) >= keys.index(b) else b

    def rules_of(self, group: str) -> tuple[GradeRule, ...]:
        """A group's own rules, or the scheme's when it names none."""
        return self.group_rules.get(group, self.rules)

    @property
    def all_rules(self) -> tuple[GradeRule, ...]:
        return self.rules + tuple(r for rules in self.group_rules.values() for r in rules)


@dataclass(frozen=True)
class PayBand:
    label: str
    factor: Decimal
    at_least: Decimal | None  # None: the rest


@dataclass(frozen=True)
class Pay:
    """Pay by score bands (≥85 全额, 80–85 扣发 5%, <80 扣发 10%): the first band reached."""

    label: str
    bands: tuple[PayBand, ...]

    def band(self, total: Decimal) -> PayBand:
        return next(b for b in self.bands if b.at_least is None or total >= b.at_least)


@dataclass(frozen=True)
class Scheme:
    id: str
    title: str
    source: str | None
    scale: Decimal
    method: str  # weighted | additive
    rounding: Rounding
    components: tuple[Component, ...]
    grading: Grading | None  # None: scores and ranks only
    pay: Pay | None = None
    round_total_only: bool = False  # rounding.at: total — parts exact, the total rounded once

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)

    def of_type(self, cls: type[T]) -> list[T]:
        return [c for c in self.components if isinstance(c, cls)]

    def deduction_item(self, key: str) -> tuple[DeductionComponent, DeductionItem] | None:
        for comp in self.of_type(DeductionComponent):
            for item in comp.items:
                if item.item == key:
                    return comp, item
        return None

    @property
    def places(self) -> int:
        """Digits shown in results: as many as any rounding rule keeps, and at least 2."""
        sheets = [
            c.sheets.rounding.places
            for c in self.of_type(IndicatorsComponent)
            if c.sheets.rounding is not None
        ]
        return max(2, self.rounding.places, *sheets)

    @property
    def max_total(self) -> Decimal | None:
        """The highest total any unit can reach under this scheme; None: no ceiling."""
        total = ZERO
        for c in self.components:
            if isinstance(c, IndicatorsComponent | InputComponent):
                top = c.max * c.weight if c.weight is not None else c.max
                total += top if self.round_total_only else self.rounding(top)
            elif isinstance(c, BonusComponent):
                if c.cap is None:
                    return None
                total += c.cap
            elif c.points is not None:
                total += c.points
        return self.rounding(total) if self.round_total_only else total

    @property
    def min_total(self) -> Decimal | None:
        """The lowest total any unit can reach; None: no floor (an uncapped deduction)."""
        total = ZERO
        for c in self.of_type(DeductionComponent):
            if c.points is not None and c.overflow == "drop":
                continue
            if c.cap is None or c.overflow == "carry":
                return None
            total -= c.cap
        return total

    def summary(self) -> str:
        method = "加权合成" if self.method == "weighted" else "加法合成"
        parts = "、".join(c.label for c in self.components)
        top = self.max_total
        text = (
            f"{self.id}（{self.title}）：{method}，{len(self.components)} 个组成部分（{parts}），"
            + (f"最高 {fmt(top)} 分" if top is not None else "不封顶")
        )
        g = self.grading
        if g is None:
            text += "，不定等次"
        else:
            grades = "/".join(x.label for x in g.levels)
            text += f"，{len(g.levels)} 个等次（{grades}），{len(g.rules)} 条等次规则"
            if g.group_rules:
                text += f"，{len(g.group_rules)} 个考评组另有规则"
        if self.pay is not None:
            text += f"，{self.pay.label} {len(self.pay.bands)} 档"
        return text
