"""The office closes a group under schemes of other shapes: a rule that ranks every group of the
program (全乡末位), and a scheme with pay bands and no grades. What is stored and what the API
answers."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.factories import make_plan, make_unit
from tests.results.helpers import public_score, results_world, signed_sheet
from wfapp.database import db
from wfapp.models import EvaluatorAssignment, Group, ResultVersion, UnitResult
from wfapp.services import results
from wfapp.services.errors import Invalid

HEAD = """\
scheme: {id}
title: 测试
scale: 100
total: weighted
rounding: {{places: 2, mode: ROUND_HALF_UP}}
components:
  - name: target
    label: 目标考评
    type: indicators
    weight: 70%
    sheets: {{aggregate: mean}}
  - {{name: public, label: 公众评议, type: input, input: public_score, weight: 30%}}
"""

PROGRAM_BOTTOM = (
    HEAD.format(id="program-bottom")
    + """\
grades:
  levels:
    - {key: excellent, label: 优秀, reward_factor: 100%}
    - {key: good, label: 良好, reward_factor: 90%}
    - {key: poor, label: 末位, reward_factor: 70%}
  rules:
    - {bottom_n: 1, over: program, grade: poor}
    - {top_n: 1, grade: excellent}
    - {default: good}
  ties: share_better
"""
)

PAY_ONLY = (
    HEAD.format(id="pay-only")
    + """\
pay:
  label: 绩效奖金
  bands:
    - {at_least: 90, label: 全额, factor: 100%}
    - {label: 扣发10%, factor: 90%}
"""
)


def _second_group(world, *, signed: bool = True) -> Group:
    """第二组 with one unit, 单位E, far behind everyone of the first group (50 % sheets, 60)."""
    second = Group(program=world.program, name="第二组")
    db.session.add(second)
    db.session.flush()
    plan = make_plan(world.program, second, make_unit("单位E"), state="central_evaluation")
    db.session.add(
        EvaluatorAssignment(
            program_id=world.program.id,
            evaluator_id=world.evaluator.id,
            group_id=second.id,
            assigned_by_id=world.office.id,
        )
    )
    if signed:
        signed_sheet(plan, world.evaluator, Decimal("0.5"))
    public_score(world, plan, 60)
    db.session.commit()
    world.extra["E"] = plan
    return second


def test_a_program_wide_bottom_rule_ranks_the_other_groups_too(app):
    """Can the office close a group whose 末位 rule ranks the whole program? Yes: 单位E of 第二组
    is the program's last, so 单位D, last of its own group, is 良好, not 末位; only the first
    group's units are stored, and the other group's units are in the stored inputs."""
    world = results_world()
    _second_group(world)
    results.upload_scheme(world.office, world.program.id, PROGRAM_BOTTOM)
    version = results.close_evaluation(world.office, world.program.id, world.group.id)
    db.session.expire_all()
    version = db.session.get(ResultVersion, version.id)
    rows = {r.unit.name: r for r in version.rows}
    assert {name: r.grade_label for name, r in rows.items()} == {
        "单位A": "优秀", "单位B": "良好", "单位C": "良好", "单位D": "良好",
    }  # fmt: skip
    assert [g["group"] for g in version.inputs["groups"]] == [world.group.name, "第二组"]
    assert any("全部考评组排名 4/5" in line for line in rows["单位D"].explanation)
    # Nothing changed since: the same assembly (both groups) lets the office publish.
    results.publish(world.office, world.program.id, world.group.id)


def test_a_program_wide_rule_waits_for_the_other_groups_data(app):
    """Can the office close while a group the ranking needs has no signed sheet? No: refused,
    naming the other group and its unit, and nothing is stored."""
    world = results_world()
    _second_group(world, signed=False)
    results.upload_scheme(world.office, world.program.id, PROGRAM_BOTTOM)
    with pytest.raises(Invalid) as err:
        results.close_evaluation(world.office, world.program.id, world.group.id)
    assert any("（排名涉及其他考评组 第二组）单位E：" in p.message for p in err.value.problems)
    db.session.expire_all()
    assert db.session.query(ResultVersion).count() == 0


def test_a_scheme_without_grades_stores_scores_ranks_and_pay_bands(app, api):
    """Does a pay-only scheme (no grades) store and answer? Yes: no grade, no reward factor, the
    pay band by score: A 93.50 全额, the others (below 90) 扣发10%."""
    world = results_world()
    results.upload_scheme(world.office, world.program.id, PAY_ONLY)
    version = results.close_evaluation(world.office, world.program.id, world.group.id)
    db.session.expire_all()
    rows = db.session.query(UnitResult).filter_by(result_version_id=version.id).all()
    got = {r.unit.name: (r.grade, r.reward_factor, r.pay_label, r.pay_factor) for r in rows}
    assert got["单位A"] == (None, None, "全额", Decimal("1.00"))
    assert {v[2] for k, v in got.items() if k != "单位A"} == {"扣发10%"}
    r = api(world.office).get(
        f"/api/v1/programs/{world.program.id}/groups/{world.group.id}/results"
    )
    assert r.status_code == 200, r.get_json()
    first = r.get_json()["items"][0]
    assert (first["grade"], first["reward_factor"], first["pay"]) == (
        None,
        None,
        {"label": "全额", "factor": "1.00"},
    )
    _, data = results.export_excel(world.office, world.program.id, world.group.id)
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[3]]  # under the title and the subtitle
    first_row = dict(zip(header, [c.value for c in sheet[4]], strict=True))
    assert (first_row["等次"], first_row["奖金档次"]) == (None, "全额")
