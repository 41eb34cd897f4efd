from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from apsis.errors import SpecErrors
from apsis.schedule import Schedule, schedules
from apsis.timespec import format_time


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def explicit(times: Any) -> Schedule:
    return schedules.parse({"type": "explicit", "times": times})


def errors(times: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        explicit(times)
    return [e.message for e in info.value.errors]


def test_explicit_yields_sorted_unique_times_from_start() -> None:
    schedule = explicit(
        [
            "2026-05-01T12:00:00Z",
            "2026-04-01T12:00:00+02:00",
            "2026-05-01T14:00:00+02:00",
            "2026-06-01T00:00:00Z",
        ]
    )
    result = list(schedule.times(utc("2026-04-01T10:00:00Z")))
    assert [(format_time(t.time), dict(t.args)) for t in result] == [
        ("2026-04-01T10:00:00Z", {"time": "2026-04-01T10:00:00Z"}),
        ("2026-05-01T12:00:00Z", {"time": "2026-05-01T12:00:00Z"}),
        ("2026-06-01T00:00:00Z", {"time": "2026-06-01T00:00:00Z"}),
    ]


def test_explicit_accepts_one_time() -> None:
    schedule = explicit("2026-11-21T16:00:00Z")
    assert [format_time(t.time) for t in schedule.times(utc("2026-01-01T00:00:00Z"))] == [
        "2026-11-21T16:00:00Z"
    ]
    assert list(schedule.times(utc("2026-11-21T16:00:01Z"))) == []


def test_explicit_describes_itself() -> None:
    assert str(explicit("2026-11-21T16:00:00Z")) == "at 2026-11-21T16:00:00Z"
    many = explicit([f"2026-01-0{d}T00:00:00Z" for d in range(1, 6)])
    assert str(many) == (
        "at 2026-01-01T00:00:00Z, 2026-01-02T00:00:00Z, 2026-01-03T00:00:00Z and 2 more"
    )


def test_explicit_jso_uses_the_times_key() -> None:
    assert explicit(["2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"]).to_jso() == {
        "type": "explicit",
        "enabled": True,
        "args": {},
        "times": ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
    }


def test_explicit_rejects_bad_times() -> None:
    assert errors("tomorrow") == ["times: 'tomorrow' is not a time"]
    assert errors(["2026-01-01T00:00:00Z", "2026-01-01T00:00:00"]) == [
        "times[1]: '2026-01-01T00:00:00' has no time zone offset (add Z for UTC)"
    ]
    assert errors([]) == ["times: expected at least one time"]
