"""The target table (考评表) as an Excel workbook, in the layout of the sources' table:

    一级指标 | 二级指标 | 序号 | 目标内容与责任分解 | 权重 | 责任领导 | 责任科室 | 责任人 | 备注

One row per indicator below the first level; the first-level indicator (二级指标, e.g.
"重点工作目标" 40分) is its 小计 row, closing its block; 一级指标 and 二级指标 cells are merged
over their rows; a 合计 row ends the table. Parents follow from the codes ("1-2-1" under
"1-2", otherwise under the block's first-level indicator) and categories from the
一级指标/二级指标 names; where a table departs from that, the export adds the columns
上级序号 / 类别 so that export → import → export loses nothing. A sheet typed by hand in the
same layout imports too: 小计 rows and merged cells are optional, blank 一级/二级指标 cells
continue the row above.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from typing import Any

from flask import current_app
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment

from wfapp.models import Plan, User
from wfapp.models.plan import CATEGORY_LABELS, Category
from wfapp.services import excel_layout as layout_xl
from wfapp.services import plans
from wfapp.services.errors import Invalid, Problem
from wfapp.services.layout import SUBTOTAL, build_layout
from wfapp.services.targets import CHILD_SUM, TOTAL_CODE, parse_weight

HEADERS = [
    "一级指标",
    "二级指标",
    "序号",
    "目标内容与责任分解",
    "权重",
    "责任领导",
    "责任科室",
    "责任人",
    "备注",
]
PARENT_HEADER, CATEGORY_HEADER = "上级序号", "类别"
SUBTOTAL_TEXT = "小计"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A zip that inflates beyond this is refused before openpyxl reads it (zip bombs).
MAX_INFLATED_BYTES = 50 * 1024 * 1024
NOT_EXCEL = "文件不是 Excel 工作簿（.xlsx），请上传由本系统导出或按相同格式填写的 .xlsx 文件"
OLD_EXCEL = "这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再上传"
_POINTS_SUFFIX = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$|(\d+(?:\.\d+)?)\s*分$")
_CATEGORY_WORDS = {"重点": Category.KEY, "常规": Category.REGULAR, "动态": Category.DYNAMIC}
# 一级指标 … 备注, then 上级序号 / 类别 when present; about 150 units: one A4 landscape width.
_WIDTHS = (12, 13, 7, 58, 7, 13, 15, 13, 12, 9, 9)
_CENTERED = Alignment(horizontal="center", vertical="center", wrap_text=True)
SIGNATURES = ("填报单位（盖章）", "单位负责人（签字）", "绩效联络员（签字）")


def _join(names: list[str]) -> str:
    return "、".join(names)


def derived_category(family: str, block: str) -> str | None:
    """The category a 一级指标/二级指标 pair names, as the sources write them."""
    if "行政能力" in family or "行政能力" in block:
        return Category.CAPACITY
    for word, category in _CATEGORY_WORDS.items():
        if word in block:
            return category
    return None


def derived_parent(code: str, earlier: set[str], root: str) -> str:
    """ "1-2-1" belongs under "1-2" when that row came before it in the block, else the root."""
    parts = code.split("-")
    for n in range(len(parts) - 1, 0, -1):
        candidate = "-".join(parts[:n])
        if candidate in earlier and candidate != code:
            return candidate
    return root


# --- export ------------------------------------------------------------------------------


def export_plan(user: User, plan_id: int) -> tuple[str, bytes]:
    """The plan's table as (file name, .xlsx bytes), for anyone who may see the plan."""
    plan = plans.get_plan(user, plan_id)
    return filename(plan), plan_workbook(plan)


def filename(plan: Plan) -> str:
    return f"{plan.program.year}年度{plan.unit.short_name}绩效目标考评表.xlsx"


def plan_workbook(plan: Plan, rows: list[dict[str, Any]] | None = None) -> bytes:
    title = f"{plan.program.year}年度{plan.unit.name}绩效管理目标考评表"
    # A document to stamp and file: no workflow state, the approval number once there is one.
    status = f"批复文号：{plan.approval_number}" if plan.approval_number else ""
    return table_workbook(
        title, f"参评单位：{plan.unit.name}", status, rows or [i.as_row() for i in plan.indicators]
    )


