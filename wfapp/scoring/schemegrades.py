"""Reading a scheme's `grades` (levels, rules, rules per group, ties, flags) and `pay` bands.

Part of `schemefile.load_scheme`: the same one-pass reading, each problem with its line.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from itertools import pairwise
from typing import TypeVar

import yaml

from wfapp.scoring.numbers import COUNT_ROUNDING
from wfapp.scoring.scheme import (
    GROUP_POOL,
    Grade,
    GradeRule,
    Grading,
    Pay,
    PayBand,
    Pool,
    Veto,
)
from wfapp.scoring.yamlread import Located, suggest

T = TypeVar("T")

GRADE_RULES = ("below", "at_least", "top_ratio", "top_n", "bottom_n", "default")
RANKED = ("top_ratio", "top_n", "bottom_n")
TIE_RULES = ("share_better",)
VETO_PAY = ("keep", "lowest")
# A factor may pass 100 % (高于平均数 10% 发放 = 110 %), never 1000 %.
MOST_FACTOR = Decimal(10)


def _opt(fields: dict[str, Located], key: str, read: Callable[[Located], T | None]) -> T | None:
    return read(fields[key]) if key in fields else None


def peek(y: Located, key: str) -> str | None:
    """A scalar value of a mapping, read before the mapping itself is checked."""
    node = getattr(y.node, "value", None)
    if not isinstance(node, list):
        return None
    for k, v in node:
        if getattr(k, "value", None) == key and isinstance(getattr(v, "value", None), str):
            return v.value
    return None


def grading(y: Located, components: list[str]) -> Grading | None:
    keys = ("levels", "rules", "groups", "ties", "downgrade_steps", "veto")
    f = y.fields(keys, required=("levels", "rules", "ties"))
    if f is None:
        return None
    entries = f["levels"].items() if "levels" in f else []
    levels = [_grade_level(i) for i in entries]
    known: list[str] = []
    for entry in entries:
        key = peek(entry, "key")
        if key in known:
            entry.error(f"等次 '{key}' 重复")
        elif key:
            known.append(key)
    if len(levels) < 2 and "levels" in f:
        f["levels"].error("至少需要两个等次")
    rules = _rules(f["rules"], known) if "rules" in f else None
    group_rules: dict[str, tuple[GradeRule, ...]] = {}
    groups_ok = True
    if "groups" in f:
        g = f["groups"]
        if not isinstance(g.node, yaml.MappingNode) or not g.node.value:
            g.error("应为映射：考评组名称: {rules: [...]}")
            groups_ok = False
        else:
            for name, located in g.fields([str(k.value) for k, _ in g.node.value] or ()).items():
                gf = located.fields(("rules",), required=("rules",))
                own = _rules(gf["rules"], known) if gf and "rules" in gf else None
                if own is None:
                    groups_ok = False
                else:
                    group_rules[name] = own
    tie_component = _opt(f, "ties", lambda v: _ties(v, components))
    steps = _opt(f, "downgrade_steps", lambda v: v.integer(minimum=1))
    veto = _opt(f, "veto", lambda v: _veto(v, known))
    bad = not levels or None in levels or rules is None or len(levels) < 2 or not groups_ok
    bad = bad or ("ties" in f and tie_component is None)
    if bad or any(k in f and v is None for k, v in (("downgrade_steps", steps), ("veto", veto))):
        return None
    assert rules is not None
    tie = None if tie_component == "share_better" else tie_component
    return Grading(tuple(g for g in levels if g), rules, tie, steps or 1, veto, group_rules)


def _rules(y: Located, known: list[str]) -> tuple[GradeRule, ...] | None:
    entries = y.items()
    rules = [_grade_rule(i, known) for i in entries]
    kinds = [next((k for k in e.key_names() if k in GRADE_RULES), "") for e in entries]
    ok = True
    if entries and "default" not in kinds:
        y.error("最后一条规则须是 default（其余单位的等次）", y.entry_line)
        ok = False
    elif kinds.count("default") > 1 or (kinds and kinds[-1] != "default"):
        y.error("default 规则只能有一条，且必须是最后一条", y.entry_line)
        ok = False
    if not ok or not rules or None in rules:
        return None
    return tuple(r for r in rules if r)


def _grade_level(y: Located) -> Grade | None:
    f = y.fields(
        ("key", "label", "reward_factor", "staff_quota"), required=("key", "label", "reward_factor")
    )
    if f is None:
        return None
    key = _opt(f, "key", Located.text)
    label = _opt(f, "label", Located.text)
    factor = _opt(f, "reward_factor", lambda v: v.percent(most=MOST_FACTOR))
    quota = _opt(f, "staff_quota", Located.percent)
    if not (key and label) or factor is None or ("staff_quota" in f and quota is None):
        return None
    return Grade(key, label, factor, quota)


def _pool(y: Located) -> Pool | None:
    """`over: group` (default), `over: program`, or `over: [组A, 组B]`."""
    if isinstance(y.node, yaml.SequenceNode):
        names = [i.text() for i in y.items()]
        if None in names:
            return None
        if len(set(names)) != len(names):
            y.error("排名范围中的考评组重复")
            return None
        return Pool(groups=tuple(n for n in names if n))
    choice = y.choice(("group", "program"), "排名范围")
    if choice is None:
        return None
    return Pool(program=True) if choice == "program" else GROUP_POOL


def _grade_rule(y: Located, grades: list[str]) -> GradeRule | None:
    if not isinstance(y.node, yaml.MappingNode):
        y.error("应为映射，如 {top_ratio: 30%, rounding: floor, grade: excellent}")
        return None
    written = y.key_names()
    names = [k for k in written if k in GRADE_RULES]
    if set(names) & set(RANKED) and "at_least" in names:
        names.remove("at_least")  # {top_n: 3, at_least: 85}: a rank and a total, both
    if len(names) != 1:
        others = [k for k in written if k not in ("grade", "rounding", "over", "at_least")]
        if names:
            y.error(f"一条规则只能有一个条件，这里有 {'、'.join(names)}")
        elif others:
            # A share of the group is written as a ratio: top_percent / top_pct mean top_ratio.
            share = any(w in others[0] for w in ("percent", "pct", "share"))
            hint = "，是否想写 'top_ratio'？" if share else suggest(others[0], GRADE_RULES)
            y.error(f"未知的等次规则 '{others[0]}'{hint}（可用：{'、'.join(GRADE_RULES)}）")
        else:
            y.error(f"缺少规则条件（可用：{'、'.join(GRADE_RULES)}）")
        return None
    kind = names[0]
    if kind == "default":
        f = y.fields(("default",))
        grade = _opt(f or {}, "default", lambda v: v.choice(grades, "等次"))
        return GradeRule("default", grade) if grade else None
    allowed: tuple[str, ...] = (kind, "grade")
    if kind in RANKED:
        allowed += ("over", "at_least")
    if kind == "top_ratio":
        allowed += ("rounding",)
    f = y.fields(allowed, required=(kind, "grade"))
    if f is None:
        return None
    if kind == "top_ratio" and "rounding" not in f:
        y.error(
            "top_ratio 需要 'rounding'：名额如何取整（floor 向下 / ceil 向上 / half_up 四舍五入）"
        )
        return None
    grade = _opt(f, "grade", lambda v: v.choice(grades, "等次"))
    pool = _opt(f, "over", _pool) if "over" in f else GROUP_POOL
    floor = _opt(f, "at_least", Located.decimal) if kind in RANKED else None
    if pool is None or (kind in RANKED and "at_least" in f and floor is None):
        return None
    rule: GradeRule | None = None
    if kind in ("below", "at_least"):
        limit = f[kind].decimal()
        rule = GradeRule(kind, grade, limit=limit) if limit is not None and grade else None
    elif kind in ("top_n", "bottom_n"):
        count = f[kind].integer(minimum=1)
        if count is not None and grade:
            rule = GradeRule(kind, grade, count=count, pool=pool, at_least=floor)
    else:
        ratio = f[kind].ratio()
        rounding = _opt(f, "rounding", lambda v: v.choice(COUNT_ROUNDING, "名额取整方式"))
        if ratio and rounding and grade:
            rule = GradeRule(
                kind,
                grade,
                ratio=ratio[0],
                ratio_text=ratio[1],
                rounding=rounding,
                pool=pool,
                at_least=floor,
            )
    return rule


def _ties(y: Located, components: list[str]) -> str | None:
    """`share_better`, or `{component: name}`: that component breaks equal totals, then share."""
    if isinstance(y.node, yaml.MappingNode):
        f = y.fields(("component",), required=("component",))
        return _opt(f or {}, "component", lambda v: v.choice(components, "组成部分"))
    if isinstance(y.node, yaml.ScalarNode) and y.node.value in TIE_RULES:
        return y.node.value
    written = str(getattr(y.node, "value", ""))
    hint = suggest(written, TIE_RULES)
    y.error(
        f"未知的同分规则 '{written}'{hint}（应为 share_better 并列，或 {{component: 组成部分名称}}）"
    )
    return None


def _veto(y: Located, grades: list[str]) -> Veto | None:
    """A grade key (定为该等次, the original form), or a mapping of the veto's effects."""
    if isinstance(y.node, yaml.ScalarNode):
        grade = y.choice(grades, "等次")
        return Veto(grade=grade) if grade else None
    f = y.fields(("grade", "at_most", "leaves", "pay"))
    if f is None:
        return None
    if "grade" in f and "at_most" in f:
        y.error("一票否决 'grade'（定为）与 'at_most'（最高只能评为）只能写一个")
        return None
    if not {"grade", "at_most", "leaves"} & set(f):
        y.error("一票否决需要 'grade'（定为）、'at_most'（最高只能评为）或 'leaves'（取消资格）")
        return None
    grade = _opt(f, "grade", lambda v: v.choice(grades, "等次"))
    at_most = _opt(f, "at_most", lambda v: v.choice(grades, "等次"))
    leaves = [v.choice(grades, "等次") for v in f["leaves"].items()] if "leaves" in f else []
    pay_rule = _opt(f, "pay", lambda v: v.choice(VETO_PAY, "一票否决对奖金档次的处理"))
    if None in leaves or any(k in f and v is None for k, v in (
        ("grade", grade), ("at_most", at_most), ("pay", pay_rule)
    )):  # fmt: skip
        return None
    return Veto(grade, at_most, tuple(x for x in leaves if x), pay_rule or "keep")


