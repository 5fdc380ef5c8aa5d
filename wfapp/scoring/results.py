"""What an evaluation returns, and its JSON form (Decimals as fixed-point strings)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from wfapp.scoring.numbers import fmt


@dataclass(frozen=True)
class ComponentResult:
    """One part of a unit's total.

    raw: before any clamp or cap (for a deduction part: the deductions before its cap);
    score: after them; contribution: what the part adds to the total (negative for a deduction
    that is subtracted); carried: what a deduction part loses beyond its cap or points and the
    total loses with it (`overflow: carry`).
    """

    name: str
    label: str
    raw: Decimal
    score: Decimal
    contribution: Decimal
    carried: Decimal


@dataclass(frozen=True)
class UnitResult:
    group: str
    unit: str
    name: str
    total: Decimal
    components: tuple[ComponentResult, ...]
    rank: int  # 1-based within the group; equal totals share a rank
    group_size: int
    # The grade fields are None when the scheme has no grades (scores and ranks only).
    grade_before_flags: str | None
    grade_before_flags_label: str | None
    grade: str | None
    grade_label: str | None
    downgrade: str | None  # the reason ("" when flagged without one); None: not flagged
    veto: str | None
    reward_factor: Decimal | None
    reward_factor_before_flags: Decimal | None
    staff_quota: Decimal | None
    staff_quota_count: int | None
    explanation: tuple[str, ...]
    pay_label: str | None = None  # the pay band by score (pay:), None without one
    pay_factor: Decimal | None = None

    def component(self, name: str) -> ComponentResult:
        return next(c for c in self.components if c.name == name)


@dataclass(frozen=True)
class GroupResult:
    name: str
    units: tuple[UnitResult, ...]  # by rank, then unit code


@dataclass(frozen=True)
class Results:
    scheme: str
    title: str
    places: int  # digits after the point in the JSON form
    groups: tuple[GroupResult, ...]  # by group name

    @property
    def units(self) -> tuple[UnitResult, ...]:
        return tuple(u for g in self.groups for u in g.units)

    def unit(self, code: str) -> UnitResult:
        return next(u for u in self.units if u.unit == code)

    def as_dict(self) -> dict[str, Any]:
        def num(value: Decimal | None) -> str | None:
            return None if value is None else fmt(value, self.places)

        def unit(u: UnitResult) -> dict[str, Any]:
            return {
                "unit": u.unit,
                "name": u.name,
                "total": num(u.total),
                "rank": u.rank,
                "group_size": u.group_size,
                "components": [
                    {
                        "name": c.name,
                        "label": c.label,
                        "raw": num(c.raw),
                        "score": num(c.score),
                        "contribution": num(c.contribution),
                        "carried": num(c.carried),
                    }
                    for c in u.components
                ],
                "grade_before_flags": u.grade_before_flags,
                "grade_before_flags_label": u.grade_before_flags_label,
                "grade": u.grade,
                "grade_label": u.grade_label,
                "flags": {"downgrade": u.downgrade, "veto": u.veto},
                "reward_factor": num(u.reward_factor),
                "reward_factor_before_flags": num(u.reward_factor_before_flags),
                "staff_quota": num(u.staff_quota),
                "staff_quota_count": u.staff_quota_count,
                "pay": None
                if u.pay_label is None
                else {"label": u.pay_label, "factor": num(u.pay_factor)},
                "explanation": list(u.explanation),
            }

        return {
            "scheme": self.scheme,
            "title": self.title,
            "groups": [
                {"group": g.name, "size": len(g.units), "units": [unit(u) for u in g.units]}
                for g in self.groups
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent)