def table_workbook(title: str, unit_line: str, status: str, rows: list[dict[str, Any]]) -> bytes:
    layout = build_layout(rows)
    # Which rows the plain layout would read back differently: write those facts explicitly.
    parents: dict[int, str] = {}
    categories: dict[int, str] = {}
    block_codes: set[str] = set()
    for i, r in enumerate(layout.rows):
        if r.block_span:
            block_codes = set()
        if r.kind == SUBTOTAL:
            if derived_category(r.family, r.block) != r.category:
                categories[i] = CATEGORY_LABELS[Category(r.category)]
            root = r.code
            for j in range(i - len(block_codes), i):
                item = layout.rows[j]
                earlier = {layout.rows[k].code for k in range(i - len(block_codes), j)}
                if derived_parent(item.code, earlier, root) != item.parent:
                    parents[j] = item.parent or ""
        else:
            block_codes.add(r.code)
    headers = list(HEADERS)
    if parents:
        headers.append(PARENT_HEADER)
    if categories:
        headers.append(CATEGORY_HEADER)
    width = len(headers)

    wb = Workbook()
    ws = wb.active
    ws.title = "考评表"
    layout_xl.title_row(ws, 1, title, width)
    ws.append([unit_line, None, None, None, None, status])
    ws.merge_cells("A2:E2")
    ws.merge_cells(start_row=2, start_column=6, end_row=2, end_column=width)
    for cell in ws[2]:
        cell.font = layout_xl.document_font()
        cell.alignment = Alignment(vertical="center")
    ws.append(headers)
    layout_xl.header_cells(ws[3])

    first = 4
    for i, r in enumerate(layout.rows):
        subtotal = r.kind == SUBTOTAL
        values: list[Any] = [
            f"{r.family}（{_num_text(r.family_weight)}分）" if r.family_span else None,
            r.block if r.block_span else None,
            r.code,
            SUBTOTAL_TEXT if subtotal else r.content,
            r.weight,
            _join(r.responsible_leaders),
            _join(r.responsible_departments),
            _join(r.responsible_persons),
            r.note,
        ]
        if PARENT_HEADER in headers:
            values.append(parents.get(i))
        if CATEGORY_HEADER in headers:
            values.append(categories.get(i))
        ws.append(values)
        line = first + i
        for cell in ws[line]:
            layout_xl.body_cell(cell, bold=subtotal)
            if subtotal:
                cell.fill = layout_xl.SUBTOTAL_FILL
        for column in (1, 2, 3):  # 一级指标, 二级指标, 序号
            ws.cell(line, column).alignment = _CENTERED
        if r.family_span > 1:
            ws.merge_cells(
                start_row=line, start_column=1, end_row=line + r.family_span - 1, end_column=1
            )
        if r.block_span > 1:
            ws.merge_cells(
                start_row=line, start_column=2, end_row=line + r.block_span - 1, end_column=2
            )
    total_line = first + len(layout.rows)
    ws.append([TOTAL_CODE, None, None, None, layout.total])
    ws.merge_cells(start_row=total_line, start_column=1, end_row=total_line, end_column=4)
    for cell in ws[total_line][:width]:
        layout_xl.body_cell(cell, bold=True, horizontal="center")

    layout_xl.set_widths(ws, _WIDTHS[:width])
    layout_xl.fit_row_heights(ws, 2, total_line)
    layout_xl.signature_block(ws, total_line + 1, width, SIGNATURES)
    ws.freeze_panes = "A4"
    layout_xl.print_setup(ws, "3:3")
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _num_text(value) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- import ------------------------------------------------------------------------------


@dataclass
class ParsedSheet:
    rows: list[dict[str, Any]]
    lines: dict[str, list[int]] = field(default_factory=dict)  # code → Excel row numbers
    total_line: int | None = None

    def locate(self, problem: Problem) -> Problem:
        """The problem named by its Excel row number."""
        if problem.code == TOTAL_CODE:
            where = f"第{self.total_line}行（合计）" if self.total_line else "合计"
            return Problem(
                f"第{self.total_line}行" if self.total_line else TOTAL_CODE,
                f"{where}：{problem.message}",
            )
        found = self.lines.get(problem.code)
        if not found:
            return problem
        line = found[-1] if problem.message == "序号重复" else found[0]
        return Problem(
            f"第{line}行", f"第{line}行（序号 {problem.code}）：{problem.message}", problem.column
        )

    def locate_changed(self, problem: Problem, stored: dict[str, Decimal]) -> list[Problem]:
        """Weights that no longer add up are named at the rows whose weight the sheet changed
        (against the stored table), not at the 小计 or 合计 row that only shows the sum."""
        if problem.column != CHILD_SUM:
            return [self.locate(problem)]
        parent = None if problem.code == TOTAL_CODE else problem.code
        if parent is not None and parse_weight(self._row(parent).get("weight")) != stored.get(
            parent
        ):
            return [self.locate(problem)]  # the row itself was changed: it is the cause
        changed = [
            r
            for r in self.rows
            if r.get("parent") == parent
            and r["code"] in self.lines
            and parse_weight(r.get("weight")) != stored.get(r["code"])
        ]
        if not changed:
            return [self.locate(problem)]
        where = self.locate(problem).message.split("：", 1)[0]
        out = []
        for r in changed:
            line = self.lines[r["code"]][0]
            out.append(
                Problem(
                    f"第{line}行",
                    f"第{line}行（序号 {r['code']}，权重已改为 {_num_text(parse_weight(r['weight']))}）："
                    f"{where}的{problem.message.replace('本项', '该项')}",
                    "weight",
                )
            )
        return out

    def _row(self, code: str) -> dict[str, Any]:
        return next((r for r in self.rows if r["code"] == code), {})


