"""Reading and checking a scheme's YAML (format: docs/scoring.md).

Every problem is reported with its line (`SchemeError.problems`), so `wfapp scheme check` can
print `file:line: message` for each one instead of stopping at the first. Readers return None
after recording a problem, and the checks go on, so one run reports everything it can see.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import yaml

from wfapp.scoring.numbers import COUNT_ROUNDING, ONE, ROUNDING_MODES, ZERO, Rounding, fmt, pct
from wfapp.scoring.scheme import (
    BonusComponent,
    BonusLevel,
    Component,
    DeductionComponent,
    DeductionItem,
    Grade,
    GradeRule,
    Grading,
    IndicatorsComponent,
    InputComponent,
    Scheme,
    SchemeError,
    ScoreComponent,
    SheetRule,
    Split,
)
from wfapp.scoring.yamlread import Located, Problem, compose

T = TypeVar("T")

METHODS = ("weighted", "additive")
COMPONENT_TYPES = ("indicators", "input", "bonus", "deduction")
AGGREGATES = ("mean", "median", "trimmed_mean")
DEDUCTION_RULES = ("per_occurrence", "per_count", "as_entered")
GRADE_RULES = ("below", "at_least", "top_ratio", "top_n", "bottom_n", "default")
OVERFLOW = ("drop", "carry")
JOINT_MODES = ("each", "divided")
TIE_RULES = ("share_better",)

_TOP_KEYS = ("scheme", "title", "source", "scale", "total", "rounding", "components", "grades")
_TYPE_KEYS = {
    "indicators": ("weight", "max", "sheets"),
    "input": ("weight", "max", "input"),
    "bonus": ("levels", "cap", "split"),
    "deduction": ("items", "cap", "points", "overflow", "split"),
}
_ALL_TYPE_KEYS = tuple(dict.fromkeys(k for keys in _TYPE_KEYS.values() for k in keys))


# -- loading ----------------------------------------------------------------------


def load_scheme(source: str | Path, *, name: str | None = None) -> Scheme:
    """Read and check a scheme from a file path or from YAML text.

    A `str` is a path when it has no line break and names a .yaml/.yml file or an existing
    file; otherwise it is the YAML text itself. `name` is what messages call the source.
    """
    if isinstance(source, Path) or (
        "\n" not in source and (source.endswith((".yaml", ".yml")) or Path(source).is_file())
    ):
        path = Path(source)
        label = name or str(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SchemeError([(1, f"无法读取文件：{exc.strerror or exc}")], label) from exc
    else:
        text, label = source, name or "<scheme>"
    problems: list[Problem] = []
    node = compose(text, problems)
    scheme = _scheme(Located(node, "", problems)) if node is not None else None
    if problems or scheme is None:
        raise SchemeError(problems or [(1, "方案不完整")], label)
    return scheme


def _opt(fields: dict[str, Located], key: str, read: Callable[[Located], T | None]) -> T | None:
    return read(fields[key]) if key in fields else None


def _scheme(root: Located) -> Scheme | None:
    f = root.fields(_TOP_KEYS, required=[k for k in _TOP_KEYS if k != "source"])
    if f is None:
        return None
    sid = _opt(f, "scheme", Located.text)
    title = _opt(f, "title", Located.text)
    source = _opt(f, "source", Located.text)
    scale = _opt(f, "scale", lambda y: y.decimal(positive=True))
    method = _opt(f, "total", lambda y: y.choice(METHODS, "合成方式"))
    rounding = _opt(f, "rounding", _rounding)
    components: list[Component | None] = []
    names: list[str] = []
    if "components" in f:
        # Check the parts even when the header is wrong: one run reports everything.
        fallback = rounding or Rounding(2, "ROUND_HALF_UP")
        entries = f["components"].items()
        for entry in entries:
            name = _peek(entry, "name")
            if name in names:
                entry.error(f"组成部分名称 '{name}' 重复")
            elif name:
                names.append(name)
        components = [_component(y, method or "weighted", scale or ONE, fallback) for y in entries]
        if method and scale:
            _check_components(f["components"], components, method, scale)
    grading = _opt(f, "grades", lambda y: _grading(y, names))
    if None in (sid, title, scale, method, rounding, grading) or None in components:
        return None
    assert sid and title and scale and method and rounding and grading
    return Scheme(
        sid, title, source, scale, method, rounding, tuple(c for c in components if c), grading
    )


def _rounding(y: Located) -> Rounding | None:
    f = y.fields(("places", "mode"), required=("places", "mode"))
    if f is None:
        return None
    places = _opt(f, "places", lambda v: v.integer(minimum=0))
    mode = _opt(f, "mode", lambda v: v.choice(ROUNDING_MODES, "舍入方式"))
    if places is not None and places > 10:
        f["places"].error("小数位数不能超过 10")
        return None
    return Rounding(places, mode) if places is not None and mode else None


def _peek(y: Located, key: str) -> str | None:
    """A scalar value of a mapping, read before the mapping itself is checked."""
    node = getattr(y.node, "value", None)
    if not isinstance(node, list):
        return None
    for k, v in node:
        if getattr(k, "value", None) == key and isinstance(getattr(v, "value", None), str):
            return v.value
    return None


def _component(y: Located, method: str, scale: Decimal, rounding: Rounding) -> Component | None:
    kind = _peek(y, "type")
    type_keys = _TYPE_KEYS.get(kind or "", _ALL_TYPE_KEYS)
    f = y.fields(("name", "label", "type", *type_keys), required=("name", "label", "type"))
    if f is None:
        return None
    name = _opt(f, "name", Located.text)
    label = _opt(f, "label", Located.text)
    kind = _opt(f, "type", lambda v: v.choice(COMPONENT_TYPES, "组成部分类型"))
    if not (name and label and kind):
        return None
    if kind in ("indicators", "input"):
        return _score_component(y, f, kind, name, label, method, scale, rounding)
    if kind == "bonus":
        return _bonus_component(y, f, name, label)
    return _deduction_component(y, f, name, label, method)


def _score_component(
    y: Located,
    f: dict[str, Located],
    kind: str,
    name: str,
    label: str,
    method: str,
    scale: Decimal,
    rounding: Rounding,
) -> ScoreComponent | None:
    weight: Decimal | None = None
    top = scale  # weighted: every weighted part is scored on the scheme's scale
    if method == "weighted":
        if "max" in f:
            f["max"].error("加权合成（total: weighted）的组成部分按 scale 计分，不用 max")
        if "weight" not in f:
            y.error("加权合成的组成部分缺少 'weight'（如 70%）")
            return None
        weight = f["weight"].percent()
    else:
        if "weight" in f:
            f["weight"].error("加法合成（total: additive）的组成部分用 max 表示分值，不用 weight")
        if "max" not in f:
            y.error("加法合成的组成部分缺少 'max'（该部分的分值）")
            return None
        top = f["max"].decimal(positive=True) or ZERO
    if (method == "weighted" and weight is None) or not top:
        return None
    if kind == "input":
        source = _opt(f, "input", Located.text)
        if "input" not in f:
            y.error("缺少 'input'（读取单位的哪一项输入，如 public_score）")
        return InputComponent(name, label, weight, top, source) if source else None
    if "sheets" not in f:
        y.error("缺少 'sheets'（评分表如何合成指标得分）")
        return None
    sheets = _sheets(f["sheets"], rounding)
    return IndicatorsComponent(name, label, weight, top, sheets) if sheets else None


def _sheets(y: Located, default: Rounding) -> SheetRule | None:
    f = y.fields(("aggregate", "trim_from", "rounding"), required=("aggregate",))
    if f is None:
        return None
    aggregate = _opt(f, "aggregate", lambda v: v.choice(AGGREGATES, "评分合成方式"))
    trim_from = _opt(f, "trim_from", lambda v: v.integer(minimum=3))
    rounding = _opt(f, "rounding", _rounding) if "rounding" in f else default
    if aggregate == "trimmed_mean" and "trim_from" not in f:
        y.error("trimmed_mean 需要 'trim_from'：至少几份评分表时才去掉最高分和最低分（≥ 3）")
        return None
    if aggregate in ("mean", "median") and "trim_from" in f:
        f["trim_from"].error(f"'trim_from' 只用于 trimmed_mean，不用于 {aggregate}")
        return None
    if not aggregate or rounding is None or ("trim_from" in f and trim_from is None):
        return None
    return SheetRule(aggregate, trim_from, rounding)


def _split(y: Located) -> Split | None:
    f = y.fields(("lead", "joint", "joint_mode"), required=("lead", "joint"))
    if f is None:
        return None
    lead = _opt(f, "lead", Located.percent)
    joint = _opt(f, "joint", Located.percent)
    mode = _opt(f, "joint_mode", lambda v: v.choice(JOINT_MODES, "配合单位分配方式"))
    if lead is None or joint is None or ("joint_mode" in f and mode is None):
        return None
    return Split(lead, joint, mode or "each")


def _bonus_component(
    y: Located, f: dict[str, Located], name: str, label: str
) -> BonusComponent | None:
    for key in ("levels", "cap"):
        if key not in f:
            y.error(f"正向激励类组成部分缺少 '{key}'")
    levels: list[BonusLevel | None] = []
    if "levels" in f:
        for item in f["levels"].items():
            lf = item.fields(("key", "label", "points"), required=("key", "label", "points"))
            if lf is None:
                levels.append(None)
                continue
            key = _opt(lf, "key", Located.text)
            level_label = _opt(lf, "label", Located.text)
            points = _opt(lf, "points", lambda v: v.decimal(positive=True))
            ok = key and level_label and points
            if key and any(lv and lv.key == key for lv in levels):
                lf["key"].error(f"级别 '{key}' 重复")
                ok = False
            levels.append(BonusLevel(key, level_label, points) if ok else None)
    cap = _opt(f, "cap", lambda v: v.decimal(positive=True))
    split = _opt(f, "split", _split)
    if cap is None or None in levels or not levels or ("split" in f and split is None):
        return None
    return BonusComponent(name, label, tuple(lv for lv in levels if lv), cap, split)


def _deduction_item(y: Located) -> DeductionItem | None:
    keys = ("item", "label", "rule", "points", "count", "item_points")
    f = y.fields(keys, required=("item", "label", "rule"))
    if f is None:
        return None
    key = _opt(f, "item", Located.text)
    label = _opt(f, "label", Located.text)
    rule = _opt(f, "rule", lambda v: v.choice(DEDUCTION_RULES, "扣分规则"))
    points = _opt(f, "points", lambda v: v.decimal(positive=True))
    count = _opt(f, "count", Located.text)
    item_points = _opt(f, "item_points", lambda v: v.decimal(positive=True))
    needs = {"per_occurrence": ("points",), "per_count": ("points", "count"), "as_entered": ()}
    ok = bool(key and label and rule)
    if rule:
        for extra in ("points", "count"):
            if extra in needs[rule] and extra not in f:
                y.error(f"{rule} 规则需要 '{extra}'")
                ok = False
            elif extra not in needs[rule] and extra in f:
                f[extra].error(f"{rule} 规则不用 '{extra}'")
                ok = False
    if not ok or any(k in f and v is None for k, v in (("points", points), ("count", count))):
        return None
    if "item_points" in f and item_points is None:
        return None
    assert key and label and rule
    return DeductionItem(key, label, rule, points, count, item_points)


def _deduction_component(
    y: Located, f: dict[str, Located], name: str, label: str, method: str
) -> DeductionComponent | None:
    if "items" not in f:
        y.error("扣分类组成部分缺少 'items'")
    if ("cap" in f) == ("points" in f):
        y.error(
            "扣分类组成部分需要 'cap'（最多扣几分）或 'points'（扣分制：该部分的分值），二者选一"
        )
        return None
    if "points" in f and method == "weighted":
        f["points"].error("扣分制分值（points）只用于加法合成；加权合成请用 cap")
        return None
    items = [_deduction_item(i) for i in f["items"].items()] if "items" in f else []
    cap = _opt(f, "cap", lambda v: v.decimal(positive=True))
    points = _opt(f, "points", lambda v: v.decimal(positive=True))
    overflow = _opt(f, "overflow", lambda v: v.choice(OVERFLOW, "超出部分处理方式"))
    split = _opt(f, "split", _split)
    bad = (cap is None and points is None) or ("overflow" in f and overflow is None)
    if bad or not items or None in items or ("split" in f and split is None):
        return None
    return DeductionComponent(
        name, label, tuple(i for i in items if i), cap, points, overflow or "drop", split
    )


def _check_components(
    y: Located, components: list[Component | None], method: str, scale: Decimal
) -> None:
    """What no single component can see: unique item keys, parts that add up to the scale."""
    items: set[str] = set()
    for c in components:
        for item in c.items if isinstance(c, DeductionComponent) else ():
            if item.item in items:
                y.error(f"扣分事项 '{item.item}' 重复（事项名在整个方案中须唯一）", y.entry_line)
            items.add(item.item)
    if None in components:
        return  # the sums below would only repeat an earlier problem
    scored = [c for c in components if isinstance(c, IndicatorsComponent | InputComponent)]
    if not scored:
        y.error("至少需要一个计分的组成部分（indicators 或 input）", y.entry_line)
    elif method == "weighted":
        total = sum((c.weight or ZERO for c in scored), ZERO)
        if total != ONE:
            terms = " + ".join(f"{c.name} {pct(c.weight or ZERO)}" for c in scored)
            y.error(f"加权组成部分的权重合计 {pct(total)}（{terms}），应为 100%", y.entry_line)
    else:
        parts = [(c.name, c.max) for c in scored]
        parts += [
            (c.name, c.points) for c in components if isinstance(c, DeductionComponent) and c.points
        ]
        total = sum((p for _, p in parts), ZERO)
        if total != scale:
            terms = " + ".join(f"{n} {fmt(p)}" for n, p in parts)
            y.error(
                f"各组成部分分值合计 {fmt(total)}（{terms}），应等于 scale {fmt(scale)}",
                y.entry_line,
            )


# -- grades ----------------------------------------------------------------------


def _grading(y: Located, components: list[str]) -> Grading | None:
    keys = ("levels", "rules", "ties", "downgrade_steps", "veto")
    f = y.fields(keys, required=("levels", "rules", "ties"))
    if f is None:
        return None
    entries = f["levels"].items() if "levels" in f else []
    levels = [_grade_level(i) for i in entries]
    known: list[str] = []
    for entry in entries:
        key = _peek(entry, "key")
        if key in known:
            entry.error(f"等次 '{key}' 重复")
        elif key:
            known.append(key)
    if len(levels) < 2 and "levels" in f:
        f["levels"].error("至少需要两个等次")
    rule_entries = f["rules"].items() if "rules" in f else []
    rules = [_grade_rule(i, known) for i in rule_entries]
    _check_rules(f, rule_entries)
    tie_component = _opt(f, "ties", lambda v: _ties(v, components))
    steps = _opt(f, "downgrade_steps", lambda v: v.integer(minimum=1))
    veto = _opt(f, "veto", lambda v: v.choice(known, "等次"))
    bad = not levels or None in levels or not rules or None in rules or len(levels) < 2
    bad = bad or ("ties" in f and tie_component is None)
    if bad or any(k in f and v is None for k, v in (("downgrade_steps", steps), ("veto", veto))):
        return None
    tie = None if tie_component == "share_better" else tie_component
    return Grading(
        tuple(g for g in levels if g), tuple(r for r in rules if r), tie, steps or 1, veto
    )


def _grade_level(y: Located) -> Grade | None:
    f = y.fields(
        ("key", "label", "reward_factor", "staff_quota"), required=("key", "label", "reward_factor")
    )
    if f is None:
        return None
    key = _opt(f, "key", Located.text)
    label = _opt(f, "label", Located.text)
    factor = _opt(f, "reward_factor", Located.percent)
    quota = _opt(f, "staff_quota", Located.percent)
    if not (key and label) or factor is None or ("staff_quota" in f and quota is None):
        return None
    return Grade(key, label, factor, quota)


def _grade_rule(y: Located, grades: list[str]) -> GradeRule | None:
    names = [k for k in y.key_names() if k in GRADE_RULES]
    if len(names) != 1:
        others = [k for k in y.key_names() if k not in ("grade", "rounding")]
        if not isinstance(y.node, yaml.MappingNode):
            y.error("应为映射，如 {top_ratio: 30%, rounding: floor, grade: excellent}")
        elif names:
            y.error(f"一条规则只能有一个条件，这里有 {'、'.join(names)}")
        elif others:
            y.error(f"未知的等次规则 '{others[0]}'（可用：{'、'.join(GRADE_RULES)}）")
        else:
            y.error(f"缺少规则条件（可用：{'、'.join(GRADE_RULES)}）")
        return None
    kind = names[0]
    if kind == "default":
        f = y.fields(("default",))
        grade = _opt(f or {}, "default", lambda v: v.choice(grades, "等次"))
        return GradeRule("default", grade) if grade else None
    allowed = (kind, "grade", "rounding") if kind == "top_ratio" else (kind, "grade")
    f = y.fields(allowed, required=(kind, "grade"))
    if f is None:
        return None
    if kind == "top_ratio" and "rounding" not in f:
        y.error(
            "top_ratio 需要 'rounding'：名额如何取整（floor 向下 / ceil 向上 / half_up 四舍五入）"
        )
        return None
    grade = _opt(f, "grade", lambda v: v.choice(grades, "等次"))
    rule: GradeRule | None = None
    if kind in ("below", "at_least"):
        limit = f[kind].decimal()
        rule = GradeRule(kind, grade, limit=limit) if limit is not None and grade else None
    elif kind in ("top_n", "bottom_n"):
        count = f[kind].integer(minimum=1)
        rule = GradeRule(kind, grade, count=count) if count is not None and grade else None
    else:
        ratio = f[kind].ratio()
        rounding = _opt(f, "rounding", lambda v: v.choice(COUNT_ROUNDING, "名额取整方式"))
        if ratio and rounding and grade:
            rule = GradeRule(kind, grade, ratio=ratio[0], ratio_text=ratio[1], rounding=rounding)
    return rule


def _check_rules(f: dict[str, Located], entries: list[Located]) -> None:
    kinds = [next((k for k in e.key_names() if k in GRADE_RULES), "") for e in entries]
    if entries and "default" not in kinds:
        f["rules"].error("最后一条规则须是 default（其余单位的等次）", f["rules"].entry_line)
    elif kinds.count("default") > 1 or (kinds and kinds[-1] != "default"):
        f["rules"].error("default 规则只能有一条，且必须是最后一条", f["rules"].entry_line)


def _ties(y: Located, components: list[str]) -> str | None:
    """`share_better`, or `{component: name}`: that component breaks equal totals, then share."""
    if isinstance(y.node, yaml.MappingNode):
        f = y.fields(("component",), required=("component",))
        return _opt(f or {}, "component", lambda v: v.choice(components, "组成部分"))
    if isinstance(y.node, yaml.ScalarNode) and y.node.value in TIE_RULES:
        return y.node.value
    y.error("同分规则应为 share_better，或 {component: 组成部分名称}")
    return None
