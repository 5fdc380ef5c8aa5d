"""Reading a YAML document node by node, so that every problem names its line.

PyYAML composes the text into nodes that carry marks (line, column). `Located` wraps a node
with its path (`components[1].weight`) and a shared problem list; its readers return a value,
or record a problem at the node's line and return None, so one pass reports every problem.
Numbers become `Decimal` from the scalar's own text: no float ever exists in between.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import yaml

from wfapp.scoring.numbers import HUNDRED, pct

Problem = tuple[int, str]  # (line, message)

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
_PERCENT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%\s*$")
_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


# PyYAML's messages, said in Chinese (matched on their start; the rest of the text is PyYAML's).
_SYNTAX = (
    (
        "mapping values are not allowed",
        "这里不能出现冒号映射：上一行的冒号后可能缺空格，或缩进不对",
    ),
    ("could not find expected ':'", "缺少冒号：键和值之间要有“: ”"),
    ("did not find expected key", "缩进不对齐，或列表项（- ）与键混在同一层"),
    ("did not find expected ',' or ']'", "方括号列表 [ … ] 没有正确结束：缺少逗号或右方括号"),
    ("did not find expected ',' or '}'", "花括号映射 { … } 没有正确结束：缺少逗号或右花括号"),
    ("expected ',' or ']'", "方括号列表 [ … ] 没有正确结束：缺少逗号或右方括号"),
    ("expected ',' or '}'", "花括号映射 { … } 没有正确结束：缺少逗号或右花括号"),
    ("expected <block end>", "缩进不对齐：这一行与上面的同级内容缩进不同"),
    ("found character '\\t'", "不能用制表符缩进，请改用空格"),
    ("found character", "出现了不能开始一个值的字符（如 % 或 @ 开头的值需加引号）"),
    ("found unexpected end of stream", "文件意外结束：引号或括号没有闭合"),
    ("found undefined alias", "引用了未定义的锚点（*名称）"),
    ("found duplicate anchor", "锚点（&名称）重复"),
    ("found unknown escape character", "双引号内有无法识别的转义字符（\\ 后的字符）"),
    ("expected a comment or a line break", "值后面多了内容：如需写注释，请在 # 前加空格"),
    ("block sequence entries are not allowed", "这里不能开始列表项（- ）：检查上一行的缩进"),
    ("expected alphabetic or numeric character", "锚点或别名的名称不对"),
    ("found unexpected ':'", "出现了多余的冒号：含冒号的文字请加引号"),
)


def syntax_message(problem: str | None) -> str:
    """PyYAML's English problem text as a clerk can act on it."""
    text = (problem or "").strip()
    for start, chinese in _SYNTAX:
        if text.startswith(start) or start in text:
            return chinese
    return "无法解析这一行的内容"


def suggest(word: str, options: Iterable[str]) -> str:
    """ "，是否想写 'x'？" for the nearest option (difflib), or ""."""
    near = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"，是否想写 '{near[0]}'？" if near else ""


