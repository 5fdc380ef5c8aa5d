"""Paged API lists: ?page=N&per_page=M (at most 200), answered with the page's place."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import Select

from wfapp.services.errors import Invalid, Problem
from wfapp.services.lists import MAX_PAGE_SIZE, Page, paginate

API_PAGE_SIZE = 100


def _positive(name: str, default: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or (maximum is not None and value > maximum):
        limit = f"1 到 {maximum} 之间的整数" if maximum else "正整数"
        raise Invalid("分页参数无效", [Problem(name, f"{name} 应为{limit}")])
    return value


def api_page(query: Select) -> Page:
    number = _positive("page", 1)
    size = _positive("per_page", API_PAGE_SIZE, MAX_PAGE_SIZE)
    return paginate(query, number, size)


def paged(items: list[Any], page: Page) -> dict[str, Any]:
    return {
        "items": items,
        "page": page.number,
        "per_page": page.size,
        "total": page.total,
        "pages": page.pages,
    }
