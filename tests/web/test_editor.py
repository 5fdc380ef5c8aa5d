"""The 考评表 editor: a draft's table, edited by the unit's liaison or head."""

from __future__ import annotations

import re

from tests.factories import table
from tests.pages import text
from wfapp.database import db
from wfapp.services import plans


def form_rows(rows: list[dict]) -> dict[str, str]:
    """The editor's field names for a list of rows (as the page posts them)."""
    data: dict[str, str] = {}
    for i, r in enumerate(rows):
        for key in (
            "code",
            "parent",
            "category",
            "content",
            "weight",
            "responsible_leaders",
            "responsible_departments",
            "responsible_persons",
            "note",
        ):
            value = r.get(key) or ""
            data[f"rows-{i}-{key}"] = "、".join(value) if isinstance(value, list) else str(value)
    return data


def test_the_editor_shows_the_table_and_spare_rows(world, browser):
    """The liaison opens the editor: every row is there, plus blank rows to add without script."""
    browser.login(world.a_liaison)
    html = text(browser.get(f"/plans/{world.plan.id}/edit"))
    codes = re.findall(r'name="rows-\d+-code" value="([^"]*)"', html)
    assert codes == ["1", "1-1", "1-2", "1-2-1", "1-2-2", "2", "2-1", "", "", ""]
    assert "下级合计 60" in html  # the subtotal of row 1, before any script runs


def test_saving_a_changed_table_replaces_it(world, browser):
    """Edit a weight pair, add an owner, reorder, delete a row, leave spare rows blank: saved."""
    rows = table()
    rows[1]["responsible_persons"] = ["张三", "赵六"]  # several owners
    rows = [rows[0], rows[2], rows[3], rows[4], rows[1], rows[5], rows[6]]  # 1-1 moved down
    page = f"/plans/{world.plan.id}/edit"
    browser.login(world.a_head)
    data = {
        **form_rows(rows),
        "version": world.plan.version,
        "rows-7-code": "",
        "rows-7-category": "key",
    }
    r = browser.submit(page, page, data)
    assert r.status_code == 302, text(r)[-2000:]
    db.session.refresh(world.plan)
    assert [i.code for i in world.plan.indicators] == [
        "1",
        "1-2",
        "1-2-1",
        "1-2-2",
        "1-1",
        "2",
        "2-1",
    ]
    assert world.plan.indicators[4].responsible_persons == ["张三", "赵六"]


def test_a_failed_save_keeps_what_was_typed_and_names_the_rows(world, browser):
    """A wrong sum and a leaf without a department: nothing saved, the page comes back with
    everything as typed and each message next to its row."""
    rows = table()
    rows[1]["weight"] = "25"  # 1-1 + 1-2 no longer make 60
    rows[1]["content"] = "完成重点项目投资（已修改，尚未保存）"
    rows[6]["responsible_departments"] = []  # leaf 2-1 without a department
    page = f"/plans/{world.plan.id}/edit"
    browser.login(world.a_liaison)
    r = browser.submit(page, page, {**form_rows(rows), "version": world.plan.version})
    assert r.status_code == 422
    html = text(r)
    assert "完成重点项目投资（已修改，尚未保存）" in html
    assert 'name="rows-1-weight" value="25"' in html
    row_html = re.findall(r'<tr class="ed-row[^"]*".*?</tr>', html, re.S)
    assert "下级指标权重合计 55，与本项权重 60 不符" in row_html[0]
    assert "末级指标至少填写一个责任科室" in row_html[6]
    assert "row-error" not in row_html[2]
    db.session.refresh(world.plan)
    assert world.plan.indicators[1].content == "完成重点项目投资"


def test_a_non_number_weight_is_kept_as_typed_with_its_message(world, browser):
    """A weight typed as words comes back as typed, with 权重必须是数字 beside it."""
    rows = table()
    rows[6]["weight"] = "四十"
    page = f"/plans/{world.plan.id}/edit"
    browser.login(world.a_liaison)
    r = browser.submit(page, page, {**form_rows(rows), "version": world.plan.version})
    assert r.status_code == 422
    html = text(r)
    assert 'value="四十"' in html
    row_html = re.findall(r'<tr class="ed-row[^"]*".*?</tr>', html, re.S)
    assert "权重必须是数字" in row_html[6]


def test_an_empty_code_is_reported_on_its_row(world, browser):
    """A row without 序号 is named by its position, next to that row."""
    rows = table()
    rows[2]["code"] = ""
    page = f"/plans/{world.plan.id}/edit"
    browser.login(world.a_liaison)
    html = text(browser.submit(page, page, {**form_rows(rows), "version": world.plan.version}))
    row_html = re.findall(r'<tr class="ed-row[^"]*".*?</tr>', html, re.S)
    assert "序号不能为空" in row_html[2]


def test_a_total_that_misses_the_program_total_is_shown_above_the_table(world, browser):
    rows = table()[:5]  # only the key block: 60 of 100
    page = f"/plans/{world.plan.id}/edit"
    browser.login(world.a_liaison)
    r = browser.submit(page, page, {**form_rows(rows), "version": world.plan.version})
    assert r.status_code == 422
    assert "一级指标权重合计 60，应为 100" in text(r)


def test_deleting_a_row_with_the_checkbox_works_without_script(world, browser):
    rows = table()
    data = {**form_rows(rows), "version": world.plan.version, "rows-1-delete": "y"}
    # 1-1 deleted: 1-2 must carry the whole 60 for the table to stay valid.
    data["rows-2-weight"] = "60"
    data["rows-3-weight"] = "30"
    data["rows-4-weight"] = "30"
    page = f"/plans/{world.plan.id}/edit"
    browser.login(world.a_liaison)
    assert browser.submit(page, page, data).status_code == 302
    db.session.refresh(world.plan)
    assert "1-1" not in [i.code for i in world.plan.indicators]


def test_a_save_on_a_stale_version_is_refused_and_keeps_the_input(world, browser):
    """The head saved meanwhile: the liaison's save is refused (409), their typing kept."""
    rows = table()
    rows[0]["content"] = "我的修改"
    page = f"/plans/{world.plan.id}/edit"
    browser.login(world.a_liaison)
    stale = world.plan.version
    plans.replace_indicators(world.a_head, world.plan.id, table())
    r = browser.submit(page, page, {**form_rows(rows), "version": stale})
    assert r.status_code == 409
    assert "我的修改" in text(r)


def test_only_the_units_liaison_and_head_may_edit_and_only_in_draft(world, browser):
    """Can the office edit a unit's table? No (403). Can the liaison after submission? No (409)."""
    page = f"/plans/{world.plan.id}/edit"
    browser.login(world.office)
    assert browser.get(page).status_code == 403
    plans.fire(world.a_liaison, world.plan.id, "submit")
    browser.login(world.a_liaison)
    assert browser.get(page).status_code == 409
    browser.login(world.b_liaison)
    assert browser.get(page).status_code == 403
