from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from typing import Any

import pytest

from apsis.errors import SpecErrors
from apsis.schedule import CronSchedule, schedules
from apsis.timespec import format_time


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def cron(expr: str, **keys: Any) -> CronSchedule:
    schedule = schedules.parse({"type": "cron", "expr": expr, **keys})
    assert isinstance(schedule, CronSchedule)
    return schedule


def times(schedule: CronSchedule, start: str, count: int) -> list[str]:
    return [format_time(t.time) for t in islice(schedule.times(utc(start)), count)]


def errors(**keys: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        schedules.parse({"type": "cron", **keys})
    return [e.message for e in info.value.errors]


def test_cron_steps_ranges_and_weekday_names() -> None:
    schedule = cron("*/15 9-10 * * mon-fri")
    assert times(schedule, "2026-03-06T10:40:00Z", 3) == [
        "2026-03-06T10:45:00Z",
        "2026-03-09T09:00:00Z",
        "2026-03-09T09:15:00Z",
    ]


def test_cron_lists_and_month_names() -> None:
    assert times(cron("0 12 1 jan,jul *"), "2026-02-01T00:00:00Z", 2) == [
        "2026-07-01T12:00:00Z",
        "2027-01-01T12:00:00Z",
    ]


def test_cron_day_of_month_or_day_of_week_as_cron_does() -> None:
    # Both fields restricted: either matches (Friday 2026-03-13 is also the 13th).
    assert times(cron("0 0 13 * fri"), "2026-03-01T00:00:00Z", 4) == [
        "2026-03-06T00:00:00Z",
        "2026-03-13T00:00:00Z",
        "2026-03-20T00:00:00Z",
        "2026-03-27T00:00:00Z",
    ]


def test_cron_reads_wall_time_in_its_zone_and_provides_local_args() -> None:
    schedule = cron("0 9 * * *", tz="America/New_York")
    result = list(islice(schedule.times(utc("2026-03-07T00:00:00Z")), 2))
    assert [dict(t.args) for t in result] == [
        {"time": "2026-03-07T14:00:00Z", "date": "2026-03-07", "daytime": "09:00:00"},
        {"time": "2026-03-08T13:00:00Z", "date": "2026-03-08", "daytime": "09:00:00"},
    ]


def test_cron_includes_a_time_equal_to_start() -> None:
    assert times(cron("*/5 * * * *"), "2026-03-07T10:05:00Z", 1) == ["2026-03-07T10:05:00Z"]


def test_cron_describes_itself_and_normalizes_spaces() -> None:
    schedule = cron("  */5   *  * * * ", tz="Europe/London")
    assert str(schedule) == "cron '*/5 * * * *' Europe/London"
    assert schedule.to_jso() == {
        "type": "cron",
        "enabled": True,
        "args": {},
        "expr": "*/5 * * * *",
        "tz": "Europe/London",
        "dst_gap": "first",
    }


def test_cron_rejects_wrong_field_counts() -> None:
    assert errors(expr="* * * * * *") == [
        "expr: '* * * * * *' is not a cron expression: "
        "expected 5 fields (minute hour day-of-month month day-of-week)"
    ]


def test_cron_rejects_out_of_range_fields() -> None:
    assert errors(expr="61 * * * *") == ["expr: '61 * * * *' is not a valid cron expression"]
    assert errors(expr="* * * * mon-fry") == [
        "expr: '* * * * mon-fry' is not a valid cron expression"
    ]


def test_cron_rejects_an_expression_that_never_matches() -> None:
    assert errors(expr="0 0 30 2 *") == [
        "expr: '0 0 30 2 *' never matches: no date has those fields"
    ]


def test_cron_rejects_unknown_zone_and_keys() -> None:
    assert sorted(errors(expr="* * * * *", tz="Nowhere", when="now")) == [
        "tz: unknown time zone 'Nowhere'",
        "when: unknown key",
    ]
