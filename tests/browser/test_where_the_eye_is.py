"""What a unit's liaison sees in Chromium when something needs them: the notice to act on
(filtered, with a button), the returned plan's banner above the 考评表, and a refused save
or import summarised on top with each message at its field; deleting a row asks first."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from wfapp.services import excel, plans

pytestmark = pytest.mark.browser

REASON = "1-2 优化营商环境请量化：写明压缩后的审批时限和一网通办事项数量。"


def _returned(world) -> None:
    """Unit A submits; unit C's head returns it with a reason."""
    plans.fire(world.a_liaison, world.plan.id, "submit", comment="请审核")
    plans.fire(world.c_head, world.plan.id, "return", comment=REASON)


def test_a_liaison_goes_from_a_filtered_notice_to_the_returned_plan(session_factory, live_world):
    """Can the liaison filter 消息 to unread returns, click 去办理, and read who returned the
    plan, when and why above the 考评表, with a link to the revision diff?"""
    w = live_world(prepare=_returned)
    s = session_factory("returned")
    s.login(w.user("a-liaison"), w.password)
    s.goto("/notices")
    s.page.click("[data-filter=unread]")
    s.page.click("[data-filter=returned]")
    expect(s.page).to_have_url(re.compile(r".*/notices\?(?=.*unread=1)(?=.*kind=returned)"))
    rows = s.page.locator("#notices tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-kind", "returned")
    s.shot("notices-filtered")
    rows.first.locator("a.button", has_text="去办理").click()
    s.page.wait_for_url(re.compile(rf".*/plans/{w.plan_id}$"))

    banner = s.page.locator("[data-testid=return-banner]")
    expect(banner).to_be_visible()
    expect(banner.locator("[data-testid=return-reason]")).to_have_text(f"退回理由：{REASON}")
    expect(banner).to_contain_text(w.user("c-head"))
    table = s.page.locator("table.target-table")
    assert banner.bounding_box()["y"] < table.bounding_box()["y"]
    assert banner.bounding_box()["y"] < 200  # in view on opening, not 5,900 px down
    s.shot("plan-returned-banner")
    banner.get_by_role("link", name="查看修订对比").click()
    s.page.wait_for_url(re.compile(rf".*/plans/{w.plan_id}/diff"))
    assert s.errors == []


def test_a_refused_save_shows_a_summary_on_top_and_each_error_at_its_field(
    session_factory, live_world
):
    """A weight typed as text and a child that breaks its parent's sum: the page opens at a
    summary whose links lead to the rows; each message sits under the weight it is about."""
    w = live_world()
    s = session_factory("editor-errors")
    s.login(w.user("a-liaison"), w.password)
    s.goto(f"/plans/{w.plan_id}/edit")
    row = {
        c: s.page.locator("tr.ed-row", has=s.page.locator(f"input[value='{c}']"))
        for c in (
            "1-1",
            "1-2-1",
        )
    }
    row["1-1"].locator("input.f-weight").fill("三十")
    row["1-2-1"].locator("input.f-weight").fill("20")
    s.page.click("#table-form button[type=submit]")
    s.page.wait_for_load_state()

    summary = s.page.locator("[data-testid=save-errors]")
    expect(summary).to_be_focused()
    links = summary.locator("[data-testid=error-link]")
    expect(links).to_have_count(2)
    expect(summary).to_contain_text("权重必须是数字")
    expect(summary).to_contain_text("下级指标权重合计 35，与本项权重 30 不符")
    bad = s.page.locator("tr.ed-row", has=s.page.locator("input[value='1-1']"))
    weight = bad.locator("input.f-weight")
    expect(weight).to_have_attribute("aria-invalid", "true")
    expect(bad.locator("td.w-cell .row-errors")).to_have_text("权重必须是数字")
    parent = s.page.locator("tr.ed-row", has=s.page.locator("input.f-code[value='1-2']"))
    expect(parent.locator("td.w-cell .row-errors")).to_contain_text("下级指标权重合计 35")
    s.shot("editor-summary")
    links.filter(has_text="序号 1-1").click()
    expect(weight).to_be_focused()
    s.shot("editor-at-the-field")
    assert s.errors == []


def test_deleting_a_row_asks_first_and_the_header_stays_in_view(session_factory, live_world):
    """The ✕ on a filled row asks; no keeps it, yes removes it. Scrolled down, the editor's
    column heads stay on top, and a long content box shows all of its text."""
    w = live_world()
    s = session_factory("editor-confirm")
    s.login(w.user("a-liaison"), w.password)
    s.goto(f"/plans/{w.plan_id}/edit")
    row = s.page.locator("tr.ed-row", has=s.page.locator("input.f-code[value='2-1']"))
    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    s.page.once("dialog", lambda d: answer(d, False))
    row.locator("[data-remove]").click()
    expect(row).to_have_count(1)
    s.page.once("dialog", lambda d: answer(d, True))
    row.locator("[data-remove]").click()
    expect(row).to_have_count(0)
    assert len(asked) == 2 and "序号 2-1" in asked[0]

    content = s.page.locator("tr.ed-row textarea").first
    content.fill("长" * 400)
    fits = content.evaluate("el => el.scrollHeight <= el.clientHeight + 4")
    assert fits, "the content box hides part of its text"
    s.page.set_viewport_size({"width": 1366, "height": 400})
    s.page.locator("#add-row").scroll_into_view_if_needed()
    head = s.page.locator("table.editor thead th").first.bounding_box()
    assert abs(head["y"]) < 2, head
    s.shot("editor-sticky-head", full_page=False)
    assert s.errors == []


def test_a_refused_import_names_the_changed_row_at_the_top(session_factory, live_world, tmp_path):
    """A sheet whose 1-2-1 weight no longer adds up: the message names that Excel row (6),
    not the 小计, and stands at the top of the page with the focus on it."""
    holder: dict[str, bytes] = {}

    def export(world) -> None:
        holder["data"] = excel.export_plan(world.a_liaison, world.plan.id)[1]

    w = live_world(prepare=export)
    wb = load_workbook(BytesIO(holder["data"]))
    wb.active["E6"] = 20
    sheet = tmp_path / "考评表.xlsx"
    wb.save(sheet)

    s = session_factory("import-errors")
    s.login(w.user("a-liaison"), w.password)
    s.goto(f"/plans/{w.plan_id}/edit")
    s.page.set_input_files("#file", str(sheet))
    s.page.click("#import button[type=submit]")
    s.page.wait_for_load_state()
    summary = s.page.locator("[data-testid=import-errors]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("第6行（序号 1-2-1，权重已改为 20）")
    assert summary.bounding_box()["y"] < s.page.locator("#table-form").bounding_box()["y"]
    s.shot("import-summary")
    assert s.errors == []
