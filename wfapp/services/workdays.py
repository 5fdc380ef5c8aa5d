"""Working days (工作日): China's statutory holidays and adjusted working days (调休) from the
`chinesecalendar` package, overridden by the days a program's office declares.

The package knows a fixed range of years (it raises NotImplementedError outside them). A day
outside that range is not guessed: it raises CalendarNotCovered, unless the office has
declared the day itself, so a due date never silently ignores a holiday.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import chinese_calendar

from wfapp.services.errors import Invalid, Problem

# Days the office declared for a program: True = working day, False = closure.
Overrides = Mapping[date, bool]

# Working days in a row without one working day is impossible; stop searching after this.
_MAX_SEARCH_DAYS = 366


def coverage() -> tuple[int, int]:
    """The first and last year the installed holiday package knows."""
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


class CalendarNotCovered(Invalid):
    def __init__(self, day: date):
        first, last = coverage()
        message = (
            f"节假日数据仅覆盖 {first}–{last} 年，无法判断 {day.isoformat()} 是否为工作日。"
            "请升级 chinesecalendar 软件包，或由绩效办登记该日是否工作。"
        )
        super().__init__(message, [Problem("calendar", message)])
        self.day = day


def is_working_day(day: date, overrides: Overrides | None = None) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarNotCovered(day) from exc


def add_working_days(day: date, n: int, overrides: Overrides | None = None) -> date:
    """The n-th working day after `day` (n ≥ 1); `day` itself never counts."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current, counted = day, 0
    for _ in range(n + _MAX_SEARCH_DAYS):
        current += timedelta(days=1)
        if is_working_day(current, overrides):
            counted += 1
            if counted == n:
                return current
    raise CalendarNotCovered(current)


def add_working_days_or_estimate(
    day: date, n: int, overrides: Overrides | None = None
) -> tuple[date, bool]:
    """Like add_working_days, but where the holiday data ends (next year's 调休 schedule is
    published only late in the year) count Monday to Friday instead; the flag says so.
    For defaults that must not block an action, e.g. the due date of items made from
    findings when an evaluation is closed in December."""
    try:
        return add_working_days(day, n, overrides), False
    except CalendarNotCovered:
        current, counted = day, 0
        while counted < n:
            current += timedelta(days=1)
            try:
                counted += is_working_day(current, overrides)
            except CalendarNotCovered:
                counted += current.weekday() < 5
        return current, True


def next_working_day(day: date, overrides: Overrides | None = None) -> date:
    """`day` if it is a working day, else the first working day after it."""
    return day if is_working_day(day, overrides) else add_working_days(day, 1, overrides)


def working_days_between(start: date, end: date, overrides: Overrides | None = None) -> int:
    """Working days in (start, end]: how many working days `end` is after `start`."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current, overrides)
    return count
