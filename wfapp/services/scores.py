"""Scores per leaf: parsing points (Decimal, two places, 0 … weight) and what is still missing.

Shared by self-assessment and centralized evaluation; imports no other service."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from wfapp.database import db
from wfapp.models import EvaluationSheet, Indicator, Plan, SelfScore
from wfapp.services.errors import Problem
from wfapp.services.targets import format_points as _fmt
from wfapp.services.targets import parse_weight

CENT = Decimal("0.01")


def parse_leaf_row(
    leaves: Mapping[str, Indicator],
    item: Mapping[str, Any],
    text_key: str,
    text_label: str,
    max_len: int,
) -> tuple[str | None, Decimal | None, str, list[Problem]]:
    """One submitted row of a score form (self-assessment or evaluation sheet): its leaf
    code (None: not a leaf of this plan), score (0 … weight), text, and what is wrong."""
    code = str(item.get("code") or "")
    leaf = leaves.get(code)
    if leaf is None:
        return None, None, "", [Problem(code or "code", "不是本方案的末级指标")]
    score, problem = parse_points(item.get("score"), code, leaf.weight)
    problems = [problem] if problem else []
    text = str(item.get(text_key) or "").strip()
    if len(text) > max_len:
        problems.append(Problem(code, f"{text_label}不能超过{max_len}字"))
    return code, score, text, problems


def parse_points(
    raw: Any, field: str, maximum: Decimal, *, minimum: Decimal = Decimal(0)
) -> tuple[Decimal | None, Problem | None]:
    """`raw` as points between minimum and maximum with at most two decimals; empty is None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    value = parse_weight(raw)
    if value is None:
        return None, Problem(field, "分值必须是数字")
    if value != value.quantize(CENT):
        return None, Problem(field, "分值最多保留两位小数")
    if value < minimum or value > maximum:
        return None, Problem(field, f"分值应在 {_fmt(minimum)} 到 {_fmt(maximum)} 之间")
    return value.quantize(CENT), None


def fmt_points(value: Decimal | None) -> str:
    return "" if value is None else _fmt(value)


def self_scores(plan: Plan) -> dict[str, SelfScore]:
    rows = db.session.scalars(select(SelfScore).where(SelfScore.plan_id == plan.id))
    return {s.indicator_code: s for s in rows}


def missing_self_scores(plan: Plan) -> list[str]:
    """Leaf codes without a self score and an explanation."""
    have = self_scores(plan)
    return [leaf.code for leaf in plan.leaves if not (leaf.code in have and have[leaf.code].filled)]


def unscored(sheet: EvaluationSheet) -> list[str]:
    """Leaf codes the sheet has not scored yet."""
    scored = {i.indicator_code for i in sheet.items if i.score is not None}
    return [leaf.code for leaf in sheet.plan.leaves if leaf.code not in scored]
