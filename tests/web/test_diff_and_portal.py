"""Between rounds reviewers see what changed; the public sees published plans as approved."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.factories import row, table
from tests.pages import text
from wfapp.database import db
from wfapp.services import diff, plans


def _returned_and_revised(world):
    """Round 1 submitted and returned; the draft of round 2 lowers 1-1 from 30 to 20,
    removes 1-2-2 and adds 1-2-3 and 1-3."""
    plans.fire(world.a_liaison, world.plan.id, "submit")
    plans.fire(world.c_head, world.plan.id, "return", comment="重点工作目标未量化")
    rows = [
        row("1", None, "key", "重点工作目标", 60),
        row("1-1", "1", "key", "完成重点项目投资", 20, dept="规划科", person="张三"),
        row("1-2", "1", "key", "优化营商环境", 30),
        row("1-2-1", "1-2", "key", "压缩审批时限", 15, dept="审批科", person="李四"),
        row("1-2-3", "1-2", "key", "推行容缺受理", 15, dept="审批科", person="李四"),
        row("1-3", "1", "key", "新增招商引资任务", 10, dept="招商科", person="周七"),
        *table()[5:],
    ]
    plans.replace_indicators(world.a_liaison, world.plan.id, rows)


def test_reviewers_see_rows_added_removed_and_changed_between_rounds(world, browser):
    """After a return and a resubmission, can a peer see what changed? Yes, with weights."""
    _returned_and_revised(world)
    plans.fire(world.a_head, world.plan.id, "submit", comment="已按意见修改")
    browser.login(world.b_liaison)
    page = text(browser.get(f"/plans/{world.plan.id}"))
    assert "修订对比" in page
    html = text(browser.get(f"/plans/{world.plan.id}/diff"))
    assert "第1轮提交 → 第2轮提交" in html
    assert re.search(r'data-testid="added">2<', html)
    assert re.search(r'data-testid="removed">1<', html)
    changed = re.search(r'<tr class="changed" data-code="1-1">.*?</tr>', html, re.S).group(0)
    assert re.search(r'<td class="num">30</td>\s*<td class="num">20</td>', changed)
    assert '<tr class="removed" data-code="1-2-2">' in html
    assert '<tr class="added" data-code="1-3">' in html


def test_the_diff_service_matches_rows_by_code():
    before = table()
    after = [dict(r) for r in table()]
    after[6]["responsible_persons"] = ["王五", "赵六"]
    changes = diff.diff_rows(before, after)
    assert [(c.code, c.kind, c.fields) for c in changes] == [
        ("2-1", "changed", ["responsible_persons"])
    ]
    assert diff.diff_rows(before, before) == []


def test_the_unit_compares_its_draft_with_what_it_submitted(world, browser):
    """While revising, the liaison can compare the draft with the returned submission."""
    _returned_and_revised(world)
    browser.login(world.a_liaison)
    html = text(browser.get(f"/plans/{world.plan.id}/diff"))
    assert "第1轮提交 → 当前草稿" in html


def test_a_plan_with_one_round_has_nothing_to_compare(world, browser):
    plans.fire(world.a_liaison, world.plan.id, "submit")
    browser.login(world.b_liaison)
    assert "暂无可对比的修订" in text(browser.get(f"/plans/{world.plan.id}/diff"))


def _publish(world, number="泉直政府效办〔2024〕8号"):
    for who, action in (
        (world.a_liaison, "submit"),
        (world.b_liaison, "peer_approve"),
        (world.c_head, "peer_approve"),
        (world.leader, "leader_approve"),
    ):
        plans.fire(who, world.plan.id, action)
    plans.fire(world.office, world.plan.id, "office_approve", approval_number=number)


def test_the_public_sees_published_plans_by_program_and_group_without_login(world, browser):
    """Can anyone read a published plan without logging in? Yes — and only published ones."""
    assert browser.get(f"/public/plans/{world.plan.id}").status_code == 404  # still a draft
    assert world.units["A"].name not in text(browser.get("/public"))
    _publish(world)
    listing = text(browser.get("/public"))
    assert world.program.title in listing and world.group.name in listing
    assert world.units["A"].name in listing
    html = text(browser.get(f"/public/plans/{world.plan.id}"))
    assert "泉直政府效办〔2024〕8号" in html
    assert "批复日期" in html
    assert html.count('class="subtotal"') == 2
    assert "data-print" in html


def test_the_public_table_is_the_table_as_approved(world, browser):
    """If the table were changed after approval, the portal still shows what was approved."""
    _publish(world)
    world.plan.indicators[1].content = "批复之后的改动"
    db.session.commit()
    html = text(browser.get(f"/public/plans/{world.plan.id}"))
    assert "完成重点项目投资" in html and "批复之后的改动" not in html


def test_the_portal_asks_no_login_and_shows_no_internal_actions(world, browser):
    _publish(world)
    html = text(browser.get(f"/public/plans/{world.plan.id}"))
    assert "data-action=" not in html and "csrf_token" not in html
    assert Decimal(100) == world.program.total_points


def test_the_public_downloads_the_approved_table_as_excel(world, browser):
    assert browser.get(f"/public/plans/{world.plan.id}/indicators.xlsx").status_code == 404
    _publish(world)
    r = browser.get(f"/public/plans/{world.plan.id}/indicators.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "批复文号：泉直政府效办〔2024〕8号" in _sheet_text(r.data)


def _sheet_text(data: bytes) -> str:
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(data)).active
    return " ".join(str(c.value) for r in ws.iter_rows() for c in r if c.value is not None)
