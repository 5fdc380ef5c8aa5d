"""The results (考评结果) of a group as a workbook to print, stamp and file: title, the
group and version, one header row repeated on every page, one row per unit, every score in
one format with two decimals (the schemes round to two), and the office's signature block."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook

from wfapp.services import excel_layout as layout_xl

HEADER_ROW = 3
SIGNATURES = ("绩效办（盖章）", "审核人（签字）", "制表人（签字）")
_ALIGN = {"单位": "left", "定等": "center", "等次": "center"}
_NARROW = {"排名": 6, "单位": 26, "定等": 8, "等次": 8, "降档/一票否决": 22}


def workbook(title: str, subtitle: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    width = len(headers)
    wb = Workbook()
    ws = wb.active
    ws.title = "考评结果"
    layout_xl.title_row(ws, 1, title, width)
    ws.cell(2, 1, subtitle)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1).font = layout_xl.document_font()
    for column, name in enumerate(headers, start=1):
        ws.cell(HEADER_ROW, column, name)
    layout_xl.header_cells(ws[HEADER_ROW])
    for offset, values in enumerate(rows, start=1):
        line = HEADER_ROW + offset
        for column, value in enumerate(values, start=1):
            cell = ws.cell(line, column, value)
            layout_xl.body_cell(cell, horizontal=_ALIGN.get(headers[column - 1]))
            if isinstance(value, Decimal):
                cell.number_format = layout_xl.POINTS_FORMAT
    last = HEADER_ROW + len(rows)
    layout_xl.set_widths(ws, [_NARROW.get(h, 11) for h in headers])
    layout_xl.fit_row_heights(ws, HEADER_ROW, last)
    layout_xl.signature_block(ws, last + 1, width, SIGNATURES)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3).coordinate
    layout_xl.print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}")
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
