"""Where the holiday data ends, defaults that must not block an action count Mon–Fri."""

from __future__ import annotations

from datetime import date

from wfapp.services.workdays import add_working_days_or_estimate, coverage


def test_inside_the_holiday_data_the_count_is_exact():
    """Across 国庆 2024 the exact count is used, and it says it is exact."""
    assert add_working_days_or_estimate(date(2024, 9, 30), 1) == (date(2024, 10, 8), False)


def test_past_the_holiday_data_weekdays_are_counted_and_flagged():
    last = coverage()[1]
    start = date(last, 12, 28)
    due, estimated = add_working_days_or_estimate(start, 10)
    assert estimated
    assert due.year == last + 1 and due.weekday() < 5


def test_a_declared_day_counts_even_past_the_data():
    """The office's own declaration (a closure) wins over the estimate."""
    last = coverage()[1]
    day = date(last + 1, 1, 4)
    plain, _ = add_working_days_or_estimate(date(last + 1, 1, 1), 1)
    declared, _ = add_working_days_or_estimate(date(last + 1, 1, 1), 1, {plain: False})
    assert declared > plain and day.year == last + 1