def pay(y: Located) -> Pay | None:
    """`pay: {label, bands: [{at_least: 85, label, factor}, …, {label, factor}]}`."""
    f = y.fields(("label", "bands"), required=("label", "bands"))
    if f is None:
        return None
    label = _opt(f, "label", Located.text)
    bands: list[PayBand | None] = []
    entries = f["bands"].items() if "bands" in f else []
    for entry in entries:
        bf = entry.fields(("at_least", "label", "factor"), required=("label", "factor"))
        if bf is None:
            bands.append(None)
            continue
        at_least = _opt(bf, "at_least", Located.decimal)
        band_label = _opt(bf, "label", Located.text)
        factor = _opt(bf, "factor", lambda v: v.percent(most=MOST_FACTOR))
        ok = band_label and factor is not None and ("at_least" not in bf or at_least is not None)
        bands.append(PayBand(band_label, factor, at_least) if ok else None)
    if entries and None not in bands:
        limits = [b.at_least for b in bands if b]
        if limits[-1] is not None or None in limits[:-1]:
            f["bands"].error(
                "最后一档不写 at_least（其余分数），其余各档都要写 at_least", f["bands"].entry_line
            )
            return None
        ordered = [x for x in limits if x is not None]
        if any(a <= b for a, b in pairwise(ordered)):
            f["bands"].error("各档 at_least 应从高到低排列", f["bands"].entry_line)
            return None
    if not label or not bands or None in bands:
        return None
    return Pay(label, tuple(b for b in bands if b))
