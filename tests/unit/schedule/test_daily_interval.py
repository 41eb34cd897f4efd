from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from typing import Any

import pytest

from apsis.errors import SpecErrors
from apsis.schedule import DailyIntervalSchedule, schedules
from apsis.timespec import format_time


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def every(**keys: Any) -> DailyIntervalSchedule:
    schedule = schedules.parse({"type": "daily-interval", **keys})
    assert isinstance(schedule, DailyIntervalSchedule)
    return schedule


def runs(schedule: DailyIntervalSchedule, start: str, count: int) -> list[tuple[str, str]]:
    """(time, date arg) pairs."""
    items = islice(schedule.times(utc(start)), count)
    return [(format_time(t.time), t.args["date"]) for t in items]


def errors(**keys: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        schedules.parse({"type": "daily-interval", **keys})
    return [e.message for e in info.value.errors]


def test_daily_interval_runs_from_start_up_to_but_not_at_stop() -> None:
    schedule = every(tz="UTC", start="09:00", stop="10:00", interval="20m", calendar="Mon-Fri")
    assert runs(schedule, "2026-03-06T09:10:00Z", 4) == [
        ("2026-03-06T09:20:00Z", "2026-03-06"),
        ("2026-03-06T09:40:00Z", "2026-03-06"),
        ("2026-03-09T09:00:00Z", "2026-03-09"),
        ("2026-03-09T09:20:00Z", "2026-03-09"),
    ]


def test_daily_interval_provides_args_with_the_local_daytime() -> None:
    schedule = every(tz="America/New_York", start="09:30", stop="16:00", interval="1h")
    (first,) = islice(schedule.times(utc("2026-07-01T15:00:00Z")), 1)
    assert dict(first.args) == {
        "date": "2026-07-01",
        "time": "2026-07-01T15:30:00Z",
        "daytime": "11:30:00",
        "calendar": "all",
        "tz": "America/New_York",
    }


def test_daily_interval_overnight_window_ends_on_the_next_date() -> None:
    schedule = every(
        tz="UTC",
        start="22:00",
        stop={"daytime": "02:00", "date_shift": 1},
        interval="90m",
        calendar="Mon-Fri",
    )
    assert runs(schedule, "2026-03-06T23:00:00Z", 4) == [
        ("2026-03-06T23:30:00Z", "2026-03-06"),
        ("2026-03-07T01:00:00Z", "2026-03-06"),
        ("2026-03-09T22:00:00Z", "2026-03-09"),
        ("2026-03-09T23:30:00Z", "2026-03-09"),
    ]


def test_daily_interval_stop_cal_shift_spans_the_weekend() -> None:
    schedule = every(
        tz="UTC",
        start="20:00",
        stop={"daytime": "04:00", "cal_shift": 1},
        interval="12h",
        calendar="Mon-Fri",
    )
    # Friday's window runs on to Monday 04:00.
    assert runs(schedule, "2026-03-06T00:00:00Z", 6) == [
        ("2026-03-06T20:00:00Z", "2026-03-06"),
        ("2026-03-07T08:00:00Z", "2026-03-06"),
        ("2026-03-07T20:00:00Z", "2026-03-06"),
        ("2026-03-08T08:00:00Z", "2026-03-06"),
        ("2026-03-08T20:00:00Z", "2026-03-06"),
        ("2026-03-09T20:00:00Z", "2026-03-09"),
    ]


def test_daily_interval_overlapping_windows_merge_in_order() -> None:
    schedule = every(
        tz="UTC", start="09:00", stop={"daytime": "10:00", "date_shift": 1}, interval="10h"
    )
    assert runs(schedule, "2026-03-08T05:00:00Z", 5) == [
        ("2026-03-08T05:00:00Z", "2026-03-07"),
        ("2026-03-08T09:00:00Z", "2026-03-08"),
        ("2026-03-08T19:00:00Z", "2026-03-08"),
        ("2026-03-09T05:00:00Z", "2026-03-08"),
        ("2026-03-09T09:00:00Z", "2026-03-09"),
    ]


def test_daily_interval_describes_itself() -> None:
    schedule = every(
        tz="America/New_York",
        start="09:00",
        stop={"daytime": "02:00", "date_shift": 1},
        interval="15m",
        calendar="Mon-Fri",
    )
    assert str(schedule) == (
        "every 15m from 09:00:00 to 02:00:00 (date_shift 1) America/New_York on Mon-Fri"
    )


def test_daily_interval_jso_spells_out_both_ends() -> None:
    schedule = every(tz="UTC", start="09:00", stop="17:00", interval=3600)
    assert schedule.to_jso()["start"] == {"daytime": "09:00:00", "date_shift": 0, "cal_shift": 0}
    assert schedule.to_jso()["stop"] == {"daytime": "17:00:00", "date_shift": 0, "cal_shift": 0}


def test_daily_interval_rejects_a_stop_not_after_its_start() -> None:
    assert errors(tz="UTC", start="20:00", stop="04:00", interval="1h") == [
        "stop: 04:00:00 is not after start 20:00:00; "
        "give the stop a date_shift of 1 to end on the next day"
    ]


@pytest.mark.parametrize(("value", "shown"), [(0, "0s"), ("1 day", "1d"), (-60, "-1m")])
def test_daily_interval_interval_must_be_within_a_day(value: object, shown: str) -> None:
    assert errors(tz="UTC", start="09:00", stop="17:00", interval=value) == [
        f"interval: must be more than 0 and less than a day, got {shown}"
    ]


def test_daily_interval_locates_bad_ends() -> None:
    bad = errors(tz="UTC", start="25:00", stop={"daytime": "26:00", "shift": 1}, interval=60)
    assert sorted(bad) == [
        "start: '25:00' is not a daytime",
        "stop.daytime: '26:00' is not a daytime",
        "stop.shift: unknown key",
    ]
