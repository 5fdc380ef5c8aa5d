"""Links of a paged list: the same page and filters, another ?page=N."""

from __future__ import annotations

from flask import request, url_for

from wfapp.services.lists import page_number


def page_url(number: int) -> str:
    args = {**(request.view_args or {}), **request.args.to_dict(), "page": number}
    return url_for(request.endpoint or "index", **args)


def requested_page() -> int:
    return page_number(request.args.get("page"))


def window(current: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: first, last, and a few around the current one;
    None where numbers are left out (shown as …)."""
    shown = sorted({1, pages, *range(max(1, current - around), min(pages, current + around) + 1)})
    out: list[int | None] = []
    for number in shown:
        if out and out[-1] is not None and number - out[-1] > 1:
            out.append(None)
        out.append(number)
    return out
