"""What an uploader may send as Excel, and what an export may carry: the permission is
checked before the file is parsed, a workbook beyond the declared caps is refused in Chinese
naming the limit (cheaply, before openpyxl loads it), and exported texts never run as formulas."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from tests.factories import table
from tests.pages import text
from wfapp.database import db
from wfapp.models import Indicator, Plan
from wfapp.services import targets, xlsx_bounds


def _workbook(cells: dict[str, object]) -> bytes:
    wb = Workbook()
    for ref, value in cells.items():
        wb.active[ref] = value
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _patched(data: bytes, change) -> bytes:
    """The workbook with its first sheet's XML rewritten by change(xml)."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = change(body.decode()).encode()
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _merged_everywhere(xml: str) -> str:
    merge = '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    return xml.replace("</sheetData>", "</sheetData>" + merge)


def _declared_huge(xml: str) -> str:
    return re.sub(r'<dimension ref="[^"]*" ?/>', '<dimension ref="A1:XFD1048576"/>', xml)


ATTACKS = {
    "a cell at row 100,000": (_workbook({"A100000": "x"}), f"超过 {xlsx_bounds.MAX_ROWS} 行的上限"),
    "a cell in column 200": (_workbook({"GR1": "x"}), f"超过 {xlsx_bounds.MAX_COLUMNS} 列的上限"),
    "A1:XFD1048576 merged": (
        _patched(_workbook({"A1": "x"}), _merged_everywhere),
        f"超过 {xlsx_bounds.MAX_ROWS} 行的上限",
    ),
    "a dimension that claims the whole sheet": (
        _patched(_workbook({"A1": "x"}), _declared_huge),
        f"超过 {xlsx_bounds.MAX_ROWS} 行的上限",
    ),
    "too many cells": (
        _workbook({f"{col}{r}": 1 for r in range(1, 520) for col in "ABCDEFGHIJKLMNOPQRST"}),
        f"超过 {xlsx_bounds.MAX_CELLS} 个单元格的上限",
    ),
}


def _rows(plan_id: int) -> list[dict]:
    db.session.expire_all()
    return [i.as_row() for i in db.session.get(Plan, plan_id).indicators]


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_liaison_is_told_the_limit_and_nothing_changes(world, api, attack):
    data, message = ATTACKS[attack]
    db.session.commit()
    before = _rows(world.plan.id)
    liaison = api(world.a_liaison)
    url = f"/api/v1/plans/{world.plan.id}/indicators.xlsx"
    r = liaison.client.put(url, data=data, headers=liaison.headers)
    assert r.status_code == 422
    assert message in r.get_json()["message"]
    assert r.get_json()["errors"][0]["code"] == "file"
    assert _rows(world.plan.id) == before


def test_the_page_shows_the_limit_next_to_the_file_field(world, browser):
    db.session.commit()
    browser.login(world.a_liaison)
    data, message = ATTACKS["a cell at row 100,000"]
    page = f"/plans/{world.plan.id}/edit"
    r = browser.submit(
        page,
        f"/plans/{world.plan.id}/import",
        {"file": (BytesIO(data), "t.xlsx"), "version": world.plan.version},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert message in text(r)


@pytest.mark.parametrize("attack", ["a cell at row 100,000", "A1:XFD1048576 merged"])
def test_an_evaluator_is_refused_before_the_file_is_read(world, api, attack):
    """The review's attack: any logged-in account made the worker parse the file. Now the
    permission comes first: the same answer for a bomb as for any body."""
    db.session.commit()
    evaluator = api(world.evaluator)
    url = f"/api/v1/plans/{world.plan.id}/indicators.xlsx"
    for data in (ATTACKS[attack][0], b"not even a zip"):
        r = evaluator.client.put(url, data=data, headers=evaluator.headers)
        assert r.status_code in (403, 404)


def test_a_control_character_in_a_cell_is_refused_naming_the_cell(world, api):
    db.session.commit()
    liaison = api(world.a_liaison)
    url = f"/api/v1/plans/{world.plan.id}/indicators.xlsx"
    wb = load_workbook(BytesIO(liaison.get(url).data))
    # XML 1.0 cannot carry U+0003, but DEL and C1 controls it can: written by hand, as a
    # hostile client would.
    wb.active["D5"] = "完成投资XCTRLX"
    out = BytesIO()
    wb.save(out)
    data = _patched(out.getvalue(), lambda xml: xml.replace("XCTRLX", "&#x7f;"))
    r = liaison.client.put(url, data=data, headers=liaison.headers)
    assert r.status_code == 422, r.get_json()
    assert "D5" in r.get_json()["message"] and "U+007F" in r.get_json()["message"]


def test_a_table_beyond_the_row_cap_is_refused_with_the_cap(world, api):
    """10,000 rows took 38 s to import and 28 s to export."""
    db.session.commit()
    liaison = api(world.a_liaison)
    rows = table()
    leaf = dict(rows[-1])
    many = rows + [{**leaf, "code": f"9-{n}", "weight": "0"} for n in range(targets.MAX_ROWS)]
    r = liaison.put(f"/api/v1/plans/{world.plan.id}/indicators", json={"indicators": many})
    assert r.status_code == 422
    assert f"最多 {targets.MAX_ROWS} 行" in str(r.get_json())


FORMULAS = ['=HYPERLINK("http://x","点此")', "+1+1", "-2+3", "@SUM(A1)"]


def test_an_exported_text_that_looks_like_a_formula_stays_text(world, api):
    db.session.commit()
    liaison = api(world.a_liaison)
    rows = [dict(r) for r in table()]
    for row, formula in zip(rows[1:], FORMULAS, strict=False):
        row["content"] = formula
    r = liaison.put(f"/api/v1/plans/{world.plan.id}/indicators", json={"indicators": rows})
    assert r.status_code == 200, r.get_json()
    data = liaison.get(f"/api/v1/plans/{world.plan.id}/indicators.xlsx").data
    with zipfile.ZipFile(BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert "<f>" not in sheet
    assert 'quotePrefix="1"' in styles
    ws = load_workbook(BytesIO(data)).active
    texts = {c.value: c for r in ws.iter_rows() for c in r if isinstance(c.value, str)}
    for formula in FORMULAS:
        assert texts[formula].data_type == "s" and texts[formula].quotePrefix


@pytest.mark.parametrize("value", ["\t=1+1", "\r=1+1", "=1+1", "@A1", "-1", "+1"])
def test_every_formula_prefix_is_written_as_text(value):
    from wfapp.services import xlsx_safe

    wb = Workbook()
    xlsx_safe.append(wb.active, ["序号", value, 3])
    out = BytesIO()
    wb.save(out)
    cell = load_workbook(BytesIO(out.getvalue())).active["B1"]
    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value == value.replace("\r", "\n")  # XML reads CR as LF


def test_a_control_character_stored_before_the_check_no_longer_breaks_the_export(world, api):
    """U+0003 in an indicator made the export answer 500 for every user of that plan."""
    indicator = db.session.query(Indicator).filter_by(plan_id=world.plan.id).first()
    indicator.content = "旧数据\x03内容"
    db.session.commit()
    r = api(world.a_liaison).get(f"/api/v1/plans/{world.plan.id}/indicators.xlsx")
    assert r.status_code == 200
    values = [c.value for row in load_workbook(BytesIO(r.data)).active.iter_rows() for c in row]
    assert "旧数据内容" in values
