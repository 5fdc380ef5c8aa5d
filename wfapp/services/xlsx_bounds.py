"""An uploaded .xlsx measured before it is loaded: the zip's inflated sizes, then each
worksheet's XML streamed once (its declared dimension, every row and cell reference, every
merged range), refusing in Chinese, with the limit named, what exceeds the declared caps.

Why before openpyxl: a 5 KB file with one cell at row 100,000, or one merged range
A1:XFD1048576, costs openpyxl minutes and gigabytes; the streamed count costs milliseconds
and keeps nothing but a few numbers per sheet. openpyxl then reads in read-only mode within
the measured bounds."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl import load_workbook
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    range_boundaries,
)

from wfapp.services.errors import Invalid, Problem

MAX_ROWS = 600
MAX_COLUMNS = 20
MAX_CELLS = 10_000
MAX_MERGED = 500
MAX_SHEETS = 10
MAX_INFLATED_BYTES = 20 * 1024 * 1024  # the whole zip, inflated (zip bombs)
MAX_PART_BYTES = 10 * 1024 * 1024  # one part (a sheet, the shared strings), inflated
FIELD = "file"
NOT_EXCEL = "文件不是 Excel 工作簿（.xlsx），请上传由本系统导出或按相同格式填写的 .xlsx 文件"


def refuse(message: str) -> Invalid:
    return Invalid(message, [Problem(FIELD, message)])


@dataclass
class SheetSize:
    """What one worksheet holds: its last row and column with a cell, and its merged
    ranges as (min_col, min_row, max_col, max_row)."""

    rows: int = 0
    columns: int = 0
    cells: int = 0
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _too_big(title: str, what: str) -> Invalid:
    return refuse(f"工作表“{title}”{what}，请删除多余的内容后再上传")


def _check_extent(title: str, rows: int, columns: int) -> None:
    if rows > MAX_ROWS:
        raise _too_big(title, f"超过 {MAX_ROWS} 行的上限（第 {rows} 行有内容）")
    if columns > MAX_COLUMNS:
        raise _too_big(title, f"超过 {MAX_COLUMNS} 列的上限（第 {columns} 列有内容）")


def measure_sheet(archive: zipfile.ZipFile, path: str, title: str) -> SheetSize:
    """Stream one worksheet's XML; stop at the first cap exceeded."""
    size = SheetSize()
    merged_area = 0
    row = column = 0
    try:
        with archive.open(path) as stream:
            for event, elem in iterparse(stream, events=("start", "end")):
                tag = _local(elem.tag)
                if event == "end":
                    if tag in ("row", "mergeCell"):
                        elem.clear()  # keep nothing of what was counted
                    continue
                if tag == "dimension":
                    ref = elem.get("ref") or "A1"
                    min_col, min_row, max_col, max_row = range_boundaries(
                        ref if ":" in ref else f"{ref}:{ref}"
                    )
                    _check_extent(title, max_row or 0, max_col or 0)
                elif tag == "row":
                    row = int(elem.get("r") or row + 1)
                    column = 0
                    _check_extent(title, row, 0)
                elif tag == "c":
                    ref = elem.get("r")
                    if ref:
                        letters, row = coordinate_from_string(ref)
                        column = column_index_from_string(letters)
                    else:
                        column += 1
                    _check_extent(title, row, column)
                    size.cells += 1
                    if size.cells > MAX_CELLS:
                        raise _too_big(title, f"超过 {MAX_CELLS} 个单元格的上限")
                    size.rows = max(size.rows, row)
                    size.columns = max(size.columns, column)
                elif tag == "mergeCell":
                    bounds = range_boundaries(elem.get("ref") or "")
                    min_col, min_row, max_col, max_row = (int(b or 0) for b in bounds)
                    _check_extent(title, max_row, max_col)
                    size.merged.append((min_col, min_row, max_col, max_row))
                    if len(size.merged) > MAX_MERGED:
                        raise _too_big(title, f"超过 {MAX_MERGED} 处合并单元格的上限")
                    merged_area += (max_col - min_col + 1) * (max_row - min_row + 1)
                    if merged_area > MAX_CELLS:
                        raise _too_big(title, f"合并单元格合计超过 {MAX_CELLS} 个单元格的上限")
    except (ParseError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as exc:
        raise refuse(NOT_EXCEL) from exc
    return size


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise refuse(NOT_EXCEL) from exc
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise refuse(NOT_EXCEL)
    limit_mb = MAX_INFLATED_BYTES // 1_048_576
    if sum(info.file_size for info in infos) > MAX_INFLATED_BYTES:
        raise refuse(f"Excel 文件解压后超过 {limit_mb} MB 的上限，请删除无关的工作表或图片后再上传")
    if any(info.file_size > MAX_PART_BYTES for info in infos):
        part_mb = MAX_PART_BYTES // 1_048_576
        raise refuse(f"Excel 文件中有一部分解压后超过 {part_mb} MB 的上限，请精简后再上传")


def open_bounded(data: bytes) -> tuple[Any, list[SheetSize]]:
    """The workbook in read-only mode and each worksheet's measured size, or Invalid
    naming the limit. The caller closes the workbook."""
    _check_zip(data)
    try:
        # Read-only: the workbook part, relations, shared strings and styles only, no sheet.
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise refuse(NOT_EXCEL) from exc
    try:
        if len(wb.worksheets) > MAX_SHEETS:
            raise refuse(f"Excel 工作簿超过 {MAX_SHEETS} 张工作表的上限")
        with zipfile.ZipFile(BytesIO(data)) as archive:
            sizes = [measure_sheet(archive, ws._worksheet_path, ws.title) for ws in wb.worksheets]
    except BaseException:
        wb.close()
        raise
    return wb, sizes


def read_table(ws: Any, size: SheetSize) -> list[list[Any]]:
    """The sheet's values within its measured bounds, merged cells filled from their
    top-left cell (read-only worksheets do not carry merged ranges)."""
    if not size.rows or not size.columns:
        return []
    table = [
        list(values)
        for values in ws.iter_rows(
            min_row=1, max_row=size.rows, max_col=size.columns, values_only=True
        )
    ]
    for min_col, min_row, max_col, max_row in size.merged:
        if min_row > len(table):
            continue
        top_left = table[min_row - 1][min_col - 1] if min_col <= size.columns else None
        for r in range(min_row, min(max_row, len(table)) + 1):
            for c in range(min_col, min(max_col, size.columns) + 1):
                table[r - 1][c - 1] = top_left
    return table
