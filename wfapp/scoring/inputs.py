"""The inputs of an evaluation: plain data (parsed JSON) checked against a scheme.

`parse_inputs` turns dicts and lists into frozen dataclasses and reports every problem with the
path it is at (`groups[0].units[3].public_score`), as `InputError.problems`. Numbers may be
int, Decimal or numeric strings; a float is refused, because it has already lost digits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from wfapp.scoring.scheme import (
    BonusComponent,
    DeductionComponent,
    IndicatorsComponent,
    InputComponent,
    Scheme,
)
from wfapp.scoring.yamlread import suggest


class InputError(ValueError):
    """Inputs that cannot be evaluated; `problems` are (path, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self, source: str | None = None) -> list[str]:
        prefix = f"{source}: " if source else ""
        return [
            f"{prefix}{path}: {message}" if path else f"{prefix}{message}"
            for path, message in self.problems
        ]


@dataclass(frozen=True)
class IndicatorInput:
    code: str
    weight: Decimal
    sheets: tuple[Decimal, ...] | None  # evaluators' sheet scores, or
    score: Decimal | None  # a score given directly
    component: str


@dataclass(frozen=True)
class ItemInput:
    """A bonus or a deduction entry as filed under its (lead) unit."""

    path: str
    component: str
    reason: str
    joint: tuple[str, ...]  # joint units (配合单位); the unit it is filed under leads
    work: str | None = None  # bonus: the same work counts once
    level: str | None = None  # bonus
    item: str | None = None  # deduction
    occurrences: int | None = None  # deduction per_occurrence; bonus: 人次 times the points
    points: Decimal | None = None  # entered points (bonus override, deduction as_entered)
    matter: str | None = None  # deduction: the same matter counts once, at its highest
    section: str | None = None  # bonus: the sub-part (section) it counts in


@dataclass(frozen=True)
class UnitInput:
    code: str
    name: str
    indicators: tuple[IndicatorInput, ...]
    values: Mapping[str, Decimal]  # named inputs: public_score and any others
    bonuses: tuple[ItemInput, ...]
    deductions: tuple[ItemInput, ...]
    downgrade: str | None  # None: no flag; "" : flagged without a reason
    veto: str | None
    staff_count: int | None


@dataclass(frozen=True)
class GroupInput:
    name: str
    units: tuple[UnitInput, ...]


@dataclass(frozen=True)
class Inputs:
    groups: tuple[GroupInput, ...]

    @property
    def units(self) -> dict[str, UnitInput]:
        """Every unit by code, across groups (joint items may cross groups)."""
        return {u.code: u for g in self.groups for u in g.units}


