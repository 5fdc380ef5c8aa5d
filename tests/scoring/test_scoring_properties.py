"""Properties that must hold for any inputs, checked on generated groups (Hypothesis)."""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scoring.helpers import make_scheme, quanzhou
from wfapp.scoring import Scheme, evaluate

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Schemes under test: the shipped one, and a small one with joint splits and a per-count rule.
SCHEMES: dict[str, Scheme] = {
    "quanzhou": quanzhou(),
    "test": make_scheme(
        bonus_cap="25",
        bonus_split="\n    split: {lead: 80%, joint: 20%}",
        deduction_split="\n    split: {lead: 70%, joint: 30%, joint_mode: divided}",
    ),
}


def _hundredths(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals with two places, built from integers so no float is ever involved."""
    return st.integers(low * 100, high * 100).map(lambda n: Decimal(n) / 100)


# The engine takes any number the input format allows (no bound on a score or a count):
# each input is drawn from its usual range or, as often, from anywhere in a huge one.
HUGE = 10**9


def _any(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.one_of(_hundredths(low, high), _hundredths(-HUGE, HUGE))


@st.composite
def _unit(draw: st.DrawFn, code: str, codes: list[str], scheme: Scheme) -> dict[str, Any]:
    weights = draw(st.lists(st.sampled_from([5, 10, 20, 30, 40]), min_size=1, max_size=4))
    indicators = []
    for i, w in enumerate(weights):
        if draw(st.booleans()):
            sheets = draw(st.lists(_any(-2, w + 3), min_size=1, max_size=7))
            indicators.append({"code": f"1-{i + 1}", "weight": w, "sheets": sheets})
        else:
            indicators.append({"code": f"1-{i + 1}", "weight": w, "score": draw(_any(0, w))})
    bonus = scheme.component("bonus")
    levels = [lv.key for lv in bonus.levels]  # type: ignore[union-attr]
    others = [c for c in codes if c != code]
    joint = bonus.split is not None and others  # type: ignore[union-attr]
    bonuses = []
    for _ in range(draw(st.integers(0, 3))):
        entry: dict[str, Any] = {
            "work": draw(st.sampled_from(["甲", "乙", "丙"])),
            "level": draw(st.sampled_from(levels)),
            "reason": "加分",
        }
        if draw(st.booleans()):
            entry["points"] = draw(st.one_of(_hundredths(0, 4), _hundredths(0, HUGE)))
        if joint and draw(st.booleans()):
            entry["joint"] = draw(
                st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True)
            )
        bonuses.append(entry)
    deductions = []
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            deductions.append(
                {
                    "item": "inspection",
                    "points": draw(st.one_of(_hundredths(0, 4), _hundredths(0, HUGE))),
                    "reason": "扣分",
                }
            )
        else:
            deductions.append(
                {
                    "item": "late_report",
                    "occurrences": draw(st.integers(0, 8) | st.integers(0, HUGE)),
                    "reason": "逾期",
                }
            )
    flags = draw(st.sampled_from([{}, {"downgrade": True}, {"veto": "否决"}]))
    return {
        "unit": code,
        "name": f"单位{code}",
        "indicators": indicators,
        "public_score": draw(_any(0, 100)),
        "bonuses": bonuses,
        "deductions": deductions,
        "inputs": {"rectification_open_items": draw(st.integers(0, 6) | st.integers(0, HUGE))},
        "flags": flags,
    }


@st.composite
def _case(draw: st.DrawFn) -> tuple[Scheme, dict[str, Any]]:
    scheme = SCHEMES[draw(st.sampled_from(sorted(SCHEMES)))]
    size = draw(st.integers(1, 10))
    codes = [f"U{i:02d}" for i in range(size)]
    units = [draw(_unit(code, codes, scheme)) for code in codes]
    return scheme, {"groups": [{"group": "G", "units": units}]}


def _totals(scheme: Scheme, data: dict[str, Any]) -> dict[str, Decimal]:
    return {u.unit: u.total for u in evaluate(scheme, data).units}


@SETTINGS
@given(_case(), st.data())
def test_total_never_decreases_when_a_positive_input_grows(
    case: tuple[Scheme, dict[str, Any]], data: st.DataObject
) -> None:
    """Raising a public score, one evaluator's sheet, a direct indicator score or a bonus never
    lowers that unit's total (nor anyone else's: grades move, totals of others do not)."""
    scheme, inputs = case
    before = _totals(scheme, inputs)
    grown = copy.deepcopy(inputs)
    units = grown["groups"][0]["units"]
    target = data.draw(st.sampled_from(units))
    step = data.draw(st.one_of(_hundredths(0, 20), _hundredths(0, HUGE)))
    what = data.draw(st.sampled_from(["public", "indicator", "bonus"]))
    if what == "public":
        target["public_score"] += step
    elif what == "indicator":
        ind = data.draw(st.sampled_from(target["indicators"]))
        if "sheets" in ind:
            i = data.draw(st.integers(0, len(ind["sheets"]) - 1))
            ind["sheets"][i] += step
        else:
            ind["score"] += step
    else:
        levels = [lv.key for lv in scheme.component("bonus").levels]  # type: ignore[union-attr]
        target.setdefault("bonuses", []).append(
            {
                "work": "新",
                "level": data.draw(st.sampled_from(levels)),
                "points": step,
                "reason": "新增",
            }
        )
    after = _totals(scheme, grown)
    assert after[target["unit"]] >= before[target["unit"]]
    others = {k: v for k, v in after.items() if k != target["unit"]}
    assert others == {k: v for k, v in before.items() if k != target["unit"]}


@SETTINGS
@given(_case())
def test_total_never_exceeds_the_schemes_maximum(case: tuple[Scheme, dict[str, Any]]) -> None:
    """However large the inputs, no total passes the scheme's maximum (scale plus bonus cap)."""
    scheme, inputs = case
    assert all(t <= scheme.max_total for t in _totals(scheme, inputs).values())


