"""A scoring scheme as data: the parts of a unit's total, how they combine, how grades fall.

The YAML form is read and checked by `wfapp.scoring.schemefile.load_scheme`.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    rounding: Rounding


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


@dataclass(frozen=True)
class DeductionItem:
    item: str
    label: str
    rule: str  # per_occurrence | per_count | as_entered
    points: Decimal | None  # per occurrence / per counted thing
    count: str | None  # per_count: the unit's named input that is counted
    item_points: Decimal | None  # 扣完为止: the item never takes more than this


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
    cap: Decimal
    split: Split | None

    def level(self, key: str) -> BonusLevel | None:
        return next((lv for lv in self.levels if lv.key == key), None)


@dataclass(frozen=True)
class DeductionComponent:
    """Subtracted from the total up to `cap`, or (additive) a part worth `points` that deductions
    reduce to zero; `overflow: carry` takes what is beyond the cap or the points off the total."""

    name: str
    label: str
    items: tuple[DeductionItem, ...]
    cap: Decimal | None
    points: Decimal | None
    overflow: str
    split: Split | None

    @property
    def limit(self) -> Decimal:
        return self.cap if self.cap is not None else self.points or ZERO


ScoreComponent = IndicatorsComponent | InputComponent
Component = IndicatorsComponent | InputComponent | BonusComponent | DeductionComponent


@dataclass(frozen=True)
class Grade:
    key: str
    label: str
    reward_factor: Decimal
    staff_quota: Decimal | None  # share of the unit's staff who may be rated 优秀 next year


@dataclass(frozen=True)
class GradeRule:
    kind: str  # below | at_least | top_ratio | top_n | bottom_n | default
    grade: str
    limit: Decimal | None = None  # below / at_least
    ratio: Fraction | None = None  # top_ratio
    ratio_text: str = ""
    rounding: str | None = None  # top_ratio: floor | ceil | half_up
    count: int | None = None  # top_n / bottom_n


@dataclass(frozen=True)
class Grading:
    levels: tuple[Grade, ...]  # best first
    rules: tuple[GradeRule, ...]  # the first that matches decides; the last is `default`
    tie_component: str | None  # None: equal totals share the better grade
    downgrade_steps: int
    veto: str | None  # the grade a veto forces

    def grade(self, key: str) -> Grade:
        return next(g for g in self.levels if g.key == key)

    def lowered(self, key: str, steps: int) -> str:
        keys = [g.key for g in self.levels]
        return keys[min(keys.index(key) + steps, len(keys) - 1)]


@dataclass(frozen=True)
class Scheme:
    id: str
    title: str
    source: str | None
    scale: Decimal
    method: str  # weighted | additive
    rounding: Rounding
    components: tuple[Component, ...]
    grading: Grading

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
        sheets = [c.sheets.rounding.places for c in self.of_type(IndicatorsComponent)]
        return max(2, self.rounding.places, *sheets)

    @property
    def max_total(self) -> Decimal:
        """The highest total any unit can reach under this scheme."""
        total = ZERO
        for c in self.components:
            if isinstance(c, IndicatorsComponent | InputComponent):
                total += self.rounding(c.max * c.weight) if c.weight is not None else c.max
            elif isinstance(c, BonusComponent):
                total += c.cap
            elif c.points is not None:
                total += c.points
        return total

    def summary(self) -> str:
        method = "加权合成" if self.method == "weighted" else "加法合成"
        parts = "、".join(c.label for c in self.components)
        grades = "/".join(g.label for g in self.grading.levels)
        return (
            f"{self.id}（{self.title}）：{method}，{len(self.components)} 个组成部分（{parts}），"
            f"最高 {fmt(self.max_total)} 分，{len(self.grading.levels)} 个等次（{grades}），"
            f"{len(self.grading.rules)} 条等次规则"
        )
