from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from typing import Any

import pytest

from apsis.errors import SpecErrors
from apsis.schedule import IntervalSchedule, schedules
from apsis.timespec import format_time


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def interval(**keys: Any) -> IntervalSchedule:
    schedule = schedules.parse({"type": "interval", **keys})
    assert isinstance(schedule, IntervalSchedule)
    return schedule


def times(schedule: IntervalSchedule, start: str, count: int) -> list[str]:
    return [format_time(t.time) for t in islice(schedule.times(utc(start)), count)]


def errors(**keys: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        schedules.parse({"type": "interval", **keys})
    return [e.message for e in info.value.errors]


def test_interval_with_phase_runs_on_offsets_from_the_epoch() -> None:
    hourly = interval(interval="1h", phase="15m")
    assert times(hourly, "2026-01-01T00:20:00Z", 3) == [
        "2026-01-01T01:15:00Z",
        "2026-01-01T02:15:00Z",
        "2026-01-01T03:15:00Z",
    ]


def test_interval_includes_a_time_equal_to_start() -> None:
    assert times(interval(interval=600), "2026-01-01T10:00:00Z", 2) == [
        "2026-01-01T10:00:00Z",
        "2026-01-01T10:10:00Z",
    ]


def test_weekly_interval_counts_from_the_epoch_thursday() -> None:
    # 1970-01-01 was a Thursday, and so is 2026-01-01.
    assert times(interval(interval="7 days"), "2025-12-29T00:00:00Z", 2) == [
        "2026-01-01T00:00:00Z",
        "2026-01-08T00:00:00Z",
    ]


def test_fractional_interval_is_exact_over_many_steps() -> None:
    schedule = interval(interval=0.1)
    (far,) = islice(schedule.times(utc("2026-01-01T00:00:00.05Z")), 10_000, 10_001)
    assert format_time(far.time) == "2026-01-01T00:16:40.100Z"


def test_interval_provides_utc_time_date_and_daytime() -> None:
    (first,) = islice(interval(interval="1h").times(utc("2026-05-04T22:30:00Z")), 1)
    assert dict(first.args) == {
        "time": "2026-05-04T23:00:00Z",
        "date": "2026-05-04",
        "daytime": "23:00:00",
    }


def test_interval_describes_itself() -> None:
    assert str(interval(interval="1h 30m", phase=600)) == "every 1h 30m, phase 10m"
    assert str(interval(interval=60)) == "every 1m"


def test_interval_jso_round_trips() -> None:
    schedule = interval(interval="1h", phase="15m")
    assert schedule.to_jso() == {
        "type": "interval",
        "enabled": True,
        "args": {},
        "interval": 3600.0,
        "phase": 900.0,
    }
    data = {k: v for k, v in schedule.to_jso().items() if k != "type"}
    assert interval(**data) == schedule


def test_phase_equal_to_interval_is_rejected() -> None:
    assert errors(interval="1h", phase="1h") == [
        "phase: phase must be at least 0 and less than interval"
    ]


def test_negative_phase_is_rejected() -> None:
    assert errors(interval="1h", phase=-5) == [
        "phase: phase must be at least 0 and less than interval"
    ]


@pytest.mark.parametrize(("value", "shown"), [(0, "0s"), ("-5 min", "-5m")])
def test_interval_must_be_positive(value: object, shown: str) -> None:
    assert errors(interval=value) == [f"interval: must be greater than 0, got {shown}"]


def test_interval_rejects_unknown_keys_and_bad_durations() -> None:
    assert sorted(errors(interval="soon", every="1h")) == [
        "every: unknown key",
        "interval: 'soon' is not a duration",
    ]
