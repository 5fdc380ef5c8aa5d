"""`scheme eval` on the shipped Quanzhou example, checked against totals worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.scoring.helpers import QUANZHOU_EXAMPLE, QUANZHOU_YAML
from wfapp.scoring.cli import scheme as scheme_cli


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    result = CliRunner().invoke(scheme_cli, ["eval", str(QUANZHOU_YAML), str(QUANZHOU_EXAMPLE)])
    assert result.exit_code == 0, result.output
    return {u["unit"]: u for u in json.loads(result.stdout)["groups"][0]["units"]}


def test_u01_by_hand(example: dict[str, Any]) -> None:
    """市自然资源和规划局, by hand (docs/scoring.md):
    1-1 drop 40 and 36 → (37 + 38 + 39) / 3 = 38.00; 1-2 drop 20 and 17 → 56 / 3 = 18.67;
    1-3 9.50; 2-1 drop 30 and 27 → 86 / 3 = 28.67; 目标考评 94.84 × 70 % = 66.388 → 66.39;
    公众评议 90 × 30 % = 27.00; 正向激励 3 + 2 + 2 = 7 → 5; 综合得分 98.39, first of ten: 优秀."""
    u01 = example["U01"]
    parts = {c["name"]: c for c in u01["components"]}
    assert (parts["target"]["raw"], parts["target"]["contribution"]) == ("94.84", "66.39")
    assert parts["public"]["contribution"] == "27.00"
    assert (parts["bonus"]["raw"], parts["bonus"]["contribution"]) == ("7.00", "5.00")
    assert (u01["total"], u01["rank"], u01["grade_label"]) == ("98.39", 1, "优秀")
    assert "综合得分 = 66.39 + 27.00 + 5.00 + 0.00 = 98.39" in u01["explanation"]
    assert u01["staff_quota_count"] == 9  # 45 staff × 20 %


def test_u03_by_hand(example: dict[str, Any]) -> None:
    """市财政局, by hand: 目标考评 38.67 + 19.00 + 10.00 + 29.00 = 96.67 × 70 % = 67.669 →
    67.67; 公众评议 89 × 30 % = 26.70; 察访核验 3.00 + 4 × 0.50 + min(6 × 0.20, 1) = 6.00,
    capped at 5; 综合得分 67.67 + 26.70 − 5.00 = 89.37, sixth of ten: 良好."""
    u03 = example["U03"]
    parts = {c["name"]: c for c in u03["components"]}
    assert parts["target"]["contribution"] == "67.67"
    assert (parts["deduction"]["raw"], parts["deduction"]["contribution"]) == ("6.00", "-5.00")
    assert (u03["total"], u03["rank"], u03["grade_label"]) == ("89.37", 6, "良好")
    assert (
        "察访核验扣分：材料逾期报送 合计 1.20，本项 1.00 分扣完为止，计 1.00" in u03["explanation"]
    )


def test_example_grades(example: dict[str, Any]) -> None:
    """The ten units: three 优秀 places (one downgraded), a veto, two 一般 and a 差 below 70.
    U02 counts its national and provincial praise for the same work once (3, not 5)."""
    got = {
        code: (u["total"], u["grade_before_flags_label"], u["grade_label"])
        for code, u in example.items()
    }
    assert got == {
        "U01": ("98.39", "优秀", "优秀"),
        "U02": ("95.40", "优秀", "优秀"),
        "U04": ("95.22", "优秀", "良好"),  # 降档
        "U05": ("90.50", "良好", "差"),  # 一票否决
        "U06": ("89.68", "良好", "良好"),  # 1-1 has 3 sheets: plain mean
        "U03": ("89.37", "良好", "良好"),
        "U07": ("86.76", "良好", "良好"),  # 3 unclosed rectification items: −1.50
        "U08": ("86.60", "一般", "一般"),
        "U09": ("80.89", "一般", "一般"),
        "U10": ("68.13", "差", "差"),  # below 70: 差, though among the last three
    }
    assert example["U02"]["components"][2]["raw"] == "3.00"
    assert example["U04"]["reward_factor"] == "0.90"
    assert example["U04"]["reward_factor_before_flags"] == "1.00"


def test_eval_output_is_plain_json_with_chinese(tmp_path: Path) -> None:
    """The output is UTF-8 JSON (not \\u escapes), indented, with every number as a string."""
    result = CliRunner().invoke(scheme_cli, ["eval", str(QUANZHOU_YAML), str(QUANZHOU_EXAMPLE)])
    assert "市自然资源和规划局" in result.stdout
    assert result.stdout.startswith('{\n  "scheme": "quanzhou-2021"')


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"groups": [', "JSON 格式错误"),
        ('{"groups": []}', "至少需要一个考评组"),
        (
            '{"groups": [{"group": "G", "units": [{"unit": "U1", "name": "甲", '
            '"public_score": 90, "bonuses": [{"level": "galaxy", "reason": "x"}]}]}]}',
            "groups[0].units[0].bonuses[0].level: 未知的级别 'galaxy'",
        ),
    ],
)
def test_eval_with_bad_inputs(tmp_path: Path, content: str, words: str) -> None:
    """Bad inputs give a clear message on stderr, no JSON on stdout, and exit 1."""
    path = tmp_path / "inputs.json"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(scheme_cli, ["eval", str(QUANZHOU_YAML), str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}: " in result.stderr and words in result.stderr


def test_eval_with_a_broken_scheme(tmp_path: Path) -> None:
    """A broken scheme stops `eval` with the scheme's own line-numbered problems."""
    path = tmp_path / "s.yaml"
    path.write_text(QUANZHOU_YAML.read_text(encoding="utf-8").replace("weight: 30%", "weight: 3%"))
    result = CliRunner().invoke(scheme_cli, ["eval", str(path), str(QUANZHOU_EXAMPLE)])
    assert result.exit_code == 1
    assert f"{path}:" in result.stderr and "应为 100%" in result.stderr
