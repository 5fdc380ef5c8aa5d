"""Writing people's text into a workbook safely: a text that starts like a formula
(= + - @, tab, CR) is stored as text with Excel's quote prefix, so opening or editing the
file never runs it (a target text "=HYPERLINK(…)" was exported as a live formula); control
characters that openpyxl cannot write (stored before input refused them) are dropped rather
than failing the whole export."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def clean(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def append(ws: Any, values: Iterable[Any]) -> None:
    """ws.append(values), every text a text: never a formula."""
    ws.append([clean(v) for v in values])
    # The row just appended (max_row may already lie lower, inside a merged range below).
    for cell in ws[ws._current_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
            cell.data_type = "s"
            cell.quotePrefix = True


def cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """ws.cell(row, column, value), the value a text if it is one: never a formula."""
    target = ws.cell(row, column, clean(value))
    if isinstance(target.value, str) and target.value.startswith(FORMULA_PREFIXES):
        target.data_type = "s"
        target.quotePrefix = True
    return target
