"""Properties of every shipped scheme, on generated inputs (Hypothesis): bounds, vetoes, places,
order. What a clerk may rely on whichever method the office types in."""

from __future__ import annotations

import copy
import random
from fractions import Fraction
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scoring.helpers import ROOT
from tests.scoring.strategies import inputs
from wfapp.scoring import Scheme, evaluate, load_scheme
from wfapp.scoring.numbers import round_count

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A scheme with every rule the gallery does not already combine: uncapped deduction, a veto that
# only frees places (no grade, no cap), rules over named groups, a bonus without a cap.
EXTRA = """\
scheme: extra
title: 组合规则
scale: 100
total: additive
rounding: {places: 2, mode: ROUND_HALF_EVEN}
components:
  - {name: work, label: 工作实绩, type: indicators, max: 100, sheets: {aggregate: median}}
  - name: plus
    label: 加分
    type: bonus
    levels: [{key: a, label: 甲级, points: 1.5}]
  - name: minus
    label: 扣分
    type: deduction
    items:
      - {item: x, label: 问题, rule: as_entered}
      - {item: y, label: 差错, rule: per_occurrence, points: 0.3, item_points: 2, forfeit_at: 4}
grades:
  levels:
    - {key: a, label: 好, reward_factor: 150%}
    - {key: b, label: 中, reward_factor: 100%}
    - {key: c, label: 差, reward_factor: 0%}
  rules:
    - {top_ratio: 1/3, rounding: ceil, over: [甲组, 乙组], grade: a}
    - {bottom_n: 1, grade: c}
    - {default: b}
  ties: share_better
  veto: {leaves: [a]}
"""


@cache
def schemes() -> dict[str, Scheme]:
    found = {p.stem: load_scheme(p) for p in sorted((ROOT / "config" / "schemes").glob("*.yaml"))}
    found["extra"] = load_scheme(EXTRA, name="extra.yaml")
    return found


@st.composite
def case(draw: st.DrawFn) -> tuple[Scheme, dict[str, Any]]:
    scheme = schemes()[draw(st.sampled_from(sorted(schemes())))]
    return scheme, draw(inputs(scheme))


@SETTINGS
@given(case())
def test_totals_stay_within_the_declared_bounds(c: tuple[Scheme, dict[str, Any]]) -> None:
    """No total passes the scheme's maximum (its parts' full marks plus capped bonuses) nor its
    minimum (capped deductions); a scheme without a ceiling or floor says None."""
    scheme, data = c
    top, bottom = scheme.max_total, scheme.min_total
    for u in evaluate(scheme, data).units:
        assert top is None or u.total <= top
        assert bottom is None or u.total >= bottom


def _level(scheme: Scheme, key: str | None) -> int:
    assert scheme.grading is not None and key is not None
    return [g.key for g in scheme.grading.levels].index(key)


@SETTINGS
@given(case(), st.data())
def test_a_veto_never_improves_a_grade(
    c: tuple[Scheme, dict[str, Any]], data: st.DataObject
) -> None:
    """The same inputs with and without one unit's veto: with it, that unit's grade is never
    better, and its grade before flags is the one it has without the veto."""
    scheme, doc = c
    if scheme.grading is None or scheme.grading.veto is None:
        return
    units = [u for g in doc["groups"] for u in g["units"]]
    target = data.draw(st.sampled_from(units))
    with_veto, without = copy.deepcopy(doc), copy.deepcopy(doc)
    for g in with_veto["groups"]:
        for u in g["units"]:
            if u["unit"] == target["unit"]:
                u["flags"] = {**u["flags"], "veto": "否决"}
    for g in without["groups"]:
        for u in g["units"]:
            if u["unit"] == target["unit"]:
                u["flags"] = {k: v for k, v in u["flags"].items() if k != "veto"}
    vetoed = evaluate(scheme, with_veto).unit(target["unit"])
    free = evaluate(scheme, without).unit(target["unit"])
    assert _level(scheme, vetoed.grade) >= _level(scheme, free.grade)
    # The grade before flags is the grade it would have by the rules without its veto.
    assert vetoed.grade_before_flags == free.grade_before_flags


@SETTINGS
@given(case())
def test_top_places_are_never_more_than_declared(c: tuple[Scheme, dict[str, Any]]) -> None:
    """A "top N" (or top ratio) rule that alone grants its grade grants it to at most N units of
    the ranking, unless units share the last place (declared ties: share_better)."""
    scheme, doc = c
    g = scheme.grading
    if g is None:
        return
    results = evaluate(scheme, doc)
    seen: set[tuple[tuple[str, ...], str]] = set()
    for group in results.groups:
        rules = g.rules_of(group.name)
        for rule in rules:
            granting = [r for r in rules if r.grade == rule.grade]
            if rule.kind not in ("top_n", "top_ratio") or granting != [rule]:
                continue
            members = rule.pool.members(group.name, tuple(x.name for x in results.groups))
            pool = [u for x in results.groups if x.name in members for u in x.units]
            leaves = g.veto.leaves if g.veto else ()
            if (tuple(members), rule.grade) in seen:
                continue
            seen.add((tuple(members), rule.grade))
            holders = [
                u
                for u in pool
                if u.grade_before_flags == rule.grade
                and not (u.veto is not None and rule.grade in leaves)
            ]
            if rule.kind == "top_n":
                places = rule.count or 0
            else:
                assert rule.ratio is not None and rule.rounding is not None
                places = round_count(Fraction(len(pool)) * rule.ratio, rule.rounding)
            if len(holders) > places:
                lowest = min(u.total for u in holders)
                tied = [u for u in holders if u.total == lowest]
                assert len(tied) > 1 and len(holders) - len(tied) < places


@SETTINGS
@given(case(), st.randoms(use_true_random=False))
def test_order_of_units_and_entries_changes_no_result(
    c: tuple[Scheme, dict[str, Any]], rnd: random.Random
) -> None:
    """Shuffling groups, units, indicators, sheets and entries changes nothing at all, to the last
    line of every explanation."""
    scheme, doc = c
    shuffled = copy.deepcopy(doc)
    rnd.shuffle(shuffled["groups"])
    for g in shuffled["groups"]:
        rnd.shuffle(g["units"])
        for u in g["units"]:
            for key in ("indicators", "bonuses", "deductions"):
                rnd.shuffle(u.get(key, []))
            for ind in u["indicators"]:
                rnd.shuffle(ind.get("sheets", []))
    assert evaluate(scheme, shuffled).as_dict() == evaluate(scheme, doc).as_dict()