def load_inputs(path: str | Path, scheme: Scheme) -> Inputs:
    """Read a JSON inputs file (numbers keep every digit) and check it against the scheme."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        where = f"第 {exc.lineno} 行第 {exc.colno} 列"
        raise InputError([("", f"JSON 格式错误（{where}）：{exc.msg}")]) from exc
    return parse_inputs(data, scheme)


def parse_inputs(data: Any, scheme: Scheme) -> Inputs:
    reader = _Reader(scheme)
    groups = reader.inputs(data)
    if reader.problems:
        raise InputError(reader.problems)
    return Inputs(groups)


class _Reader:
    """Walks the plain data once, collecting problems instead of stopping at the first."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.problems: list[tuple[str, str]] = []
        self.names = {
            k: [c.name for c in scheme.of_type(k)] for k in (IndicatorsComponent, BonusComponent)
        }

    def err(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def mapping(
        self, value: Any, path: str, allowed: Sequence[str], required: Sequence[str]
    ) -> bool:
        if not isinstance(value, Mapping):
            self.err(path, "应为对象（{…}）")
            return False
        for key in value:
            if key not in allowed:
                hint = suggest(str(key), allowed)
                self.err(path, f"未知的键 '{key}'{hint}（可用：{'、'.join(allowed)}）")
        for key in required:
            if key not in value:
                self.err(path, f"缺少 '{key}'")
        return True

    def items(self, value: Any, path: str) -> list[tuple[str, Any]]:
        if not isinstance(value, list):
            self.err(path, "应为列表（[…]）")
            return []
        return [(f"{path}[{i}]", v) for i, v in enumerate(value)]

    def text(self, value: Any, path: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.err(path, "应为非空文字")
        return None

    def number(self, value: Any, path: str, minimum: Decimal | None = None) -> Decimal | None:
        if isinstance(value, float):
            self.err(path, f"不接受浮点数 {value!r}：请用 Decimal、整数或数字字符串，以免丢失精度")
            return None
        number: Decimal | None = None
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite():
            self.err(path, f"应为数字，而不是 {value!r}")
            return None
        if minimum is not None and number < minimum:
            self.err(path, f"不能小于 {minimum}")
            return None
        return number

    def count(self, value: Any, path: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.err(path, f"应为非负整数，而不是 {value!r}")
            return None
        return value

    def flag(self, value: Any, path: str) -> str | None:
        """A flag is true/false or its reason; the reason is what the trace shows."""
        if value is None or value is False:
            return None
        if value is True:
            return ""
        if isinstance(value, str):
            return value.strip()
        self.err(path, "应为 true/false 或原因文字")
        return None

    # -- the document ------------------------------------------------------------------------

    def inputs(self, data: Any) -> tuple[GroupInput, ...]:
        if not self.mapping(data, "", ("scheme", "groups"), ("groups",)):
            return ()
        named = data.get("scheme")
        if named is not None and named != self.scheme.id:
            self.err("scheme", f"输入是为方案 '{named}' 准备的，而不是 '{self.scheme.id}'")
        groups = [self.group(v, p) for p, v in self.items(data.get("groups", []), "groups")]
        if not groups and "groups" in data:
            self.err("groups", "至少需要一个考评组")
        self.check_unique(groups)
        return tuple(g for g in groups if g)

    def check_unique(self, groups: list[GroupInput | None]) -> None:
        names: set[str] = set()
        codes: dict[str, str] = {}
        for i, g in enumerate(groups):
            if g is None:
                continue
            if g.name in names:
                self.err(f"groups[{i}].group", f"考评组 '{g.name}' 重复")
            names.add(g.name)
            for j, u in enumerate(g.units):
                if u.code in codes:
                    self.err(f"groups[{i}].units[{j}].unit", f"单位编码 '{u.code}' 重复")
                codes[u.code] = u.name
        for g in groups:
            for u in g.units if g else ():
                for entry in (*u.bonuses, *u.deductions):
                    for code in entry.joint:
                        if code not in codes:
                            self.err(f"{entry.path}.joint", f"配合单位 '{code}' 不在输入中")
                        elif code == u.code:
                            self.err(f"{entry.path}.joint", "牵头单位不能同时是配合单位")

    def group(self, value: Any, path: str) -> GroupInput | None:
        if not self.mapping(value, path, ("group", "units"), ("group", "units")):
            return None
        name = self.text(value.get("group"), f"{path}.group") if "group" in value else None
        units = [self.unit(v, p) for p, v in self.items(value.get("units", []), f"{path}.units")]
        if not units and "units" in value:
            self.err(f"{path}.units", "考评组至少需要一个单位")
        if name is None or None in units:
            return None
        return GroupInput(name, tuple(u for u in units if u))

    def unit(self, value: Any, path: str) -> UnitInput | None:
        keys = (
            "unit", "name", "indicators", "public_score", "inputs",
            "bonuses", "deductions", "flags", "staff_count",
        )  # fmt: skip
        if not self.mapping(value, path, keys, ("unit", "name")):
            return None
        before = len(self.problems)
        code = self.text(value.get("unit"), f"{path}.unit") if "unit" in value else None
        name = self.text(value.get("name"), f"{path}.name") if "name" in value else None
        indicators = tuple(
            self.indicator(v, p)
            for p, v in self.items(value.get("indicators", []), f"{path}.indicators")
        )
        codes = [i.code for i in indicators if i]
        for dup in sorted({c for c in codes if codes.count(c) > 1}):
            self.err(f"{path}.indicators", f"指标序号 '{dup}' 重复")
        values = self.values(value, path)
        bonuses = tuple(
            self.bonus(v, p) for p, v in self.items(value.get("bonuses", []), f"{path}.bonuses")
        )
        deductions = tuple(
            self.deduction(v, p)
            for p, v in self.items(value.get("deductions", []), f"{path}.deductions")
        )
        downgrade, veto = self.flags(value.get("flags", {}), f"{path}.flags")
        staff = value.get("staff_count")
        staff_count = self.count(staff, f"{path}.staff_count") if staff is not None else None
        if len(self.problems) > before or not code or not name:
            return None
        return UnitInput(
            code,
            name,
            tuple(i for i in indicators if i),
            values,
            tuple(b for b in bonuses if b),
            tuple(d for d in deductions if d),
            downgrade,
            veto,
            staff_count,
        )

    def values(self, unit: Mapping[str, Any], path: str) -> dict[str, Decimal]:
        """Named inputs: `public_score` has its own key; others sit under `inputs`."""
        raw: dict[str, tuple[str, Any]] = {}
        if "public_score" in unit:
            raw["public_score"] = (f"{path}.public_score", unit["public_score"])
        extra = unit.get("inputs", {})
        if not isinstance(extra, Mapping):
            self.err(f"{path}.inputs", "应为对象（名称: 数值）")
            extra = {}
        for key, v in extra.items():
            if key in raw:
                self.err(f"{path}.inputs.{key}", f"'{key}' 已有自己的键，不要放在 inputs 里")
            raw[key] = (f"{path}.inputs.{key}", v)
        values = {}
        for key, (p, v) in raw.items():
            number = self.number(v, p)
            if number is not None:
                values[key] = number
        for comp in self.scheme.of_type(InputComponent):
            if comp.input not in raw:
                where = f"{path}.public_score" if comp.input == "public_score" else f"{path}.inputs"
                self.err(where, f"缺少 {comp.label}（{comp.input}）")
        for comp in self.scheme.of_type(DeductionComponent):
            for item in comp.items:
                if item.count and item.count in values:
                    v = values[item.count]
                    if v < 0 or v != v.to_integral_value():
                        self.err(raw[item.count][0], f"{item.label}按个数计，应为非负整数")
        return values

    def indicator(self, value: Any, path: str) -> IndicatorInput | None:
        keys = ("code", "weight", "sheets", "score", "component")
        if not self.mapping(value, path, keys, ("code", "weight")):
            return None
        before = len(self.problems)
        code = self.text(value.get("code"), f"{path}.code") if "code" in value else None
        weight = self.number(value.get("weight"), f"{path}.weight") if "weight" in value else None
        if weight is not None and weight <= 0:
            self.err(f"{path}.weight", "权重应大于 0")
        sheets = score = None
        if ("sheets" in value) == ("score" in value):
            self.err(path, "需要 'sheets'（评分表得分列表）或 'score'（直接得分），二者选一")
        elif "sheets" in value:
            found = [self.number(v, p) for p, v in self.items(value["sheets"], f"{path}.sheets")]
            if not found and isinstance(value["sheets"], list):
                self.err(f"{path}.sheets", "至少需要一份评分表")
            sheets = tuple(s for s in found if s is not None)
        else:
            score = self.number(value["score"], f"{path}.score")
        component = self.pick(
            value.get("component"), f"{path}.component", IndicatorsComponent, "指标"
        )
        if len(self.problems) > before or code is None or weight is None or component is None:
            return None
        return IndicatorInput(code, weight, sheets, score, component)

    def pick(self, named: Any, path: str, kind: type, what: str) -> str | None:
        """The component an entry belongs to: named, or the scheme's only one of that kind."""
        options = self.names[kind]
        if named is not None:
            if named not in options:
                self.err(
                    path,
                    f"'{named}' 不是可录入{what}的组成部分（可用：{'、'.join(options) or '无'}）",
                )
                return None
            return named
        if len(options) == 1:
            return options[0]
        if not options:
            self.err(path.rsplit(".", 1)[0], f"方案 {self.scheme.id} 不接受{what}")
        else:
            self.err(
                path,
                f"方案有多个可录入{what}的组成部分，请用 component 指明（{'、'.join(options)}）",
            )
        return None

    def joint(self, value: Mapping[str, Any], path: str, component: Any) -> tuple[str, ...]:
        if "joint" not in value:
            return ()
        codes = [self.text(v, p) for p, v in self.items(value["joint"], f"{path}.joint")]
        if component is not None and component.split is None:
            self.err(
                f"{path}.joint", f"{component.label}未设置牵头/配合分成（split），不能填配合单位"
            )
        if len(set(codes)) != len(codes):
            self.err(f"{path}.joint", "配合单位重复")
        return tuple(c for c in codes if c)

    def bonus(self, value: Any, path: str) -> ItemInput | None:
        keys = ("work", "level", "points", "occurrences", "section", "reason", "joint", "component")
        if not self.mapping(value, path, keys, ("reason",)):
            return None
        before = len(self.problems)
        name = self.pick(value.get("component"), f"{path}.component", BonusComponent, "加分")
        comp = self.scheme.component(name) if name else None
        reason = self.text(value.get("reason"), f"{path}.reason") if "reason" in value else None
        work = self.text(value["work"], f"{path}.work") if "work" in value else None
        level = value.get("level")
        if level is not None and isinstance(comp, BonusComponent) and comp.level(level) is None:
            levels = "、".join(lv.key for lv in comp.levels)
            self.err(f"{path}.level", f"未知的级别 {level!r}（可用：{levels}）")
        points = (
            self.number(value["points"], f"{path}.points", Decimal(0))
            if "points" in value
            else None
        )
        if level is None and "points" not in value:
            self.err(path, "需要 'level'（按级别计分）或 'points'（录入分值）")
        times = (
            self.count(value["occurrences"], f"{path}.occurrences")
            if "occurrences" in value
            else None
        )
        section = value.get("section")
        bad = isinstance(comp, BonusComponent) and section is not None
        if bad and isinstance(comp, BonusComponent) and comp.section(section) is None:
            known = "、".join(s.key for s in comp.sections) or "无"
            self.err(f"{path}.section", f"未知的加分分项 {section!r}（可用：{known}）")
        joint = self.joint(value, path, comp)
        if len(self.problems) > before or not name or not reason:
            return None
        return ItemInput(
            path,
            name,
            reason,
            joint,
            work=work,
            level=level,
            points=points,
            occurrences=times,
            section=section,
        )

    def deduction(self, value: Any, path: str) -> ItemInput | None:
        keys = ("item", "occurrences", "points", "reason", "joint", "matter")
        if not self.mapping(value, path, keys, ("item", "reason")):
            return None
        before = len(self.problems)
        key = value.get("item")
        found = self.scheme.deduction_item(key) if isinstance(key, str) else None
        if found is None:
            if "item" in value:
                known = [i.item for c in self.scheme.of_type(DeductionComponent) for i in c.items]
                self.err(
                    f"{path}.item", f"未知的扣分事项 {key!r}（可用：{'、'.join(known) or '无'}）"
                )
            return None
        comp, item = found
        reason = self.text(value.get("reason"), f"{path}.reason") if "reason" in value else None
        occurrences = points = None
        if item.rule == "per_count":
            self.err(path, f"{item.label}按输入 {item.count} 的个数计，不逐条录入")
        elif item.rule == "per_occurrence":
            if "points" in value or "occurrences" not in value:
                self.err(path, f"{item.label}按次计分：填写 occurrences（次数），不填 points")
            else:
                occurrences = self.count(value["occurrences"], f"{path}.occurrences")
        elif "occurrences" in value or "points" not in value:
            self.err(path, f"{item.label}按录入分值计：填写 points，不填 occurrences")
        else:
            points = self.number(value["points"], f"{path}.points", Decimal(0))
        matter = self.text(value["matter"], f"{path}.matter") if "matter" in value else None
        joint = self.joint(value, path, comp)
        if len(self.problems) > before or not reason:
            return None
        return ItemInput(
            path,
            comp.name,
            reason,
            joint,
            item=item.item,
            occurrences=occurrences,
            points=points,
            matter=matter,
        )

    def flags(self, value: Any, path: str) -> tuple[str | None, str | None]:
        if not self.mapping(value, path, ("downgrade", "veto"), ()):
            return None, None
        downgrade = self.flag(value.get("downgrade"), f"{path}.downgrade")
        veto = self.flag(value.get("veto"), f"{path}.veto")
        grading = self.scheme.grading
        if veto is not None and (grading is None or grading.veto is None):
            self.err(f"{path}.veto", f"方案 {self.scheme.id} 没有规定一票否决的后果（grades.veto）")
        if downgrade is not None and grading is None:
            self.err(f"{path}.downgrade", f"方案 {self.scheme.id} 不定等次，不能降档")
        return downgrade, veto
