"""Checking scheme files: every problem comes back as `file:line: message`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.scoring.helpers import QUANZHOU_YAML
from wfapp.scoring import SchemeError, load_scheme
from wfapp.scoring.cli import scheme as scheme_cli

GOOD = QUANZHOU_YAML.read_text(encoding="utf-8")


def _broken(old: str, new: str) -> str:
    """The shipped scheme with one piece of text replaced (which must be there)."""
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(SchemeError) as err:
        load_scheme(text, name="s.yaml")
    return err.value.problems


def test_the_shipped_scheme_is_valid() -> None:
    """The Quanzhou 2021 scheme loads, and says 70 % / 30 %, caps of 5 and a maximum of 105."""
    s = load_scheme(QUANZHOU_YAML)
    assert (s.id, s.method, str(s.max_total)) == ("quanzhou-2021", "weighted", "105.00")


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        # an unknown grade rule, on the line of that rule
        ("{bottom_n: 3, grade: fair}", "{last_n: 3, grade: fair}", "last_n",
         "未知的等次规则 'last_n'"),
        # an unknown key, on the line of the key
        ("    input: public_score\n", "    input: public_score\n    colour: blue\n", "colour",
         "未知的键 'colour'"),
        # an unknown aggregate
        ("aggregate: trimmed_mean", "aggregate: olympic", "olympic",
         "未知的评分合成方式 'olympic'"),
        # an unknown deduction rule
        ("rule: as_entered", "rule: whatever", "whatever", "未知的扣分规则 'whatever'"),
        # a percent that is not one
        ("weight: 30%", "weight: thirty", "thirty", "应为百分数"),
        # a duplicate key
        ("scale: 100\n", "scale: 100\nscale: 90\n", "scale: 90", "重复的键 'scale'"),
        # a top ratio without its count rounding
        ("{top_ratio: 30%, rounding: floor, grade: excellent}",
         "{top_ratio: 30%, grade: excellent}", "top_ratio", "top_ratio 需要 'rounding'"),
        # a grade that does not exist
        ("veto: poor", "veto: terrible", "veto: terrible", "未知的等次 'terrible'"),
    ],
)  # fmt: skip
def test_problems_carry_the_line_they_are_on(old: str, new: str, needle: str, words: str) -> None:
    """Each kind of mistake is reported once, with the line a person has to fix."""
    text = _broken(old, new)
    [(line, message)] = _problems(text)
    assert line == _line_of(text, needle)
    assert words in message


def test_weights_that_cannot_sum_to_one_hundred() -> None:
    """70 % + 20 % is not 100 %: reported at `components:`, naming each weight."""
    text = _broken("weight: 30%", "weight: 20%")
    problems = _problems(text)
    assert problems == [
        (
            _line_of(text, "components:"),
            "components: 加权组成部分的权重合计 90%（target 70% + public 20%），应为 100%",
        )
    ]


def test_additive_parts_must_add_up_to_the_scale() -> None:
    """In the additive form, the parts' points must make the scale (65 + 30 ≠ 100)."""
    text = """\
scheme: a
title: 加法
scale: 100
total: additive
rounding: {places: 2, mode: ROUND_HALF_UP}
components:
  - {name: f, label: 职能, type: indicators, max: 65, sheets: {aggregate: mean}}
  - {name: c, label: 能力, type: indicators, max: 30, sheets: {aggregate: mean}}
grades:
  levels: [{key: a, label: 甲, reward_factor: 1}, {key: b, label: 乙, reward_factor: 0.9}]
  rules: [{default: a}]
  ties: share_better
"""
    assert _problems(text) == [
        (6, "components: 各组成部分分值合计 95.00（f 65.00 + c 30.00），应等于 scale 100.00")
    ]


def test_bad_yaml_syntax_names_its_line() -> None:
    """A YAML syntax error is one problem, at the line where the parser gave up."""
    text = _broken("title: 2021", "title: [2021")
    [(line, message)] = _problems(text)
    assert message.startswith("YAML 语法错误")
    assert line == _line_of(text, "title:") + 1


def test_all_problems_are_reported_at_once() -> None:
    """Several mistakes in one file are all reported, in line order."""
    text = _broken("{bottom_n: 3, grade: fair}", "{last_n: 3, grade: fair}")
    text = text.replace("veto: poor", "veto: worst").replace(
        "aggregate: trimmed_mean", "aggregate: x"
    )
    lines = [line for line, _ in _problems(text)]
    assert len(lines) == 3 and lines == sorted(lines)


def test_default_rule_must_come_last() -> None:
    """A `default` before other rules would make them unreachable: refused."""
    text = _broken("    - {default: good}\n", "").replace(
        "    - {below: 70, grade: poor}\n",
        "    - {default: good}\n    - {below: 70, grade: poor}\n",
    )
    assert any("default 规则只能有一条，且必须是最后一条" in m for _, m in _problems(text))


# -- the command line ---------------------------------------------------------------------------


