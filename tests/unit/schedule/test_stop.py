from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from typing import Any

import pytest

from apsis.errors import SpecError, SpecErrors
from apsis.schedule import ScheduleEntry, parse_schedule, stop_schedules
from apsis.timespec import format_time


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


DAILY = {"type": "daily", "tz": "UTC", "daytime": "09:00", "calendar": "Mon-Fri"}


def entry_errors(data: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        parse_schedule(data)
    return [e.message for e in info.value.errors]


def test_duration_stop_is_schedule_time_plus_duration() -> None:
    stop = stop_schedules.parse({"type": "duration", "duration": "1h 30m"})
    assert format_time(stop.stop_time(utc("2026-03-06T09:00:00Z"))) == "2026-03-06T10:30:00Z"
    assert str(stop) == "stop after 1h 30m"


def test_daytime_stop_is_strictly_after_the_schedule_time() -> None:
    stop = stop_schedules.parse({"type": "daytime", "daytime": "17:00", "tz": "Europe/Paris"})
    assert format_time(stop.stop_time(utc("2026-07-01T09:00:00Z"))) == "2026-07-01T15:00:00Z"
    assert format_time(stop.stop_time(utc("2026-07-01T15:00:00Z"))) == "2026-07-02T15:00:00Z"
    assert str(stop) == "stop at 17:00:00 Europe/Paris"


def test_stop_schedules_reject_bad_keys() -> None:
    with pytest.raises(SpecErrors) as info:
        stop_schedules.parse({"type": "duration", "duration": 0})
    assert [e.message for e in info.value.errors] == ["duration: must be greater than 0, got 0s"]
    with pytest.raises(SpecErrors) as info:
        stop_schedules.parse({"type": "daytime", "daytime": "25:00"})
    assert sorted(e.message for e in info.value.errors) == [
        "daytime: '25:00' is not a daytime",
        "tz: missing required key",
    ]


def test_plain_schedule_entry_has_no_stop() -> None:
    entry = parse_schedule(DAILY)
    assert entry.stop is None and entry.enabled
    (run,) = islice(entry.runs(utc("2026-03-06T00:00:00Z"), "job"), 1)
    assert (format_time(run.time), run.stop) == ("2026-03-06T09:00:00Z", None)
    assert entry.to_jso() == entry.schedule.to_jso()
    assert str(entry) == "daily at 09:00:00 UTC on Mon-Fri"


def test_wrapped_schedule_entry_fills_each_runs_stop() -> None:
    entry = parse_schedule(
        {"start": DAILY, "stop": {"type": "daytime", "daytime": "17:00", "tz": "UTC"}}
    )
    runs = list(islice(entry.runs(utc("2026-03-06T00:00:00Z"), "job"), 2))
    assert [(format_time(r.time), r.stop and format_time(r.stop)) for r in runs] == [
        ("2026-03-06T09:00:00Z", "2026-03-06T17:00:00Z"),
        ("2026-03-09T09:00:00Z", "2026-03-09T17:00:00Z"),
    ]
    assert entry.to_jso() == {
        "start": entry.schedule.to_jso(),
        "stop": {"type": "daytime", "daytime": "17:00:00", "tz": "UTC"},
    }
    assert str(entry) == "daily at 09:00:00 UTC on Mon-Fri; stop at 17:00:00 UTC"


def test_stop_counts_from_the_jittered_due_time() -> None:
    entry = parse_schedule(
        {"start": {**DAILY, "jitter": "10m"}, "stop": {"type": "duration", "duration": "1h"}}
    )
    (run,) = islice(entry.runs(utc("2026-03-06T00:00:00Z"), "job"), 1)
    assert run.time > run.nominal
    assert run.stop == run.time + (utc("2026-01-01T01:00:00Z") - utc("2026-01-01T00:00:00Z"))


def test_disabled_entry_reports_it() -> None:
    entry = parse_schedule({**DAILY, "enabled": False})
    assert isinstance(entry, ScheduleEntry) and not entry.enabled


def test_wrapper_errors_are_located_under_start_and_stop() -> None:
    assert entry_errors(
        {"start": {**DAILY, "daytime": "25:00"}, "stop": {"type": "later"}, "extra": 1}
    ) == [
        "extra: unknown key",
        "start.daytime: '25:00' is not a daytime",
        "stop.type: unknown stop schedule type 'later'",
    ]


def test_wrapper_needs_both_start_and_stop() -> None:
    assert entry_errors({"start": DAILY}) == ["stop: missing required key"]
    assert entry_errors({"stop": {"type": "duration", "duration": 60}}) == [
        "start: missing required key"
    ]


def test_plain_schedule_errors_are_not_prefixed() -> None:
    assert entry_errors({**DAILY, "daytime": "25:00"}) == ["daytime: '25:00' is not a daytime"]
    with pytest.raises(SpecError) as info:
        parse_schedule({"tz": "UTC"})
    assert info.value.message.startswith("missing required key 'type'")
