"""What every list of plans shares: the columns a row shows loaded with the rows (never one
query per row), the table and peers left unloaded unless asked for, and paging."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from wfapp.database import db
from wfapp.models import PeerAssignment, Plan, Program

T = TypeVar("T")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def plan_row_options(*, peers: bool = False) -> tuple[Any, ...]:
    """Load options for plans shown as rows: unit, group and program (with its calendar) in
    the same or one more statement each; the target table not at all; peer units on request."""
    options: list[Any] = [
        joinedload(Plan.unit),
        joinedload(Plan.group),
        joinedload(Plan.program).selectinload(Program.deadlines),
        lazyload(Plan.indicators),
        lazyload(Plan.delegations),
    ]
    if peers:
        options.append(selectinload(Plan.peer_assignments).joinedload(PeerAssignment.reviewer_unit))
    else:
        options.append(lazyload(Plan.peer_assignments))
    return tuple(options)


@dataclass
class Page(Generic[T]):
    """One page of a long list: the rows, which page, how many rows in all."""

    items: list[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def first(self) -> int:
        """The 1-based position of the first row shown (0 when there is none)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def page_number(value: Any) -> int:
    """?page=N as given, 1 when missing or not a positive number."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else 1


def paginate(query: Select, number: int, size: int = PAGE_SIZE) -> Page:
    """Two statements whatever the length: the count, then the page's rows. A page past the
    end shows the last one."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    total = total or 0
    number = min(max(1, number), max(1, ceil(total / size)))
    items = list(db.session.scalars(query.limit(size).offset((number - 1) * size)).unique())
    return Page(items, number, size, total)
