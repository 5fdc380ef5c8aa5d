"""Working days follow China's statutory holidays and 调休, plus the office's own days."""

from __future__ import annotations

from datetime import date

import pytest

from wfapp.services.workdays import (
    CalendarNotCovered,
    add_working_days,
    coverage,
    is_working_day,
    next_working_day,
    working_days_between,
)


def test_national_day_2024_and_its_adjusted_weekend_working_days():
    """国庆 2024: Oct 1–7 off; Sunday Sep 29 and Saturday Oct 12 are working days."""
    assert is_working_day(date(2024, 9, 29))  # a Sunday, worked (调休)
    assert not is_working_day(date(2024, 10, 1))
    assert not is_working_day(date(2024, 10, 7))  # a Monday, off
    assert is_working_day(date(2024, 10, 12))  # a Saturday, worked (调休)
    assert not is_working_day(date(2024, 10, 13))  # an ordinary Sunday


def test_counting_working_days_across_national_day():
    """Friday Sep 27 + 1 is Sunday Sep 29; Monday Sep 30 + 1 is Tuesday Oct 8."""
    assert add_working_days(date(2024, 9, 27), 1) == date(2024, 9, 29)
    assert add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert add_working_days(date(2024, 9, 27), 3) == date(2024, 10, 8)
    assert add_working_days(date(2024, 10, 11), 1) == date(2024, 10, 12)
    # Sep 29, Sep 30, Oct 8, 9, 10, 11, 12.
    assert working_days_between(date(2024, 9, 28), date(2024, 10, 12)) == 7
    assert next_working_day(date(2024, 10, 3)) == date(2024, 10, 8)


def test_office_declared_days_come_first():
    """A closure the office declares is not a working day; a declared working day is."""
    closed = {date(2024, 10, 8): False}
    assert add_working_days(date(2024, 9, 30), 1, closed) == date(2024, 10, 9)
    opened = {date(2024, 10, 5): True}
    assert add_working_days(date(2024, 9, 30), 1, opened) == date(2024, 10, 5)


def test_a_year_the_holiday_data_does_not_cover_is_an_error_not_a_guess():
    """Outside the package's years a day is refused with a clear Chinese message,
    unless the office declared that day itself."""
    first, last = coverage()
    assert first <= 2024 <= last
    outside = date(last + 5, 3, 2)
    with pytest.raises(CalendarNotCovered) as caught:
        is_working_day(outside)
    assert f"{first}–{last}" in caught.value.message
    assert caught.value.status == 422
    assert is_working_day(outside, {outside: True})
