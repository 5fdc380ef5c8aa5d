"""The exported 考评表 and results are documents an office can print, stamp and file: Chinese
fonts, row heights for wrapped text, A4 landscape one page wide with the header repeated,
page numbers, a 盖章 / 签字 / 日期 block, no workflow state, scores with two decimals. The
last tests print them with LibreOffice and read the PDF pages."""

from __future__ import annotations

import shutil
import subprocess
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook

from tests.components import missing
from tests.results.helpers import results_world
from tests.results.test_results import base, close
from wfapp.database import db
from wfapp.services import excel, excel_layout, plans
from wfapp.services.demo import jinjiang_rows


def _sheet(data: bytes):
    return load_workbook(BytesIO(data)).active


def _jinjiang_export(world) -> bytes:
    plans.replace_indicators(world.a_liaison, world.plan.id, jinjiang_rows())
    world.plan.approval_number = "泉直政府效办〔2024〕8号"
    world.plan.state = "published"
    db.session.commit()
    return excel.export_plan(world.a_liaison, world.plan.id)[1]


def _assert_print_setup(ws, header_rows: str) -> None:
    setup = ws.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == 9  # A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == header_rows
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"


def _signature_texts(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value]


def test_the_exported_table_is_a_document_to_stamp(world):
    """A liaison's download of the 考评表: 黑体 title, 宋体 cells, one header row repeated on
    every printed page, A4 landscape one page wide, page numbers and a signature block;
    the approval number is there, the workflow stage is not."""
    ws = _sheet(_jinjiang_export(world))
    _assert_print_setup(ws, "$3:$3")
    assert ws["A1"].font.name == excel_layout.TITLE_FONT and ws["A1"].font.sz >= 16
    assert ws["D4"].font.name == excel_layout.BODY_FONT and ws["D4"].font.charset == 134
    assert ws["A3"].font.name == excel_layout.HEADER_FONT
    texts = _signature_texts(ws)
    assert not [t for t in texts if "环节" in t or t.endswith("：公开")]
    assert "批复文号：泉直政府效办〔2024〕8号" in texts
    assert {"填报单位（盖章）：", "单位负责人（签字）："} <= set(texts)
    assert any(t.startswith("日期：") for t in texts)


def test_wrapped_rows_are_as_tall_as_their_text(world):
    """Every table row has a height, and a row whose content wraps over three lines is about
    three times as tall as a one-line row."""
    ws = _sheet(_jinjiang_export(world))
    total = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
    heights = {r: ws.row_dimensions[r].height for r in range(4, total + 1)}
    assert all(h for h in heights.values())
    width = ws.column_dimensions["D"].width
    for r in range(4, total):
        lines = excel_layout.lines_needed(ws.cell(r, 4).value, width)
        assert heights[r] >= excel_layout.height_for(lines) - 0.1, r
    one = min(heights.values())
    long_row = max(range(4, total), key=lambda r: len(str(ws.cell(r, 4).value or "")))
    assert excel_layout.lines_needed(ws.cell(long_row, 4).value, width) >= 3
    assert heights[long_row] >= 2.5 * one


def test_lines_are_estimated_from_cjk_width():
    """Forty CJK characters fill two lines of a column 42 wide; as many Latin ones, one."""
    assert excel_layout.lines_needed("测" * 40, 42) == 2
    assert excel_layout.lines_needed("a" * 36, 42) == 1
    assert excel_layout.lines_needed("一\n二\n三", 42) == 3


def test_the_results_export_prints_one_page_wide_with_two_decimals(app, api):
    """The office's results: landscape, header repeated, every column given a width, every
    score with two decimals, signed by the office."""
    world = results_world()
    close(api, world)
    r = api(world.office).get(f"{base(world)}/results.xlsx")
    ws = _sheet(r.data)
    _assert_print_setup(ws, "$3:$3")
    header = [c.value for c in ws[3]]
    assert all(ws.column_dimensions[chr(65 + i)].width for i in range(len(header)))
    assert ws.row_dimensions[3].height >= excel_layout.height_for(1)
    total = header.index("综合得分") + 1
    scores = [ws.cell(row, total) for row in range(4, 8)]
    assert {c.number_format for c in scores} == {"0.00"}
    assert "绩效办（盖章）：" in _signature_texts(ws)


# --- printed ------------------------------------------------------------------------------


def _pdf_pages(tmp_path: Path, data: bytes) -> list[str]:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None or shutil.which("pdftotext") is None:
        missing("LibreOffice", "apt-get install libreoffice-calc poppler-utils fonts-noto-cjk")
    source = tmp_path / "export.xlsx"
    source.write_bytes(data)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "export.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # pdftotext keeps or drops the spaces around the numbers: compare without them.
    return ["".join(p.split()) for p in text.split("\f") if p.strip()]


def test_libreoffice_prints_the_table_with_header_and_page_numbers(world, tmp_path):
    """Printed, the 54-indicator table repeats its header on every page, numbers the pages
    第 N 页 共 M 页 and ends with the signature block."""
    pages = _pdf_pages(tmp_path, _jinjiang_export(world))
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert "目标内容与责任分解" in page, n
        assert f"第{n}页共{len(pages)}页" in page, n
    assert "盖章" in pages[-1] and "日期" in pages[-1]


def test_libreoffice_prints_the_results_on_one_page_with_whole_headers(app, api, tmp_path):
    """The four units' results fit one landscape page, headers whole (目标考评得分, not 分)."""
    world = results_world()
    close(api, world)
    pages = _pdf_pages(tmp_path, api(world.office).get(f"{base(world)}/results.xlsx").data)
    assert len(pages) == 1
    assert "目标考评得分" in pages[0] and "综合得分" in pages[0] and "第1页共1页" in pages[0]
    assert "盖章" in pages[0]
