from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

import pytest

from apsis.calendars import Calendar
from apsis.errors import SpecErrors
from apsis.schedule import DailySchedule, Schedule, schedules
from apsis.timespec import format_time


class Holidays(Calendar):
    """Weekdays without Christmas and New Year's Day 2027 (both Fridays)."""

    name = "test-holidays"

    def contains(self, day: date) -> bool:
        return day.weekday() < 5 and day not in {date(2026, 12, 25), date(2027, 1, 1)}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def daily(**keys: Any) -> DailySchedule:
    schedule = schedules.parse({"type": "daily", **keys})
    assert isinstance(schedule, DailySchedule)
    return schedule


def runs(schedule: Schedule, start: str, count: int) -> list[tuple[str, str]]:
    """(time, date arg) pairs."""
    items = islice(schedule.times(utc(start)), count)
    return [(format_time(t.time), t.args["date"]) for t in items]


def errors(**keys: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        schedules.parse({"type": "daily", **keys})
    return [e.message for e in info.value.errors]


def test_daily_runs_on_weekdays_in_the_zone() -> None:
    schedule = daily(tz="America/New_York", daytime="09:30", calendar="Mon-Fri")
    # Thu, Fri, then Mon after the weekend, which is also after the switch to EDT.
    assert runs(schedule, "2026-03-05T00:00:00Z", 3) == [
        ("2026-03-05T14:30:00Z", "2026-03-05"),
        ("2026-03-06T14:30:00Z", "2026-03-06"),
        ("2026-03-09T13:30:00Z", "2026-03-09"),
    ]


def test_daily_provides_nominal_date_time_daytime_calendar_and_zone() -> None:
    schedule = daily(tz="Europe/London", daytime="09:30", calendar="Mon-Fri", cal_shift=1)
    (first,) = islice(schedule.times(utc("2026-03-06T12:00:00Z")), 1)
    assert dict(first.args) == {
        "date": "2026-03-06",
        "time": "2026-03-09T09:30:00Z",
        "daytime": "09:30:00",
        "calendar": "Mon-Fri",
        "tz": "Europe/London",
    }


def test_daily_cal_shift_moves_friday_to_monday_and_keeps_the_date_arg() -> None:
    schedule = daily(tz="UTC", daytime="06:00", calendar="Mon-Fri", cal_shift=1)
    assert runs(schedule, "2026-03-06T00:00:00Z", 3) == [
        ("2026-03-06T06:00:00Z", "2026-03-05"),
        ("2026-03-09T06:00:00Z", "2026-03-06"),
        ("2026-03-10T06:00:00Z", "2026-03-09"),
    ]


def test_daily_negative_cal_shift_moves_monday_to_friday() -> None:
    schedule = daily(tz="UTC", daytime="18:00", calendar="Mon-Fri", cal_shift=-1)
    assert runs(schedule, "2026-03-05T19:00:00Z", 3) == [
        ("2026-03-06T18:00:00Z", "2026-03-09"),
        ("2026-03-09T18:00:00Z", "2026-03-10"),
        ("2026-03-10T18:00:00Z", "2026-03-11"),
    ]


def test_daily_date_shift_counts_plain_days_past_the_calendar() -> None:
    schedule = daily(tz="UTC", daytime="12:00", calendar="Mon-Fri", date_shift=-1)
    assert runs(schedule, "2026-03-06T00:00:00Z", 3) == [
        ("2026-03-08T12:00:00Z", "2026-03-09"),
        ("2026-03-09T12:00:00Z", "2026-03-10"),
        ("2026-03-10T12:00:00Z", "2026-03-11"),
    ]


def test_daily_cal_shift_skips_holidays() -> None:
    schedule = daily(tz="UTC", daytime="07:00", calendar=Holidays(), cal_shift=1)
    assert runs(schedule, "2026-12-24T00:00:00Z", 4) == [
        ("2026-12-24T07:00:00Z", "2026-12-23"),
        ("2026-12-28T07:00:00Z", "2026-12-24"),
        ("2026-12-29T07:00:00Z", "2026-12-28"),
        ("2026-12-30T07:00:00Z", "2026-12-29"),
    ]


def test_daily_time_shift_may_cross_midnight() -> None:
    schedule = daily(tz="UTC", daytime="23:00", time_shift="2h", calendar="Mon-Fri")
    assert runs(schedule, "2026-03-06T00:00:00Z", 3) == [
        ("2026-03-06T01:00:00Z", "2026-03-05"),
        ("2026-03-07T01:00:00Z", "2026-03-06"),
        ("2026-03-10T01:00:00Z", "2026-03-09"),
    ]


def test_daily_resumes_with_large_shifts_without_losing_times() -> None:
    schedule = daily(tz="UTC", daytime="12:00", calendar="Mon-Fri", cal_shift=10, date_shift=-3)
    # D = Mon 2026-03-02 -> ten business days on: Mon 03-16 -> back three days: Fri 03-13.
    assert runs(schedule, "2026-03-13T12:00:00Z", 2) == [
        ("2026-03-13T12:00:00Z", "2026-03-02"),
        ("2026-03-14T12:00:00Z", "2026-03-03"),
    ]


def test_daily_daytimes_are_sorted_and_deduplicated() -> None:
    schedule = daily(tz="UTC", daytime=["16:00", "09:00", "09:00:00"])
    assert [t.isoformat() for t in schedule.daytime] == ["09:00:00", "16:00:00"]
    assert [t for t, _ in runs(schedule, "2026-03-06T10:00:00Z", 3)] == [
        "2026-03-06T16:00:00Z",
        "2026-03-07T09:00:00Z",
        "2026-03-07T16:00:00Z",
    ]


def test_daily_describes_itself() -> None:
    assert (
        str(daily(tz="America/New_York", daytime="09:30", calendar="Mon-Fri"))
        == "daily at 09:30:00 America/New_York on Mon-Fri"
    )
    shifted = daily(
        tz="UTC", daytime=["16:00", "09:00"], cal_shift=1, time_shift="-30m", dst_gap="skip"
    )
    assert str(shifted) == (
        "daily at 09:00:00, 16:00:00 UTC, cal_shift 1, time_shift -30m, dst_gap skip"
    )


def test_daily_jso_names_its_calendar_and_zone() -> None:
    schedule = daily(tz="Europe/London", daytime="09:30", calendar="Mon-Fri", args={"n": 1})
    assert schedule.to_jso() == {
        "type": "daily",
        "enabled": True,
        "args": {"n": "1"},
        "tz": "Europe/London",
        "daytime": ["09:30:00"],
        "calendar": "Mon-Fri",
        "date_shift": 0,
        "cal_shift": 0,
        "time_shift": 0.0,
        "dst_gap": "first",
    }


def test_daily_rejects_a_bad_daytime() -> None:
    assert errors(tz="UTC", daytime="25:00") == ["daytime: '25:00' is not a daytime"]
    assert errors(tz="UTC", daytime=["09:00", "9h"]) == ["daytime[1]: '9h' is not a daytime"]


def test_daily_rejects_an_unknown_zone_and_calendar() -> None:
    assert sorted(errors(tz="Mars/Olympus", daytime="09:00", calendar="Moondays")) == [
        "calendar: unknown calendar 'Moondays'",
        "tz: unknown time zone 'Mars/Olympus'",
    ]


def test_daily_rejects_unknown_and_missing_keys() -> None:
    assert sorted(errors(daytime="09:00", timezone="UTC", dst_gap="later")) == [
        "dst_gap: 'later' is not one of 'first' or 'skip'",
        "timezone: unknown key",
        "tz: missing required key",
    ]