def import_plan(
    user: User, plan_id: int, data: bytes, version: int | None = None
) -> tuple[Plan, list[Problem]]:
    """Replace a draft's table with the uploaded sheet; every problem names its Excel row."""
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    if len(data) > limit:
        raise _refuse(f"Excel 文件过大（上限 {limit // 1_048_576} MB）")
    sheet = parse_workbook(data)
    try:
        plan, warnings = plans.replace_indicators(
            user, plan_id, sheet.rows, version, source="excel"
        )
    except Invalid as exc:
        stored = {i.code: i.weight for i in plans.get_plan(user, plan_id).indicators}
        located = [q for p in exc.problems for q in sheet.locate_changed(p, stored)]
        raise Invalid("Excel 考评表未通过校验", located) from exc
    return plan, [sheet.locate(w) for w in warnings]


def _refuse(message: str) -> Invalid:
    return Invalid(message, [Problem("file", message)])


def _open(data: bytes):
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse(OLD_EXCEL)
    buffer = BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise _refuse(NOT_EXCEL)
    try:
        with zipfile.ZipFile(buffer) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise _refuse(NOT_EXCEL) from exc
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise _refuse(NOT_EXCEL)
    if inflated > MAX_INFLATED_BYTES:
        raise _refuse("Excel 文件内容过大，请删除无关的工作表或图片后再上传")
    try:
        return load_workbook(BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _refuse(NOT_EXCEL) from exc


_COLUMN_NAMES = {
    "序号": "code",
    "目标内容与责任分解": "content",
    "目标内容": "content",
    "权重": "weight",
    "分值": "weight",
    "权重（分）": "weight",
    "责任领导": "leaders",
    "责任科室": "departments",
    "责任人": "persons",
    "备注": "note",
    PARENT_HEADER: "parent",
    CATEGORY_HEADER: "category",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_map(cells: list[Any]) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, value in enumerate(cells):
        name = re.sub(r"\s+", "", _text(value))
        if not name:
            continue
        if "一级指标" in name and "family" not in columns:
            columns["family"] = index
            if "二级指标" not in name:
                continue
        if "二级指标" in name and "block" not in columns and columns.get("family") != index:
            columns["block"] = index
            continue
        key = _COLUMN_NAMES.get(name)
        if key and key not in columns:
            columns[key] = index
    if {"code", "content", "weight"} <= columns.keys():
        return columns
    return None


def _category_value(text: str) -> str | None:
    text = text.strip()
    for category, label in CATEGORY_LABELS.items():
        if text in (
            category.value,
            label,
            label.removesuffix("工作目标"),
            label.removesuffix("目标"),
        ):
            return category
    return None


def _strip_points(text: str) -> tuple[str, str | None]:
    match = _POINTS_SUFFIX.search(text)
    if not match:
        return text, None
    return text[: match.start()].strip(), match.group(1) or match.group(2)


@dataclass
class _Block:
    family: str
    name: str
    first_line: int
    items: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def parse_workbook(data: bytes) -> ParsedSheet:
    """Rows (as the API takes them) from an uploaded workbook, or Invalid naming rows."""
    wb = _open(data)
    for ws in wb.worksheets:
        merged: dict[tuple[int, int], Any] = {}
        for rng in ws.merged_cells.ranges:
            top_left = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    merged[(r, c)] = top_left
        table = [
            [merged.get((r, c), ws.cell(r, c).value) for c in range(1, ws.max_column + 1)]
            for r in range(1, ws.max_row + 1)
        ]
        for header_index, cells in enumerate(table[:20]):
            columns = _header_map(cells)
            if columns:
                return _parse_rows(table, header_index, columns)
    raise _refuse("未找到表头：第一张工作表中应有“序号”“目标内容与责任分解”“权重”等列")


def _parse_rows(table: list[list[Any]], header_index: int, columns: dict[str, int]) -> ParsedSheet:
    def get(cells: list[Any], key: str) -> Any:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    sheet = ParsedSheet(rows=[])
    problems: list[Problem] = []
    blocks: list[_Block] = []
    current: _Block | None = None
    family = ""
    used_roots: set[str] = set()

    def close(block: _Block, subtotal: tuple[int, list[Any]] | None) -> None:
        line = subtotal[0] if subtotal else block.first_line
        cells = subtotal[1] if subtotal else []
        name, points = _strip_points(block.name)
        if subtotal and parse_weight(points) != parse_weight(get(cells, "weight")):
            # "（40分）" is the block's points only when the 小计 row agrees.
            name, points = block.name, None
        code = _text(get(cells, "code")) if subtotal else ""
        if not code or SUBTOTAL_TEXT in code:
            first = block.items[0][1]["code"].split("-")[0] if block.items else ""
            code = first if first and first not in used_roots else str(len(used_roots) + 1)
        used_roots.add(code)
        category = _category_value(_text(get(cells, "category"))) if subtotal else None
        category = category or derived_category(block.family, name)
        if category is None:
            problems.append(
                Problem(
                    f"第{line}行",
                    f"第{line}行：无法判断类别，请在“二级指标”列写明重点、常规或动态工作目标，"
                    "或在“一级指标”列写明行政能力目标",
                )
            )
        weight: Any = get(cells, "weight") if subtotal else points
        if weight in (None, ""):
            weight = points
        root = {
            "code": code,
            "parent": None,
            "category": category or "",
            "content": name,
            "weight": weight if weight not in (None, "") else _sum_kids(block, code),
            "responsible_leaders": _text(get(cells, "leaders")),
            "responsible_departments": _text(get(cells, "departments")),
            "responsible_persons": _text(get(cells, "persons")),
            "note": _text(get(cells, "note")),
        }
        sheet.rows.append(root)
        sheet.lines.setdefault(code, []).append(line)
        earlier: set[str] = set()
        for item_line, item in block.items:
            explicit = item.pop("explicit_parent")
            item["parent"] = explicit or derived_parent(item["code"], earlier, code)
            item["category"] = category or ""
            earlier.add(item["code"])
            sheet.rows.append(item)
            sheet.lines.setdefault(item["code"], []).append(item_line)

    for offset, cells in enumerate(table[header_index + 1 :]):
        line = header_index + 2 + offset
        texts = [_text(v) for v in cells]
        if not any(texts):
            continue
        marks = {_text(get(cells, k)) for k in ("family", "block", "code", "content")}
        if TOTAL_CODE in marks:
            sheet.total_line = line
            if current is not None:
                close(current, None)
                current = None
            break  # the table ends at 合计; the signature block follows
        family = _text(get(cells, "family")) or family
        block_name = _text(get(cells, "block")) or (current.name if current else "")
        if current is not None and block_name != current.name:
            close(current, None)
            current = None
        if current is None:
            current = _Block(family, block_name, line)
            blocks.append(current)
        code, content = _text(get(cells, "code")), _text(get(cells, "content"))
        if content == SUBTOTAL_TEXT or SUBTOTAL_TEXT in code:
            close(current, (line, cells))
            current = None
            continue
        if not code:
            problems.append(Problem(f"第{line}行", f"第{line}行：序号不能为空"))
            continue
        current.items.append(
            (
                line,
                {
                    "code": code,
                    "explicit_parent": _text(get(cells, "parent")) or None,
                    "content": content,
                    "weight": get(cells, "weight"),
                    "responsible_leaders": _text(get(cells, "leaders")),
                    "responsible_departments": _text(get(cells, "departments")),
                    "responsible_persons": _text(get(cells, "persons")),
                    "note": _text(get(cells, "note")),
                },
            )
        )
    if current is not None:
        close(current, None)
    if problems:
        raise Invalid("Excel 考评表未通过校验", problems)
    if not sheet.rows:
        raise _refuse("表中没有指标行")
    return sheet


def _sum_kids(block: _Block, root: str) -> Any:
    """A first-level weight the sheet does not state: the sum of its direct children."""
    total, earlier = Decimal(0), set()
    for _, item in block.items:
        parent = item.get("explicit_parent") or derived_parent(item["code"], earlier, root)
        earlier.add(item["code"])
        if parent != root:
            continue
        weight = parse_weight(item["weight"])
        if weight is None:
            return None
        total += weight
    return str(total)
