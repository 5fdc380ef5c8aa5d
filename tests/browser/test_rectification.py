"""A rectification item's life clicked through in Chromium: the unit submits with
evidence, the office rejects with a reason, the unit resubmits, the office verifies and
closes it, and the plan (unit 4's, its only item) is archived."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from wfapp.database import db
from wfapp.models import Plan, Unit, User
from wfapp.services import rectification
from wfapp.services.uow import lock_plan, transaction

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def item_id(live_app) -> int:
    """Unit 4 (市住建局)'s plan put in 整改, with one finding the office recorded by hand."""
    with live_app.app_context():
        unit = db.session.scalars(select(Unit).where(Unit.short_name.contains("住建"))).one()
        plan = db.session.scalars(select(Plan).where(Plan.unit_id == unit.id)).one()
        with transaction():
            lock_plan(plan.id).state = "rectification"  # as closing the evaluation will
        office = db.session.scalars(select(User).where(User.username == "office")).one()
        item = rectification.add_item(
            office,
            plan.id,
            finding="老旧小区改造项目进度台账缺失",
            responsible_department="城建科",
            due_working_days=10,
            today=date(2025, 3, 3),
        )
        found = item.id
        db.session.remove()
    return found


def act(s, action: str, **fields) -> None:
    form = s.page.locator(f"#form-{action}")
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator(f'button[data-action="{action}"]').click()
    s.page.wait_for_load_state()


def state_is(s, label: str) -> None:
    expect(s.page.locator('dd[data-testid="item-state"]')).to_have_text(label)


def test_an_item_is_rectified_rejected_resubmitted_verified_and_closed(
    session_factory, item_id, tmp_path
):
    s = session_factory("rectification")
    proof = tmp_path / "整改报告.pdf"
    proof.write_bytes(PDF)

    # 1. The unit finds the item in its list, starts, uploads evidence, submits.
    s.login("u4-liaison")
    s.page.click("nav >> text=整改")
    s.page.click(f"a[href='/rectification-items/{item_id}']")
    s.page.wait_for_url(re.compile(rf".*/rectification-items/{item_id}$"))
    state_is(s, "待整改")
    act(s, "start")
    state_is(s, "整改中")
    s.page.set_input_files("#form-evidence input[type=file]", str(proof))
    s.page.click("#do-upload")
    expect(s.page.locator("#item-evidence")).to_contain_text("整改报告.pdf")
    act(s, "submit", result_statement="已补建 2024 年度进度台账")
    state_is(s, "已提交待核验")
    s.shot("unit-submitted")
    s.logout()

    # 2. The office rejects it with a reason.
    s.login("office")
    s.goto(f"/rectification-items/{item_id}")
    act(s, "reject", comment="缺少第四季度台账")
    state_is(s, "整改中")
    s.logout()

    # 3. The unit reads the reason and resubmits.
    s.login("u4-liaison")
    s.goto(f"/rectification-items/{item_id}")
    expect(s.page.locator("#history")).to_contain_text("缺少第四季度台账")
    act(s, "submit", result_statement="已补第四季度台账")
    s.logout()

    # 4. The office verifies and closes; the plan is archived, the board shows it.
    s.login("office")
    s.goto(f"/rectification-items/{item_id}")
    act(s, "verify")
    act(s, "close")
    state_is(s, "已销号")
    s.shot("office-closed")
    s.page.click("text=· 整改事项")
    expect(s.page.locator('[data-testid="plan-state"]')).to_have_text("归档")
    assert s.errors == []
