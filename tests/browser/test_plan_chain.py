"""Unit 1's plan from 初稿 to 公开 through the pages only, as each demo actor in turn,
with one return and a resubmission; then the public page, printing and the Excel file."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PLAN_1 = "泉州市晋江生态环境局2024年度绩效工作方案"


def open_plan_from_inbox(s) -> None:
    s.page.click("nav >> text=我的待办")
    s.page.click(f"text={PLAN_1}")
    s.page.wait_for_url(re.compile(r".*/plans/\d+$"))


def act(s, action: str, comment: str, **fields) -> None:
    form = s.page.locator(f'form[data-action-form="{action}"]')
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator('textarea[name="comment"]').fill(comment)
    form.locator(f'button[data-action="{action}"]').click()
    s.page.wait_for_load_state()


def state_is(s, label: str) -> None:
    expect(s.page.locator('[data-testid="plan-state"]')).to_have_text(label)


def test_unit_1_plan_goes_from_draft_to_published_by_clicking(session_factory):
    """Each actor logs in, sees exactly their buttons, and moves the plan on; a peer returns
    it with a reason, the unit revises and resubmits, and the office publishes it."""
    s = session_factory("chain")

    # 1. The liaison drafts and submits.
    s.login("u1-liaison")
    expect(s.page.locator('[data-testid="inbox-count"]')).to_have_text("1")
    s.shot("liaison-inbox")
    open_plan_from_inbox(s)
    plan_url = s.page.url
    state_is(s, "初稿")
    assert s.buttons() == {"submit"}
    expect(s.page.locator("svg.workflow .wf-current text")).to_have_text("初稿")
    s.shot("liaison-draft")
    act(s, "submit", "请各互审单位审核")
    state_is(s, "同组互审")
    assert s.buttons() == {"withdraw"}  # no reviewer's buttons for the unit itself
    s.shot("liaison-submitted")
    s.logout()

    # 2. Peer unit 2 approves.
    s.login("u2-liaison")
    open_plan_from_inbox(s)
    assert s.buttons() == {"peer_approve", "return", "delegate"}
    s.shot("peer2-review")
    act(s, "peer_approve", "同意")
    state_is(s, "同组互审")  # countersign: unit 3 has not signed
    assert s.buttons() == set()
    s.logout()

    # 3. Peer unit 3 returns it; a return without a reason is not accepted.
    s.login("u3-liaison")
    open_plan_from_inbox(s)
    assert s.buttons() == {"peer_approve", "return", "delegate"}
    s.page.locator('button[data-action="return"]').click()  # empty reason: the browser refuses
    assert s.page.url == plan_url
    state_is(s, "同组互审")
    act(s, "return", "重点工作目标 1-1-1 未量化，请补充具体指标")
    state_is(s, "初稿")
    expect(s.page.locator("ol.timeline")).to_contain_text("重点工作目标 1-1-1 未量化")
    s.shot("peer3-returned")
    s.logout()

    # 4. The head revises the table in the editor and resubmits.
    s.login("u1-head")
    open_plan_from_inbox(s)
    assert s.buttons() == {"submit"}
    s.page.click("text=编辑考评表")
    content = s.page.locator('textarea[name="rows-2-content"]')
    content.fill("推进生态文明试验，落实生态环境损害赔偿制度，全年办结赔偿案件不少于10件")
    s.shot("head-editing")
    s.page.click("text=保存考评表")
    s.page.wait_for_url(plan_url)
    expect(s.page.locator(".alert-success")).to_contain_text("考评表已保存")
    act(s, "submit", "已按互审意见修改")
    state_is(s, "同组互审")
    s.logout()

    # 5. Both peers review round 2; unit 2 sees what changed first.
    s.login("u2-liaison")
    open_plan_from_inbox(s)
    s.page.click("text=修订对比")
    expect(s.page.locator('[data-testid="changed"]')).to_have_text("1")
    expect(s.page.locator('tr.changed[data-code="1-1-1"]')).to_contain_text(
        "全年办结赔偿案件不少于10件"
    )
    s.shot("peer2-diff")
    s.page.go_back()
    act(s, "peer_approve", "修改后同意")
    s.logout()
    s.login("u3-liaison")
    open_plan_from_inbox(s)
    act(s, "peer_approve", "同意")
    state_is(s, "分管领导审定")
    s.logout()

    # 6. The leader approves.
    s.login("leader1")
    open_plan_from_inbox(s)
    assert s.buttons() == {"leader_approve", "return", "delegate"}
    s.shot("leader-review")
    act(s, "leader_approve", "同意")
    state_is(s, "绩效办批复")
    s.logout()

    # 7. The office approves with a 批复 number: published.
    s.login("office")
    open_plan_from_inbox(s)
    assert s.buttons() == {"office_approve", "return", "delegate"}
    act(s, "office_approve", "准予公开", approval_number="泉直政府效办〔2024〕8号")
    state_is(s, "公开")
    assert s.buttons() == {"open_self_assessment"}  # the next stage, when the year is done
    s.shot("office-published")
    s.logout()

    # 8. Anyone: the public page, printed, and its Excel.
    s.goto("/public")
    s.page.click(f"text={PLAN_1}")
    expect(s.page.locator('[data-testid="approval-number"]')).to_have_text(
        "泉直政府效办〔2024〕8号"
    )
    expect(s.page.locator("table.target-table")).to_contain_text("全年办结赔偿案件不少于10件")
    s.shot("public-plan")
    s.page.emulate_media(media="print")
    expect(s.page.locator("header.topbar")).to_be_hidden()
    s.shot("public-print")
    pdf = s.page.pdf(format="A4", landscape=True, prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    s.page.emulate_media(media="screen")
    with s.page.expect_download() as info:
        s.page.click("text=下载 Excel")
    assert info.value.suggested_filename.endswith(".xlsx")
    assert not s.errors, s.errors


def test_the_editor_adds_rows_updates_subtotals_and_keeps_input_after_a_failed_save(
    session_factory,
):
    """Unit 4's liaison adds a row with the script; the subtotal turns red as the weights stop
    adding up; the save fails next to the row with everything still typed; removing the row saves."""
    s = session_factory("editor")
    s.login("u4-liaison")
    s.page.click("nav >> text=我的待办")
    s.page.click('a:has-text("住房和城乡建设局")')
    s.page.click("text=编辑考评表")
    total = s.page.locator("#editor-total")
    expect(total).to_have_text("100")
    s.page.click("#add-row")
    row = s.page.locator("tr.ed-row").last
    row.locator('[name$="-code"]').fill("1-5")
    row.locator('[name$="-parent"]').fill("1")
    row.locator('[name$="-content"]').fill("新增：城市燃气管道老化更新改造")
    row.locator('[name$="-weight"]').fill("5")
    row.locator('[name$="-responsible_departments"]').fill("城建科、质安科")
    first = s.page.locator("tr.ed-row").first
    expect(first.locator(".sum")).to_have_text("下级合计 45")
    expect(first.locator(".sum")).to_have_class(re.compile("mismatch"))
    s.shot("editor-typed")
    s.page.click("text=保存考评表")
    expect(s.page.locator('[data-testid="save-errors"]')).to_be_visible()
    failed = s.page.locator("tr.ed-row.row-error").first
    expect(failed).to_contain_text("下级指标权重合计 45，与本项权重 40 不符")
    expect(s.page.locator('textarea:has-text("新增：城市燃气管道老化更新改造")')).to_have_count(1)
    s.shot("editor-failed-save")
    added = s.page.locator("tr.ed-row", has=s.page.locator('input[value="1-5"]'))
    s.page.once("dialog", lambda dialog: dialog.accept())  # a filled row asks first
    added.locator("[data-remove]").click()
    expect(s.page.locator("tr.ed-row").first.locator(".sum")).to_have_text("下级合计 40")
    s.page.click("text=保存考评表")
    expect(s.page.locator(".alert-success")).to_contain_text("考评表已保存")
    assert not s.errors, s.errors
