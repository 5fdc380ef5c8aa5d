"""Print layout shared by the workbooks the app hands out (the 考评表, the results): fonts
offices have, row heights for wrapped text, A4 landscape one page wide with the header rows
repeated on every page, 第 N 页 共 M 页 in the footer, and a 盖章 / 签字 / 日期 block.

Excel and LibreOffice do not grow a row for wrapped text in a file they did not lay out
themselves, so the heights are written here from an estimate of each cell's lines: a CJK
character is two width units of a column at 11 pt, other characters about one.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

# Names as Windows offices have them. charset 134 (GB2312) lets a machine without the
# named font substitute another Chinese font of the same family instead of a Latin one.
BODY_FONT = "宋体"
DOCUMENT_FONT = "仿宋_GB2312"  # the unit line and the signature block, as in 公文
TITLE_FONT = "黑体"
HEADER_FONT = "黑体"
BODY_SIZE = 11
TITLE_SIZE = 18
GB2312 = 134
SERIF, SANS = 1, 2  # font family: roman, swiss

POINTS_FORMAT = "0.00"  # every score and factor: the schemes round to two places
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF4")
SUBTOTAL_FILL = PatternFill("solid", fgColor="F3F3F3")
FOOTER = "第 &P 页 共 &N 页"
LINE_POINTS = 1.35  # a wrapped line's height per point of font size
PADDING_POINTS = 4


def body_font(*, bold: bool = False, size: float = BODY_SIZE) -> Font:
    return Font(name=BODY_FONT, size=size, bold=bold, charset=GB2312, family=SERIF)


def document_font(*, size: float = 12) -> Font:
    return Font(name=DOCUMENT_FONT, size=size, charset=GB2312, family=SERIF)


def title_font(size: float = TITLE_SIZE) -> Font:
    return Font(name=TITLE_FONT, size=size, charset=GB2312, family=SANS)


def header_font() -> Font:
    return Font(name=HEADER_FONT, size=BODY_SIZE, charset=GB2312, family=SANS)


# --- how tall a row must be -------------------------------------------------------------


def text_width(text: str) -> float:
    """Width in column units at 11 pt: CJK and full-width characters take two."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def lines_needed(value: object, column_width: float, size: float = BODY_SIZE) -> int:
    """How many lines a wrapped cell takes in a column `column_width` units wide."""
    if value is None or value == "":
        return 1
    text = str(value)
    usable = max(column_width - 1.5, 1.0)  # the cell's inner margins
    scale = size / BODY_SIZE
    return sum(max(1, math.ceil(text_width(part) * scale / usable)) for part in text.split("\n"))


def height_for(lines: int, size: float = BODY_SIZE) -> float:
    return round(lines * size * LINE_POINTS + PADDING_POINTS, 1)


def fit_row_heights(ws: Worksheet, first: int, last: int, size: float = BODY_SIZE) -> None:
    """Heights for rows first..last from their cells' text, then grown where a cell merged
    over several rows needs more than those rows give it."""
    widths = {
        col: ws.column_dimensions[get_column_letter(col)].width or 9.0
        for col in range(1, ws.max_column + 1)
    }
    spans: dict[tuple[int, int], tuple[int, int]] = {}  # top-left → (last row, width)
    covered: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        if rng.max_row < first or rng.min_row > last:
            continue
        width = sum(widths.get(c, 9.0) for c in range(rng.min_col, rng.max_col + 1))
        spans[(rng.min_row, rng.min_col)] = (rng.max_row, width)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                covered.add((r, c))
    heights: dict[int, float] = {}
    for r in range(first, last + 1):
        lines = 1
        for c in range(1, ws.max_column + 1):
            value = ws.cell(r, c).value
            span = spans.get((r, c))
            if span and span[0] > r:
                continue  # a cell over several rows: handled below
            if (r, c) in covered and not span:
                continue
            width = span[1] if span else widths.get(c, 9.0)
            lines = max(lines, lines_needed(value, width, size))
        heights[r] = height_for(lines, size)
    for (top, col), (bottom, width) in spans.items():
        if bottom <= top:
            continue
        need = height_for(lines_needed(ws.cell(top, col).value, width, size), size)
        rows = [r for r in range(top, bottom + 1) if r in heights]
        have = sum(heights[r] for r in rows)
        if rows and need > have:
            extra = (need - have) / len(rows)
            for r in rows:
                heights[r] = round(heights[r] + extra, 1)
    for r, h in heights.items():
        ws.row_dimensions[r].height = h


# --- the page ---------------------------------------------------------------------------


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def print_setup(ws: Worksheet, header_rows: str) -> None:
    """A4 landscape, one page wide (as many tall as it takes), `header_rows` ("3:3")
    repeated on every page, centred, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = header_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.75
    ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.font = f"{BODY_FONT},Regular"
    ws.oddFooter.center.size = 10
    ws.evenFooter.center.text = FOOTER


def title_row(ws: Worksheet, row: int, text: str, width: int) -> None:
    ws.cell(row, 1, text)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    cell = ws.cell(row, 1)
    cell.font = title_font()
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[row].height = height_for(1, TITLE_SIZE) + 6


def header_cells(cells: Iterable) -> None:
    for cell in cells:
        cell.font = header_font()
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER


def body_cell(cell, *, bold: bool = False, horizontal: str | None = None) -> None:
    cell.font = body_font(bold=bold)
    cell.border = BORDER
    if isinstance(cell.value, (int, float, Decimal)) and not isinstance(cell.value, bool):
        horizontal = horizontal or "center"
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)


def signature_block(ws: Worksheet, row: int, width: int, parts: Sequence[str]) -> int:
    """After a blank row: the parts ("填报单位（盖章）" …) side by side with room to sign,
    then 日期. Returns the last row written."""
    row += 1
    per = max(1, width // len(parts))
    for i, label in enumerate(parts):
        start = 1 + i * per
        end = width if i == len(parts) - 1 else start + per - 1
        ws.cell(row, start, f"{label}：")
        ws.merge_cells(start_row=row, start_column=start, end_row=row, end_column=end)
        cell = ws.cell(row, start)
        cell.font = document_font()
        cell.alignment = Alignment(horizontal="left", vertical="top")
    ws.row_dimensions[row].height = 48  # room for a seal and a signature
    row += 1
    ws.cell(row, 1, "日期：　　　　年　　月　　日")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.cell(row, 1).font = document_font()
    ws.cell(row, 1).alignment = Alignment(horizontal="right", vertical="center")
    ws.row_dimensions[row].height = 24
    return row