def test_check_command_ok(tmp_path: Path) -> None:
    """`scheme check` on a good file prints ok and a one-line summary, exit 0."""
    result = CliRunner().invoke(scheme_cli, ["check", str(QUANZHOU_YAML)])
    assert result.exit_code == 0
    assert result.output.startswith("ok: quanzhou-2021")
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        ("{bottom_n: 3, grade: fair}", "{last_n: 3, grade: fair}", "last_n", "未知的等次规则"),
        ("weight: 30%", "weight: 20%", "components:", "应为 100%"),
        ("title: 2021", "title: [2021", "source:", "YAML 语法错误"),
        (
            "    input: public_score\n",
            "    input: public_score\n    colour: blue\n",
            "colour",
            "未知的键",
        ),
    ],
)
def test_check_command_prints_file_line_message(
    tmp_path: Path, old: str, new: str, needle: str, words: str
) -> None:
    """`scheme check` on a broken file prints `FILE:LINE: message` and exits 1."""
    path = tmp_path / "broken.yaml"
    text = _broken(old, new)
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(scheme_cli, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{_line_of(text, needle)}: " in result.output
    assert words in result.output


def test_check_command_on_a_missing_file(tmp_path: Path) -> None:
    """A file that is not there is a problem too, not a traceback."""
    result = CliRunner().invoke(scheme_cli, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "无法读取文件" in result.output


# -- errors a clerk can fix ---------------------------------------------------------------------


def test_an_unknown_key_suggests_the_nearest_valid_one() -> None:
    """A typo in a key is an error naming the key it most likely meant (difflib)."""
    text = _broken("    cap: 5                       # 最高扣 5 分", "    caps: 5")
    [(line, message)] = _problems(text)
    assert line == _line_of(text, "caps: 5")
    assert "未知的键 'caps'，是否想写 'cap'？" in message


def test_an_unknown_choice_suggests_the_nearest_too() -> None:
    """Also for values from a list: a rounding mode, a rule's grade."""
    text = _broken("mode: ROUND_HALF_UP}\n", "mode: ROUND_HALFUP}\n")
    [(_, message)] = _problems(text)
    assert "是否想写 'ROUND_HALF_UP'？" in message


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("title: 2021", "title: [2021", "方括号列表"),
        ("scale: 100\n", "scale: 100\n\tx: 1\n", "制表符"),
        ("scale: 100\n", "scale: 100\n  total2: 1\n", "缩进"),
        ("title: 2021", 'title: "2021', "引号"),
    ],
)
def test_yaml_syntax_errors_are_said_in_chinese(old: str, new: str, words: str) -> None:
    """PyYAML's English message becomes one a clerk can act on, with its line and column."""
    [(line, message)] = _problems(_broken(old, new))
    assert message.startswith("YAML 语法错误（第 ") and words in message, message
    assert line >= 1
    assert not any(c.isascii() and c.isalpha() for c in message.split("：", 1)[1])


NEW_RULES = """\
scheme: n
title: 新规则
scale: 100
total: additive
rounding: {places: 2, mode: ROUND_HALF_UP}
components:
  - {name: w, label: 工作, type: indicators, max: 90, sheets: {aggregate: mean}}
  - name: d
    label: 纪律
    type: deduction
    points: 10
    items:
      - {item: a, label: 缺勤, rule: per_occurrence, points: 1, forfeit_at: 3}
      - {item: b, label: 迟到, rule: per_occurrence, points: 1}
    shared_caps:
      - {label: 考勤, items: [a, c], points: 2}
grades:
  levels:
    - {key: x, label: 先进, reward_factor: 2000%}
    - {key: y, label: 达标, reward_factor: 100%}
  rules:
    - {top_n: 1, over: township, grade: x}
    - {default: y}
  groups:
    一类:
      rules:
        - {top_n: 1, grade: x}
  ties: share_better
  veto: {grade: y, at_most: y}
pay:
  label: 奖金
  bands:
    - {at_least: 80, label: 甲, factor: 100%}
    - {at_least: 85, label: 乙, factor: 90%}
    - {label: 丙, factor: 80%}
"""


def test_every_problem_of_the_new_keys_in_one_pass() -> None:
    """Eight mistakes in the newer parts of the format, each reported once, on its own line, in
    the source's own terms."""
    problems = _problems(NEW_RULES)
    lines = NEW_RULES.splitlines()
    found = {(lines[line - 1].strip(), message.split(": ", 1)[-1]) for line, message in problems}
    expected_words = [
        ("forfeit_at", "需要 item_points"),
        ("items: [a, c]", "未知的扣分事项 'c'"),
        ("2000%", "应在 0% 到 1000% 之间"),
        ("over: township", "未知的排名范围 'township'"),
        ("rules:", "最后一条规则须是 default"),
        ("veto", "只能写一个"),
        ("bands:", "从高到低"),
    ]
    for needle, words in expected_words:
        assert any(needle in text and words in msg for text, msg in found), (needle, found)
    assert len(problems) == len(expected_words)


def test_every_shipped_scheme_passes_the_check() -> None:
    """`wfapp scheme check` accepts every scheme of config/schemes/."""
    runner = CliRunner()
    for path in sorted(QUANZHOU_YAML.parent.glob("*.yaml")):
        result = runner.invoke(scheme_cli, ["check", str(path)])
        assert result.exit_code == 0 and result.output.startswith("ok: "), result.output


def test_a_key_of_another_kind_of_part_says_where_it_belongs() -> None:
    """`cap` on a 公众评议 input part: not a typo but the wrong place; the message says so."""
    text = _broken("    input: public_score\n", "    input: public_score\n    cap: 3\n")
    [(line, message)] = _problems(text)
    assert line == _line_of(text, "cap: 3")
    assert "'cap' 只用于 bonus、deduction 类组成部分" in message


def test_a_share_rule_with_another_name_points_to_top_ratio() -> None:
    text = _broken("{top_ratio: 30%, rounding: floor,", "{top_percent: 30%, rounding: floor,")
    [(_, message)] = _problems(text)
    assert "未知的等次规则 'top_percent'，是否想写 'top_ratio'？" in message
