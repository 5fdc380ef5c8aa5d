"""The 考评表 as Excel: download in the sources' layout, upload the same layout, round trip,
and every refusal names its Excel row — on the pages and in the API."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from tests.factories import row, table
from tests.pages import text
from wfapp.database import db
from wfapp.services import excel, plans
from wfapp.services.demo import jinjiang_rows
from wfapp.services.errors import Invalid


def cells(data: bytes) -> list[list]:
    ws = load_workbook(BytesIO(data)).active
    return [[c.value for c in r] for r in ws.iter_rows()]


def edited(data: bytes, **changes) -> bytes:
    """The workbook with some cells changed: edited(data, E6=20, G9=None)."""
    wb = load_workbook(BytesIO(data))
    for ref, value in changes.items():
        wb.active[ref] = value
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def rows_of(plan) -> list[dict]:
    return [i.as_row() for i in plan.indicators]


def test_the_download_has_the_sources_layout(world, browser):
    """Columns as in the sources, 一级/二级指标 cells merged, a 小计 row per block and 合计."""
    browser.login(world.a_liaison)
    r = browser.get(f"/plans/{world.plan.id}/indicators.xlsx")
    assert r.status_code == 200
    assert r.mimetype == excel.XLSX_MIME
    assert "attachment" in r.headers["Content-Disposition"]
    ws = load_workbook(BytesIO(r.data)).active
    assert [c.value for c in ws[3]] == excel.HEADERS
    assert [ws.cell(n, 3).value for n in range(4, 11)] == [
        "1-1",
        "1-2",
        "1-2-1",
        "1-2-2",
        "1",
        "2-1",
        "2",
    ]
    assert ws["D8"].value == "小计" and ws["E8"].value == 60
    assert ws["A11"].value == "合计" and ws["E11"].value == 100
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"A4:A8", "B4:B8", "A9:A10", "B9:B10", "A11:D11"} <= merged
    assert ws["A4"].value == "职能工作目标（60分）" and ws["B4"].value == "重点工作目标"


@pytest.mark.parametrize("source", ["small", "jinjiang"])
def test_export_import_export_loses_nothing(world, source):
    """Same rows, codes, parents, weights, owners and notes after a round trip, and the
    second export is cell for cell the first."""
    if source == "jinjiang":
        plans.replace_indicators(world.a_liaison, world.plan.id, jinjiang_rows())
    world.plan.indicators[-1].note = "另附说明"
    db.session.commit()
    before = rows_of(world.plan)
    _, first = excel.export_plan(world.a_liaison, world.plan.id)
    excel.import_plan(world.a_liaison, world.plan.id, first)
    db.session.refresh(world.plan)
    assert rows_of(world.plan) == before
    _, second = excel.export_plan(world.a_liaison, world.plan.id)
    assert cells(second) == cells(first)


def test_a_tree_the_codes_do_not_tell_round_trips_through_extra_columns(world):
    """A row whose parent the code does not reveal, and a first-level row whose name does not
    say its category: the export adds 上级序号 and 类别, and nothing is lost."""
    rows = [
        row("1", None, "key", "生态保护", 60),
        row("1-1", "1", "key", "大气治理", 30),
        row("A", "1-1", "key", "扬尘整治", 30, dept="污防科"),
        row("1-2", "1", "key", "水治理", 30, dept="生态科", person="杨少峰"),
        row("2", None, "capacity", "依法行政", 40),
        row("2-1", "2", "capacity", "规范执法", 40, dept="法规科"),
    ]
    plans.replace_indicators(world.a_liaison, world.plan.id, rows)
    before = rows_of(world.plan)
    _, data = excel.export_plan(world.a_liaison, world.plan.id)
    header = cells(data)[2]
    assert header[-2:] == ["上级序号", "类别"]
    excel.import_plan(world.a_liaison, world.plan.id, data)
    db.session.refresh(world.plan)
    assert rows_of(world.plan) == before


def test_a_sheet_typed_by_hand_in_the_same_layout_imports(world):
    """No 小计 rows, no first-level codes, points written into the 二级指标 cell, blank cells
    instead of merges: it imports as the tree the layout means."""
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年度单位A绩效管理目标考评表"])
    ws.append(excel.HEADERS)
    ws.append(
        [
            "职能工作目标",
            "重点工作目标（60分）",
            "1-1",
            "完成重点项目投资",
            30,
            "王局",
            "规划科",
            "张三",
            None,
        ]
    )
    ws.append(
        [
            None,
            None,
            "1-2",
            "优化营商环境",
            30,
            "王局",
            "审批科、办公室",
            "李四、王五",
            "按季度报送",
        ]
    )
    ws.append(
        ["行政能力目标", "依法行政（40分）", "2-1", "规范行政执法", 40, None, "法规科", None, None]
    )
    ws.append(["合计", None, None, None, 100])
    out = BytesIO()
    wb.save(out)
    plan, warnings = excel.import_plan(world.a_liaison, world.plan.id, out.getvalue())
    got = {i.code: i for i in plan.indicators}
    assert [i.code for i in plan.indicators] == ["1", "1-1", "1-2", "2", "2-1"]
    assert got["1"].content == "重点工作目标" and got["1"].weight == Decimal(60)
    assert got["1"].category == "key" and got["2"].category == "capacity"
    assert got["1-2"].parent.code == "1"
    assert got["1-2"].responsible_departments == ["审批科", "办公室"]
    assert got["1-2"].note == "按季度报送"
    assert [w.code for w in warnings] == ["第5行"]  # 2-1 (row 5) names no person: a warning


def _first(data_changes: dict, world) -> bytes:
    _, data = excel.export_plan(world.a_liaison, world.plan.id)
    return edited(data, **data_changes)


REFUSALS = {
    # Excel rows: 4 1-1 | 5 1-2 | 6 1-2-1 | 7 1-2-2 | 8 小计 1 | 9 2-1 | 10 小计 2 | 11 合计
    # A sum that no longer holds is named at the row the sheet changed, not at its parent's.
    "wrong sum": (
        {"E6": 20},
        "第6行（序号 1-2-1，权重已改为 20）：第5行（序号 1-2）的下级指标权重合计 35，"
        "与该项权重 30 不符",
    ),
    "wrong sum under a 小计": (
        {"E4": 25},
        "第4行（序号 1-1，权重已改为 25）：第8行（序号 1）的下级指标权重合计 55，"
        "与该项权重 60 不符",
    ),
    "changed parent": ({"E5": 25}, "第5行（序号 1-2）：下级指标权重合计 30，与本项权重 25 不符"),
    "missing owner": ({"G9": None}, "第9行（序号 2-1）：末级指标至少填写一个责任科室"),
    "non-number weight": ({"E4": "三十"}, "第4行（序号 1-1）：权重必须是数字"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_bad_upload_is_refused_naming_the_excel_row(world, browser, case):
    """Uploaded on the editor page: refused (422), the row named, the table unchanged."""
    changes, message = REFUSALS[case]
    data = _first(changes, world)
    before = rows_of(world.plan)
    page = f"/plans/{world.plan.id}/edit"
    browser.login(world.a_liaison)
    r = browser.submit(
        page,
        f"/plans/{world.plan.id}/import",
        {"version": world.plan.version, "file": (BytesIO(data), "考评表.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert message in text(r)
    db.session.refresh(world.plan)
    assert rows_of(world.plan) == before


@pytest.mark.parametrize(
    "payload",
    [b"not a spreadsheet at all", b"\x89PNG\r\n\x1a\n" + b"0" * 64, b"PK\x03\x04broken zip"],
)
def test_a_file_that_is_not_excel_is_refused_whatever_its_name(world, browser, payload):
    """A text file or a picture named .xlsx: refused by its content, with a clear message."""
    page = f"/plans/{world.plan.id}/edit"
    browser.login(world.a_liaison)
    r = browser.submit(
        page,
        f"/plans/{world.plan.id}/import",
        {"version": world.plan.version, "file": (BytesIO(payload), "考评表.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "文件不是 Excel 工作簿（.xlsx）" in text(r)


def test_an_old_xls_file_is_told_to_save_as_xlsx(world):
    with pytest.raises(Invalid) as caught:
        excel.import_plan(
            world.a_liaison, world.plan.id, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100
        )
    assert "另存为 .xlsx" in caught.value.message


def test_the_api_downloads_and_replaces_the_table_as_xlsx(world, api):
    """GET and PUT /api/v1/plans/<id>/indicators.xlsx: the same workbook both ways."""
    liaison = api(world.a_liaison)
    url = f"/api/v1/plans/{world.plan.id}/indicators.xlsx"
    r = liaison.get(url)
    assert r.status_code == 200 and r.mimetype == excel.XLSX_MIME
    changed = edited(r.data, D4="完成重点项目投资（Excel 修改）")
    r = liaison.client.put(url, data=changed, headers=liaison.headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["indicators"][1]["content"] == "完成重点项目投资（Excel 修改）"


@pytest.mark.parametrize("case", list(REFUSALS))
def test_the_api_refuses_a_bad_workbook_with_row_errors(world, api, case):
    changes, message = REFUSALS[case]
    liaison = api(world.a_liaison)
    url = f"/api/v1/plans/{world.plan.id}/indicators.xlsx"
    r = liaison.client.put(url, data=_first(changes, world), headers=liaison.headers)
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert message in [e["message"] for e in errors]
    assert errors[0]["code"].startswith("第") and errors[0]["code"].endswith("行")


def test_the_api_refuses_a_stale_version_and_a_non_excel_body(world, api):
    liaison = api(world.a_liaison)
    url = f"/api/v1/plans/{world.plan.id}/indicators.xlsx"
    data = liaison.get(url).data
    r = liaison.client.put(
        f"{url}?version={world.plan.version - 1}", data=data, headers=liaison.headers
    )
    assert r.status_code == 409
    r = liaison.client.put(url, data=b"{}", headers=liaison.headers)
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["code"] == "file"


def test_the_api_lets_only_editors_upload(world, api):
    """Can the office replace a unit's table through the API? No: 403."""
    url = f"/api/v1/plans/{world.plan.id}/indicators.xlsx"
    data = api(world.a_liaison).get(url).data
    office = api(world.office)
    assert office.client.put(url, data=data, headers=office.headers).status_code == 403


def test_openapi_documents_the_xlsx_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    path = doc["paths"]["/api/v1/plans/{plan_id}/indicators.xlsx"]
    assert {"get", "put"} <= path.keys()
    assert "422" in path["put"]["responses"]


def test_the_small_factory_table_is_what_the_layout_expects():
    """Guards the row numbers the refusal cases name."""
    assert [r["code"] for r in table()] == ["1", "1-1", "1-2", "1-2-1", "1-2-2", "2", "2-1"]