@SETTINGS
@given(_case(), st.randoms(use_true_random=False))
def test_same_inputs_in_any_order_give_the_same_results(
    case: tuple[Scheme, dict[str, Any]], rnd: random.Random
) -> None:
    """Shuffling units, indicators, sheets, bonuses and deductions changes nothing at all, to the
    last line of every explanation."""
    scheme, inputs = case
    shuffled = copy.deepcopy(inputs)
    units = shuffled["groups"][0]["units"]
    rnd.shuffle(units)
    for u in units:
        for key in ("indicators", "bonuses", "deductions"):
            rnd.shuffle(u.get(key, []))
        for ind in u["indicators"]:
            rnd.shuffle(ind.get("sheets", []))
    assert evaluate(scheme, shuffled).as_dict() == evaluate(scheme, inputs).as_dict()


def test_maximum_is_reached_by_a_perfect_unit() -> None:
    """The maximum is not a loose bound: full marks and a full bonus reach it exactly (105)."""
    perfect = {
        "unit": "U01",
        "name": "满分单位",
        "indicators": [{"code": "1-1", "weight": 100, "score": "100"}],
        "public_score": "100",
        "bonuses": [{"work": w, "level": "nation", "reason": w} for w in ("甲", "乙")],
    }
    result = evaluate(quanzhou(), {"groups": [{"group": "G", "units": [perfect]}]}).unit("U01")
    assert result.total == quanzhou().max_total == Decimal(105)


def test_a_public_score_beyond_its_maximum_counts_as_the_maximum() -> None:
    """The public score is not bounded on input; the engine takes anything above full marks
    as full marks (and anything below 0 as 0), saying so in the explanation."""
    scheme = quanzhou()
    unit = {
        "unit": "U01",
        "name": "单位",
        "indicators": [{"code": "1-1", "weight": 100, "score": "100"}],
        "public_score": "100",
    }
    full = evaluate(scheme, {"groups": [{"group": "G", "units": [unit]}]}).unit("U01").total
    for beyond, same_as in (("1000000000", "100"), ("-1000000000", "0")):
        high = {**unit, "public_score": beyond}
        got = evaluate(scheme, {"groups": [{"group": "G", "units": [high]}]}).unit("U01")
        ref = {**unit, "public_score": same_as}
        want = evaluate(scheme, {"groups": [{"group": "G", "units": [ref]}]}).unit("U01")
        assert got.total == want.total
        assert any("按" in line for line in got.explanation), beyond
    assert full <= scheme.max_total