def compose(text: str, problems: list[Problem]) -> yaml.Node | None:
    """The node tree of a YAML text; a syntax error becomes a problem at its line, in Chinese."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at_end = exc.problem_mark is not None and exc.problem_mark.index >= len(text.rstrip())
        if exc.context_mark and (at_end or "end of stream" in (exc.problem or "")):
            mark = exc.context_mark  # unclosed quote or bracket: where it opened, not the end
        line = mark.line + 1 if mark else 1
        where = f"第 {mark.column + 1} 列" if mark else ""
        problems.append((line, f"YAML 语法错误（{where}）：{syntax_message(exc.problem)}"))
        return None
    except yaml.YAMLError:
        problems.append((1, "YAML 语法错误：文件无法解析（请检查编码是否为 UTF-8）"))
        return None
    if node is None:
        problems.append((1, "文件为空"))
    return node


@dataclass
class Located:
    node: yaml.Node
    path: str
    problems: list[Problem]
    key_line: int | None = None  # the line of the key this node is the value of

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    @property
    def entry_line(self) -> int:
        """Where a reader looks for this entry: its key if it has one, else the value."""
        return self.key_line or self.line

    def error(self, message: str, line: int | None = None) -> None:
        where = f"{self.path}: " if self.path else ""
        self.problems.append((line or self.line, f"{where}{message}"))

    def _child(self, node: yaml.Node, step: str, key_line: int | None = None) -> Located:
        path = (
            f"{self.path}{step}" if step.startswith("[") or not self.path else f"{self.path}.{step}"
        )
        return Located(node, path, self.problems, key_line)

    # -- containers ---------------------------------------------------------------------------

    def fields(
        self,
        allowed: Iterable[str],
        required: Iterable[str] = (),
        elsewhere: dict[str, str] | None = None,
    ) -> dict[str, Located] | None:
        """The entries of a mapping; unknown, duplicate and missing keys are problems.
        `elsewhere` says, for a key valid in other places only, where it belongs."""
        if not isinstance(self.node, yaml.MappingNode):
            self.error("应为映射（键: 值）")
            return None
        allowed = tuple(allowed)
        out: dict[str, Located] = {}
        for key_node, value_node in self.node.value:
            key_line = key_node.start_mark.line + 1
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.error("键必须是文字", key_line)
            elif key in out:
                self.error(f"重复的键 '{key}'", key_line)
            elif key not in allowed:
                where = (elsewhere or {}).get(key)
                if where is None:
                    near = difflib.get_close_matches(key, list(elsewhere or {}), n=1, cutoff=0.75)
                    where = (elsewhere or {})[near[0]] if near and near[0] not in allowed else None
                    where = f"；'{near[0]}' {where}" if where else ""
                else:
                    where = f"；'{key}' {where}"
                self.error(
                    f"未知的键 '{key}'{suggest(key, allowed)}（可用：{'、'.join(allowed)}）{where}",
                    key_line,
                )
            else:
                out[key] = self._child(value_node, key, key_line)
        for key in required:
            if key not in out:
                self.error(f"缺少 '{key}'")
        return out

    def boolean(self) -> bool | None:
        node = self._scalar()
        if node is None:
            return None
        if node.tag != "tag:yaml.org,2002:bool":
            self.error(f"应为 true 或 false，而不是 '{node.value}'")
            return None
        return node.value.lower() in ("true", "yes", "on")

    def key_names(self) -> list[str]:
        """The keys of a mapping as written (for choosing how to read it)."""
        if not isinstance(self.node, yaml.MappingNode):
            return []
        return [k.value for k, _ in self.node.value if isinstance(k, yaml.ScalarNode)]

    def items(self, non_empty: bool = True) -> list[Located]:
        if not isinstance(self.node, yaml.SequenceNode):
            self.error("应为列表（- …）")
            return []
        if non_empty and not self.node.value:
            self.error("列表不能为空")
        return [self._child(n, f"[{i}]") for i, n in enumerate(self.node.value)]

    # -- scalars ------------------------------------------------------------------------------

    def _scalar(self) -> yaml.ScalarNode | None:
        if isinstance(self.node, yaml.ScalarNode):
            return self.node
        self.error("应为单个值")
        return None

    def text(self) -> str | None:
        node = self._scalar()
        if node is None:
            return None
        if node.tag != _STR or not node.value.strip():
            self.error("应为非空文字")
            return None
        return node.value

    def choice(self, options: Iterable[str], what: str) -> str | None:
        node = self._scalar()
        options = tuple(options)
        if node is None:
            return None
        if node.value not in options:
            hint = suggest(node.value, options)
            self.error(f"未知的{what} '{node.value}'{hint}（可用：{'、'.join(options)}）")
            return None
        return node.value

    def decimal(self, minimum: Decimal | None = None, positive: bool = False) -> Decimal | None:
        node = self._scalar()
        if node is None:
            return None
        value = None
        if node.tag in (_INT, _FLOAT, _STR):
            try:
                value = Decimal(node.value.strip())
            except InvalidOperation:
                value = None
        if value is None or not value.is_finite():
            self.error(f"应为数字，而不是 '{node.value}'")
            return None
        if positive and value <= 0:
            self.error("应大于 0")
            return None
        if minimum is not None and value < minimum:
            self.error(f"不能小于 {minimum}")
            return None
        return value

    def integer(self, minimum: int = 0) -> int | None:
        node = self._scalar()
        if node is None:
            return None
        if node.tag != _INT:
            self.error(f"应为整数，而不是 '{node.value}'")
            return None
        value = int(node.value)
        if value < minimum:
            self.error(f"不能小于 {minimum}")
            return None
        return value

    def percent(self, hint: str = "百分数，如 70%", most: Decimal = Decimal(1)) -> Decimal | None:
        """A share between 0 and `most` (1 unless a factor may pass 100 %): "70%" or 0.7."""
        node = self._scalar()
        if node is None:
            return None
        match = _PERCENT.match(node.value)
        if match:
            value = Decimal(match.group(1)) / HUNDRED
        elif node.tag in (_INT, _FLOAT):
            value = Decimal(node.value)
        else:
            self.error(f"应为{hint}，而不是 '{node.value}'")
            return None
        if not 0 <= value <= most:
            self.error(f"应在 0% 到 {pct(most)} 之间，而不是 '{node.value}'")
            return None
        return value

    def ratio(self) -> tuple[Fraction, str] | None:
        """An exact share between 0 and 1, with its text: "30%", "1/3" or 0.3."""
        node = self._scalar()
        if node is None:
            return None
        match = _FRACTION.match(node.value)
        if match:
            if int(match.group(2)) == 0:
                self.error("分母不能为 0")
                return None
            value = Fraction(int(match.group(1)), int(match.group(2)))
            if value > 1:
                self.error(f"应在 0 到 1 之间，而不是 '{node.value}'")
                return None
            return value, node.value.replace(" ", "")
        share = self.percent(hint="百分数（如 30%）或分数（如 1/3）")
        if share is None:
            return None
        return Fraction(share), pct(share)
