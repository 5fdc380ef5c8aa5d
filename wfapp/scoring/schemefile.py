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

from wfapp.scoring.numbers import ONE, ROUNDING_MODES, ZERO, Rounding, fmt, pct
from wfapp.scoring.scheme import (
    BonusComponent,
    BonusLevel,
    Component,
    DeductionComponent,
    DeductionItem,
    IndicatorsComponent,
    InputComponent,
    Scheme,
    SchemeError,
    ScoreComponent,
    Section,
    SharedCap,
    SheetRule,
    Split,
)
from wfapp.scoring.schemegrades import grading, pay, peek
from wfapp.scoring.yamlread import Located, Problem, compose

T = TypeVar("T")

METHODS = ("weighted", "additive")
COMPONENT_TYPES = ("indicators", "input", "bonus", "deduction")
AGGREGATES = ("mean", "median", "trimmed_mean")
DEDUCTION_RULES = ("per_occurrence", "per_count", "as_entered")
GRADE_RULES = ("below", "at_least", "top_ratio", "top_n", "bottom_n", "default")
OVERFLOW = ("drop", "carry")
JOINT_MODES = ("each", "divided")
ROUND_AT = ("parts", "total")

_TOP_KEYS = (
    "scheme", "title", "source", "scale", "total", "rounding", "components", "grades", "pay",
)  # fmt: skip
_REQUIRED = ("scheme", "title", "scale", "total", "rounding", "components")
_TYPE_KEYS = {
    "indicators": ("weight", "max", "sheets"),
    "input": ("weight", "max", "input"),
    "bonus": ("levels", "cap", "split", "sections", "in_scale"),
    "deduction": ("items", "cap", "points", "overflow", "split", "shared_caps"),
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
    f = root.fields(_TOP_KEYS, required=_REQUIRED)
    if f is None:
        return None
    sid = _opt(f, "scheme", Located.text)
    title = _opt(f, "title", Located.text)
    source = _opt(f, "source", Located.text)
    scale = _opt(f, "scale", lambda y: y.decimal(positive=True))
    method = _opt(f, "total", lambda y: y.choice(METHODS, "合成方式"))
    read = _opt(f, "rounding", _rounding)
    rounding, total_only = read if read else (None, False)
    components: list[Component | None] = []
    names: list[str] = []
    if "components" in f:
        # Check the parts even when the header is wrong: one run reports everything.
        fallback = rounding or Rounding(2, "ROUND_HALF_UP")
        entries = f["components"].items()
        for entry in entries:
            name = peek(entry, "name")
            if name in names:
                entry.error(f"组成部分名称 '{name}' 重复")
            elif name:
                names.append(name)
        sheet_default = None if total_only else fallback
        components = [
            _component(y, method or "weighted", scale or ONE, sheet_default) for y in entries
        ]
        if method and scale:
            _check_components(f["components"], components, method, scale)
    grades = _opt(f, "grades", lambda y: grading(y, names))
    pay_bands = _opt(f, "pay", pay)
    if None in (sid, title, scale, method, rounding) or None in components:
        return None
    if ("grades" in f and grades is None) or ("pay" in f and pay_bands is None):
        return None
    if grades and grades.veto and grades.veto.pay == "lowest" and pay_bands is None:
        f["grades"].error(
            "一票否决 pay: lowest 需要方案写明 pay（奖金档次）", f["grades"].entry_line
        )
        return None
    assert sid and title and scale and method and rounding
    parts = tuple(c for c in components if c)
    return Scheme(sid, title, source, scale, method, rounding, parts, grades, pay_bands, total_only)


def _rounding(y: Located) -> tuple[Rounding, bool] | None:
    """The rounding rule and whether it applies to the total only (`at: total`)."""
    f = y.fields(("places", "mode", "at"), required=("places", "mode"))
    if f is None:
        return None
    places = _opt(f, "places", lambda v: v.integer(minimum=0))
    mode = _opt(f, "mode", lambda v: v.choice(ROUNDING_MODES, "舍入方式"))
    at = _opt(f, "at", lambda v: v.choice(ROUND_AT, "舍入位置"))
    if places is not None and places > 10:
        f["places"].error("小数位数不能超过 10")
        return None
    if places is None or not mode or ("at" in f and at is None):
        return None
    return Rounding(places, mode), at == "total"


def _component(
    y: Located, method: str, scale: Decimal, rounding: Rounding | None
) -> Component | None:
    kind = peek(y, "type")
    type_keys = _TYPE_KEYS.get(kind or "", _ALL_TYPE_KEYS)
    # A key of another type of part: say which types use it ('cap' 只用于 bonus、deduction).
    elsewhere = {
        key: "只用于 "
        + "、".join(t for t, keys in _TYPE_KEYS.items() if key in keys)
        + " 类组成部分"
        for key in _ALL_TYPE_KEYS
        if key not in type_keys
    }
    f = y.fields(
        ("name", "label", "type", *type_keys),
        required=("name", "label", "type"),
        elsewhere=elsewhere,
    )
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
        return _bonus_component(y, f, name, label, method)
    return _deduction_component(y, f, name, label, method)


def _score_component(
    y: Located,
    f: dict[str, Located],
    kind: str,
    name: str,
    label: str,
    method: str,
    scale: Decimal,
    rounding: Rounding | None,
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


def _sheets(y: Located, default: Rounding | None) -> SheetRule | None:
    f = y.fields(("aggregate", "trim_from", "rounding"), required=("aggregate",))
    if f is None:
        return None
    aggregate = _opt(f, "aggregate", lambda v: v.choice(AGGREGATES, "评分合成方式"))
    trim_from = _opt(f, "trim_from", lambda v: v.integer(minimum=3))
    read = _opt(f, "rounding", _rounding) if "rounding" in f else None
    rounding = read[0] if read else default
    if read and read[1]:
        f["rounding"].error("评分表的舍入只对每项指标，不用 'at'")
        return None
    if aggregate == "trimmed_mean" and "trim_from" not in f:
        y.error("trimmed_mean 需要 'trim_from'：至少几份评分表时才去掉最高分和最低分（≥ 3）")
        return None
    if aggregate in ("mean", "median") and "trim_from" in f:
        f["trim_from"].error(f"'trim_from' 只用于 trimmed_mean，不用于 {aggregate}")
        return None
    if (
        not aggregate
        or ("rounding" in f and read is None)
        or ("trim_from" in f and trim_from is None)
    ):
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
    y: Located, f: dict[str, Located], name: str, label: str, method: str
) -> BonusComponent | None:
    sections: list[Section | None] = []
    for item in f["sections"].items() if "sections" in f else []:
        sf = item.fields(("key", "label", "cap"), required=("key", "label", "cap"))
        if sf is None:
            sections.append(None)
            continue
        key = _opt(sf, "key", Located.text)
        sec_label = _opt(sf, "label", Located.text)
        sec_cap = _opt(sf, "cap", lambda v: v.decimal(positive=True))
        if key and any(s and s.key == key for s in sections):
            sf["key"].error(f"分项 '{key}' 重复")
            key = None
        sections.append(Section(key, sec_label, sec_cap) if key and sec_label and sec_cap else None)
    keys = [s.key for s in sections if s]
    levels: list[BonusLevel | None] = []
    for item in f["levels"].items() if "levels" in f else []:
        allowed = ("key", "label", "points", "section")
        lf = item.fields(allowed, required=("key", "label", "points"))
        if lf is None:
            levels.append(None)
            continue
        key = _opt(lf, "key", Located.text)
        level_label = _opt(lf, "label", Located.text)
        points = _opt(lf, "points", lambda v: v.decimal(positive=True))
        section = _opt(lf, "section", lambda v: v.choice(keys, "加分分项"))
        ok = key and level_label and points and ("section" not in lf or section)
        if key and any(lv and lv.key == key for lv in levels):
            lf["key"].error(f"级别 '{key}' 重复")
            ok = False
        levels.append(BonusLevel(key, level_label, points, section) if ok else None)
    cap = _opt(f, "cap", lambda v: v.decimal(positive=True))
    split = _opt(f, "split", _split)
    in_scale = _opt(f, "in_scale", Located.boolean)
    if in_scale and method == "weighted":
        f["in_scale"].error("加权合成按 scale 计分，加分部分不计入满分；in_scale 只用于加法合成")
        return None
    if in_scale and "cap" not in f:
        f["in_scale"].error("计入满分（in_scale）的加分部分须有 cap（该部分的分值）")
        return None
    bad = ("cap" in f and cap is None) or None in levels or None in sections
    if bad or ("split" in f and split is None) or ("in_scale" in f and in_scale is None):
        return None
    return BonusComponent(
        name,
        label,
        tuple(lv for lv in levels if lv),
        cap,
        split,
        tuple(s for s in sections if s),
        bool(in_scale),
    )


def _deduction_item(y: Located) -> DeductionItem | None:
    keys = ("item", "label", "rule", "points", "count", "item_points", "forfeit_at")
    f = y.fields(keys, required=("item", "label", "rule"))
    if f is None:
        return None
    key = _opt(f, "item", Located.text)
    label = _opt(f, "label", Located.text)
    rule = _opt(f, "rule", lambda v: v.choice(DEDUCTION_RULES, "扣分规则"))
    points = _opt(f, "points", lambda v: v.decimal(positive=True))
    count = _opt(f, "count", Located.text)
    item_points = _opt(f, "item_points", lambda v: v.decimal(positive=True))
    forfeit_at = _opt(f, "forfeit_at", lambda v: v.integer(minimum=1))
    if "forfeit_at" in f and "item_points" not in f:
        f["forfeit_at"].error("“N 次以上此项不得分”（forfeit_at）需要 item_points：此项的分值")
        return None
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
    if ("item_points" in f and item_points is None) or ("forfeit_at" in f and forfeit_at is None):
        return None
    assert key and label and rule
    return DeductionItem(key, label, rule, points, count, item_points, forfeit_at)


def _deduction_component(
    y: Located, f: dict[str, Located], name: str, label: str, method: str
) -> DeductionComponent | None:
    if "items" not in f:
        y.error("扣分类组成部分缺少 'items'")
    if "cap" in f and "points" in f:
        y.error(
            "扣分类组成部分用 'cap'（最多扣几分）或 'points'（扣分制：该部分的分值），不能都写；"
            "都不写则不封顶"
        )
        return None
    if "points" in f and method == "weighted":
        f["points"].error("扣分制分值（points）只用于加法合成；加权合成请用 cap")
        return None
    if "overflow" in f and "cap" not in f and "points" not in f:
        f["overflow"].error("不封顶的扣分部分没有超出部分，不用 'overflow'")
        return None
    entries = f["items"].items() if "items" in f else []
    items = [_deduction_item(i) for i in entries]
    cap = _opt(f, "cap", lambda v: v.decimal(positive=True))
    points = _opt(f, "points", lambda v: v.decimal(positive=True))
    overflow = _opt(f, "overflow", lambda v: v.choice(OVERFLOW, "超出部分处理方式"))
    split = _opt(f, "split", _split)
    known = [k for k in (peek(i, "item") for i in entries) if k]
    shared = [_shared_cap(c, known) for c in f["shared_caps"].items()] if "shared_caps" in f else []
    bad = ("cap" in f and cap is None) or ("points" in f and points is None)
    bad = bad or ("overflow" in f and overflow is None) or None in shared
    if bad or not items or None in items or ("split" in f and split is None):
        return None
    return DeductionComponent(
        name,
        label,
        tuple(i for i in items if i),
        cap,
        points,
        overflow or "drop",
        split,
        tuple(c for c in shared if c),
    )


def _shared_cap(y: Located, known: list[str]) -> SharedCap | None:
    """`{label, items: [a, b], points: 1}`: the items together take at most `points`."""
    f = y.fields(("label", "items", "points"), required=("label", "items", "points"))
    if f is None:
        return None
    label = _opt(f, "label", Located.text)
    points = _opt(f, "points", lambda v: v.decimal(positive=True))
    items = [i.choice(known, "扣分事项") for i in f["items"].items()] if "items" in f else []
    if len(items) < 2 and "items" in f:
        f["items"].error("共用封顶至少需要两个事项")
        return None
    if len(set(items)) != len(items):
        f["items"].error("共用封顶的事项重复")
        return None
    if not label or points is None or not items or None in items:
        return None
    return SharedCap(label, tuple(i for i in items if i), points)


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
    for c in components:
        shared = (
            [i for cap in c.shared_caps for i in cap.items]
            if isinstance(c, DeductionComponent)
            else []
        )
        for dup in sorted({i for i in shared if shared.count(i) > 1}):
            y.error(f"{c.name}: 扣分事项 '{dup}' 属于多个共用封顶", y.entry_line)
    scored = [c for c in components if isinstance(c, IndicatorsComponent | InputComponent)]
    based = [c for c in components if isinstance(c, DeductionComponent) and c.points]
    if not scored and not based:
        y.error(
            "至少需要一个计分的组成部分（indicators 或 input），或一个有基础分值（points）的扣分部分",
            y.entry_line,
        )
    elif method == "weighted":
        total = sum((c.weight or ZERO for c in scored), ZERO)
        if total != ONE:
            terms = " + ".join(f"{c.name} {pct(c.weight or ZERO)}" for c in scored)
            y.error(f"加权组成部分的权重合计 {pct(total)}（{terms}），应为 100%", y.entry_line)
    else:
        parts = [(c.name, c.max) for c in scored]
        parts += [(c.name, c.points) for c in based if c.points]
        parts += [
            (c.name, c.cap)
            for c in components
            if isinstance(c, BonusComponent) and c.in_scale and c.cap
        ]
        total = sum((p for _, p in parts), ZERO)
        if total != scale:
            terms = " + ".join(f"{n} {fmt(p)}" for n, p in parts)
            y.error(
                f"各组成部分分值合计 {fmt(total)}（{terms}），应等于 scale {fmt(scale)}",
                y.entry_line,
            )
