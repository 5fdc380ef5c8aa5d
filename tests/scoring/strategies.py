"""Hypothesis strategies: random but valid inputs for any scheme, read from its components."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from wfapp.scoring import Scheme
from wfapp.scoring.scheme import (
    BonusComponent,
    DeductionComponent,
    IndicatorsComponent,
    InputComponent,
)


def hundredths(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals with two places, built from integers so no float is ever involved."""
    return st.integers(low * 100, high * 100).map(lambda n: Decimal(n) / 100)


def _top(scheme: Scheme, comp: IndicatorsComponent | InputComponent) -> int:
    return int(comp.max)


@st.composite
def unit_input(draw: st.DrawFn, scheme: Scheme, code: str) -> dict[str, Any]:
    unit: dict[str, Any] = {"unit": code, "name": f"单位{code}", "indicators": []}
    inputs: dict[str, Any] = {}
    for comp in scheme.components:
        if isinstance(comp, IndicatorsComponent):
            top = _top(scheme, comp)
            parts = draw(st.sampled_from([[top], [top // 2, top - top // 2]]))
            for i, w in enumerate(p for p in parts if p > 0):
                ind: dict[str, Any] = {"code": f"{comp.name}-{i + 1}", "weight": w}
                if draw(st.booleans()):
                    ind["sheets"] = draw(st.lists(hundredths(-2, w + 3), min_size=1, max_size=6))
                else:
                    ind["score"] = draw(hundredths(0, w))
                if len(scheme.of_type(IndicatorsComponent)) > 1:
                    ind["component"] = comp.name
                unit["indicators"].append(ind)
        elif isinstance(comp, InputComponent):
            value = draw(hundredths(0, _top(scheme, comp) + 5))
            if comp.input == "public_score":
                unit["public_score"] = value
            else:
                inputs[comp.input] = value
        elif isinstance(comp, BonusComponent):
            entries = []
            for _ in range(draw(st.integers(0, 4))):
                entry: dict[str, Any] = {"reason": "加分", "component": comp.name}
                if comp.levels and draw(st.booleans()):
                    entry["level"] = draw(st.sampled_from([lv.key for lv in comp.levels]))
                else:
                    entry["points"] = draw(hundredths(0, 40))
                    if comp.sections and draw(st.booleans()):
                        entry["section"] = draw(st.sampled_from([s.key for s in comp.sections]))
                if draw(st.booleans()):
                    entry["work"] = draw(st.sampled_from(["甲", "乙", "丙"]))
                if draw(st.booleans()):
                    entry["occurrences"] = draw(st.integers(0, 30))
                entries.append(entry)
            unit.setdefault("bonuses", []).extend(entries)
        elif isinstance(comp, DeductionComponent):
            for item in comp.items:
                if item.rule == "per_count":
                    inputs[item.count or ""] = draw(st.integers(0, 8))
                    continue
                for _ in range(draw(st.integers(0, 2))):
                    entry = {"item": item.item, "reason": "扣分"}
                    if item.rule == "per_occurrence":
                        entry["occurrences"] = draw(st.integers(0, 15))
                    else:
                        entry["points"] = draw(hundredths(0, 60))
                    if draw(st.booleans()):
                        entry["matter"] = draw(st.sampled_from(["事项一", "事项二"]))
                    unit.setdefault("deductions", []).append(entry)
    if inputs:
        unit["inputs"] = inputs
    g = scheme.grading
    flags = [{}]
    if g is not None:
        flags.append({"downgrade": True})
        if g.veto is not None:
            flags += [{"veto": "否决"}, {"veto": True, "downgrade": True}]
    unit["flags"] = draw(st.sampled_from(flags))
    return unit


def group_names(scheme: Scheme) -> list[str]:
    """Groups the scheme names (so per-group rules are exercised), else two plain ones."""
    named = sorted(scheme.grading.group_rules) if scheme.grading else []
    return [*named, "甲组", "乙组"]


@st.composite
def inputs(draw: st.DrawFn, scheme: Scheme, max_units: int = 10) -> dict[str, Any]:
    size = draw(st.integers(1, max_units))
    names = group_names(scheme)
    groups: dict[str, list[dict[str, Any]]] = {}
    for i in range(size):
        code = f"U{i:02d}"
        groups.setdefault(draw(st.sampled_from(names)), []).append(draw(unit_input(scheme, code)))
    return {"groups": [{"group": name, "units": units} for name, units in groups.items()]}
