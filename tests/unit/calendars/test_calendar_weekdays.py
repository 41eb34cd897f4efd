"""Weekday sets, and the moves every calendar shares (before/after/next/prev/shift)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from apsis.calendars import WeekdayCalendar, as_date, parse_weekdays

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Mon-Fri", {MON, TUE, WED, THU, FRI}),
        ("Mon,Wed,Fri", {MON, WED, FRI}),
        ("Sat-Sun", {SAT, SUN}),
        ("all", set(range(7))),
        ("ALL", set(range(7))),
        ("Wed", {WED}),
        ("mon-fri", {MON, TUE, WED, THU, FRI}),
        ("Monday-Friday", {MON, TUE, WED, THU, FRI}),
        (" Mon - Tue , Sun ", {MON, TUE, SUN}),
        ("Mon-Tue,Thu-Fri", {MON, TUE, THU, FRI}),
    ],
)
def test_weekday_sets_parse(text: str, days: set[int]) -> None:
    assert parse_weekdays(text) == frozenset(days)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Fri-Mon", {FRI, SAT, SUN, MON}),
        ("Sun-Sat", set(range(7))),
        ("Sat-Tue", {SAT, SUN, MON, TUE}),
    ],
)
def test_weekday_ranges_wrap_through_the_weekend(text: str, days: set[int]) -> None:
    assert parse_weekdays(text) == frozenset(days)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Monkey", "'Monkey' is not a weekday or weekday range"),
        ("Mo", "'Mo' is not a weekday or weekday range"),
        ("Mon-Tue-Wed", "'Mon-Tue-Wed' is not a weekday or weekday range"),
        ("Mon-", "'Mon-' is not a weekday or weekday range"),
        ("Mon,,Fri", "'' is not a weekday or weekday range"),
        ("", "'' is not a weekday or weekday range"),
        ("Mon,Fry", "'Fry' is not a weekday or weekday range"),
    ],
)
def test_bad_weekday_sets_name_the_part_not_understood(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_weekdays(text)
    assert str(info.value) == message


def test_weekday_set_must_be_text() -> None:
    with pytest.raises(ValueError, match=r"^5 is not a weekday set$"):
        parse_weekdays(5)  # type: ignore[arg-type]


def test_weekday_calendar_keeps_its_name_as_written() -> None:
    calendar = WeekdayCalendar.parse("Mon,Wed,Fri")
    assert calendar.name == "Mon,Wed,Fri"
    assert str(calendar) == "Mon,Wed,Fri"


def test_weekday_calendar_needs_a_weekday() -> None:
    with pytest.raises(ValueError, match=r"^calendar 'none' has no weekdays$"):
        WeekdayCalendar("none", frozenset())


WORKDAYS = WeekdayCalendar.parse("Mon-Fri")
FRIDAY, SATURDAY, SUNDAY, MONDAY = (date(2026, 11, d) for d in (20, 21, 22, 23))


def test_after_and_before_keep_a_calendar_date() -> None:
    assert WORKDAYS.after(FRIDAY) == FRIDAY
    assert WORKDAYS.before(FRIDAY) == FRIDAY


def test_after_and_before_cross_the_weekend() -> None:
    assert WORKDAYS.after(SATURDAY) == MONDAY
    assert WORKDAYS.after(SUNDAY) == MONDAY
    assert WORKDAYS.before(SATURDAY) == FRIDAY
    assert WORKDAYS.before(SUNDAY) == FRIDAY


def test_next_and_prev_are_strict() -> None:
    assert WORKDAYS.next(FRIDAY) == MONDAY
    assert WORKDAYS.prev(MONDAY) == FRIDAY
    assert WORKDAYS.next(SATURDAY) == MONDAY
    assert WORKDAYS.prev(SUNDAY) == FRIDAY


def test_shift_counts_calendar_dates_both_ways() -> None:
    assert WORKDAYS.shift(FRIDAY, 1) == MONDAY
    assert WORKDAYS.shift(FRIDAY, 5) == date(2026, 11, 27)
    assert WORKDAYS.shift(MONDAY, -1) == FRIDAY
    assert WORKDAYS.shift(MONDAY, -6) == date(2026, 11, 13)
    assert WORKDAYS.shift(MONDAY, 0) == MONDAY


def test_shift_takes_a_count_written_as_text() -> None:
    assert WORKDAYS.shift(FRIDAY, "2") == date(2026, 11, 24)


def test_shift_from_a_date_outside_the_calendar_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"^2026-11-21 is not in calendar 'Mon-Fri'$"):
        WORKDAYS.shift(SATURDAY, 1)


def test_calendar_methods_take_iso_text() -> None:
    assert WORKDAYS.after("2026-11-21") == MONDAY
    assert WORKDAYS.shift("2026-11-20", 1) == MONDAY
    assert "2026-11-20" in WORKDAYS
    assert "2026-11-21" not in WORKDAYS


def test_dates_lists_calendar_dates_in_order() -> None:
    dates = WORKDAYS.dates(SATURDAY)
    assert [next(dates) for _ in range(3)] == [MONDAY, date(2026, 11, 24), date(2026, 11, 25)]


def test_as_date_drops_the_time_of_a_datetime_and_rejects_junk() -> None:
    assert as_date(datetime(2026, 11, 20, 13, 5)) == FRIDAY
    assert type(as_date(datetime(2026, 11, 20, 13, 5))) is date
    with pytest.raises(ValueError, match=r"^'next friday' is not a date$"):
        as_date("next friday")
