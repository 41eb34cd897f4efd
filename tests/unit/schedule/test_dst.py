"""The shared DST rule (SPEC §5), and every local-time kind obeying it.

2026 transitions, computed with zoneinfo (UTC instant: last local second -> new local):

    America/New_York     2026-03-08T07:00Z  01:59:59 -05:00 -> 03:00 -04:00  gap 02:00-03:00
                         2026-11-01T06:00Z  01:59:59 -04:00 -> 01:00 -05:00  fold 01:00-02:00
    Europe/London        2026-03-29T01:00Z  00:59:59 +00:00 -> 02:00 +01:00  gap 01:00-02:00
                         2026-10-25T01:00Z  01:59:59 +01:00 -> 01:00 +00:00  fold 01:00-02:00
    Australia/Lord_Howe  2026-04-04T15:00Z  01:59:59 +11:00 -> 01:30 +10:30  fold 01:30-02:00
                         2026-10-03T15:30Z  01:59:59 +10:30 -> 02:30 +11:00  gap 02:00-02:30
    (Lord Howe's local dates are 04-05 and 10-04.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from apsis.schedule import Schedule, localize, schedules, stop_schedules
from apsis.timespec import format_time

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def take(schedule: Schedule, start: str, count: int) -> list[tuple[str, str | None]]:
    return [(format_time(t.time), t.note) for t in islice(schedule.times(utc(start)), count)]


def times(schedule: Schedule, start: str, count: int) -> list[str]:
    return [t for t, _ in take(schedule, start, count)]


def parse(**data: Any) -> Schedule:
    return schedules.parse(data)


def gap_note(daytime: str, day: str, zone: str, runs_at: str) -> str:
    return (
        f"daytime {daytime} does not exist on {day} in {zone}; "
        f"runs at {runs_at} (first valid time after the gap)"
    )


# --- the rule itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "day", "daytime", "expected", "runs_at"),
    [
        (NY, date(2026, 3, 8), time(2, 30), "2026-03-08T07:00:00Z", "03:00:00"),
        (NY, date(2026, 3, 8), time(2, 0), "2026-03-08T07:00:00Z", "03:00:00"),
        (LONDON, date(2026, 3, 29), time(1, 30), "2026-03-29T01:00:00Z", "02:00:00"),
        (LORD_HOWE, date(2026, 10, 4), time(2, 15), "2026-10-03T15:30:00Z", "02:30:00"),
        (LORD_HOWE, date(2026, 10, 4), time(2, 0), "2026-10-03T15:30:00Z", "02:30:00"),
    ],
)
def test_gap_daytime_runs_at_first_valid_instant_with_note(
    tz: ZoneInfo, day: date, daytime: time, expected: str, runs_at: str
) -> None:
    instant, note = localize(day, daytime, tz)
    assert instant is not None
    assert format_time(instant) == expected
    assert note == gap_note(daytime.isoformat(), day.isoformat(), tz.key, runs_at)


@pytest.mark.parametrize(
    ("tz", "day", "daytime", "expected"),
    [
        (NY, date(2026, 11, 1), time(1, 30), "2026-11-01T05:30:00Z"),
        (LONDON, date(2026, 10, 25), time(1, 30), "2026-10-25T00:30:00Z"),
        (LORD_HOWE, date(2026, 4, 5), time(1, 45), "2026-04-04T14:45:00Z"),
    ],
)
def test_fold_daytime_runs_at_first_occurrence(
    tz: ZoneInfo, day: date, daytime: time, expected: str
) -> None:
    instant, note = localize(day, daytime, tz)
    assert instant is not None
    assert (format_time(instant), note) == (expected, None)


@pytest.mark.parametrize(
    ("tz", "day", "daytime", "expected"),
    [
        (NY, date(2026, 3, 8), time(1, 59, 59), "2026-03-08T06:59:59Z"),
        (NY, date(2026, 3, 8), time(3, 0), "2026-03-08T07:00:00Z"),
        (LORD_HOWE, date(2026, 10, 4), time(2, 30), "2026-10-03T15:30:00Z"),
        (NY, date(2026, 3, 9), time(9, 0), "2026-03-09T13:00:00Z"),
    ],
)
def test_times_beside_a_gap_are_ordinary(
    tz: ZoneInfo, day: date, daytime: time, expected: str
) -> None:
    instant, note = localize(day, daytime, tz)
    assert instant is not None
    assert (format_time(instant), note) == (expected, None)


def test_gap_daytime_with_skip_has_no_instant() -> None:
    assert localize(date(2026, 3, 8), time(2, 30), NY, "skip") == (
        None,
        "daytime 02:30:00 does not exist on 2026-03-08 in America/New_York; "
        "skipped (dst_gap: skip)",
    )


def test_date_missing_from_the_calendar_runs_at_next_midnight() -> None:
    # Samoa skipped 2011-12-30 entirely when it crossed the date line (-10 -> +14).
    instant, _ = localize(date(2011, 12, 30), time(9, 0), ZoneInfo("Pacific/Apia"))
    assert instant is not None
    assert format_time(instant) == "2011-12-30T10:00:00Z"


# --- daily ------------------------------------------------------------------------------


def test_daily_gap_runs_at_gap_end_in_new_york() -> None:
    daily = parse(type="daily", tz="America/New_York", daytime="02:30")
    assert take(daily, "2026-03-07T00:00:00Z", 3) == [
        ("2026-03-07T07:30:00Z", None),
        ("2026-03-08T07:00:00Z", gap_note("02:30:00", "2026-03-08", NY.key, "03:00:00")),
        ("2026-03-09T06:30:00Z", None),
    ]


def test_daily_fold_runs_once_in_new_york() -> None:
    daily = parse(type="daily", tz="America/New_York", daytime="01:30")
    assert times(daily, "2026-10-31T00:00:00Z", 3) == [
        "2026-10-31T05:30:00Z",
        "2026-11-01T05:30:00Z",
        "2026-11-02T06:30:00Z",
    ]


def test_daily_gap_and_fold_in_london() -> None:
    daily = parse(type="daily", tz="Europe/London", daytime="01:30")
    assert take(daily, "2026-03-28T00:00:00Z", 3) == [
        ("2026-03-28T01:30:00Z", None),
        ("2026-03-29T01:00:00Z", gap_note("01:30:00", "2026-03-29", LONDON.key, "02:00:00")),
        ("2026-03-30T00:30:00Z", None),
    ]
    assert times(daily, "2026-10-24T00:00:00Z", 3) == [
        "2026-10-24T00:30:00Z",
        "2026-10-25T00:30:00Z",
        "2026-10-26T01:30:00Z",
    ]


def test_daily_half_hour_gap_and_fold_on_lord_howe() -> None:
    gap = parse(type="daily", tz="Australia/Lord_Howe", daytime="02:15")
    assert take(gap, "2026-10-02T00:00:00Z", 3) == [
        ("2026-10-02T15:45:00Z", None),
        ("2026-10-03T15:30:00Z", gap_note("02:15:00", "2026-10-04", LORD_HOWE.key, "02:30:00")),
        ("2026-10-04T15:15:00Z", None),
    ]
    fold = parse(type="daily", tz="Australia/Lord_Howe", daytime="01:45")
    assert times(fold, "2026-04-03T00:00:00Z", 3) == [
        "2026-04-03T14:45:00Z",
        "2026-04-04T14:45:00Z",
        "2026-04-05T15:15:00Z",
    ]


def test_daily_skip_leaves_out_the_gap_date() -> None:
    daily = parse(type="daily", tz="America/New_York", daytime="02:30", dst_gap="skip")
    assert times(daily, "2026-03-07T00:00:00Z", 2) == [
        "2026-03-07T07:30:00Z",
        "2026-03-09T06:30:00Z",
    ]


def test_daily_two_daytimes_in_one_gap_run_once() -> None:
    daily = parse(type="daily", tz="America/New_York", daytime=["02:15", "02:45"])
    assert times(daily, "2026-03-08T00:00:00Z", 3) == [
        "2026-03-08T07:00:00Z",
        "2026-03-09T06:15:00Z",
        "2026-03-09T06:45:00Z",
    ]


# --- daily-interval ------------------------------------------------------------------------


def test_daily_interval_gap_times_collapse_once_in_new_york() -> None:
    every = parse(
        type="daily-interval", tz="America/New_York", start="01:00", stop="04:00", interval="15m"
    )
    result = list(islice(every.times(utc("2026-03-08T00:00:00Z")), 8))
    assert [(format_time(t.time), t.args["daytime"]) for t in result] == [
        ("2026-03-08T06:00:00Z", "01:00:00"),
        ("2026-03-08T06:15:00Z", "01:15:00"),
        ("2026-03-08T06:30:00Z", "01:30:00"),
        ("2026-03-08T06:45:00Z", "01:45:00"),
        ("2026-03-08T07:00:00Z", "03:00:00"),
        ("2026-03-08T07:15:00Z", "03:15:00"),
        ("2026-03-08T07:30:00Z", "03:30:00"),
        ("2026-03-08T07:45:00Z", "03:45:00"),
    ]
    assert result[4].note == gap_note("02:00:00", "2026-03-08", NY.key, "03:00:00")


def test_daily_interval_fold_hour_runs_once_in_new_york() -> None:
    every = parse(
        type="daily-interval", tz="America/New_York", start="00:30", stop="03:00", interval="30m"
    )
    assert times(every, "2026-11-01T00:00:00Z", 5) == [
        "2026-11-01T04:30:00Z",
        "2026-11-01T05:00:00Z",
        "2026-11-01T05:30:00Z",
        "2026-11-01T07:00:00Z",
        "2026-11-01T07:30:00Z",
    ]


def test_daily_interval_half_hour_gap_and_fold_on_lord_howe() -> None:
    gap = parse(
        type="daily-interval",
        tz="Australia/Lord_Howe",
        start="01:50",
        stop="02:50",
        interval="10m",
    )
    assert times(gap, "2026-10-03T00:00:00Z", 3) == [
        "2026-10-03T15:20:00Z",
        "2026-10-03T15:30:00Z",
        "2026-10-03T15:40:00Z",
    ]
    fold = parse(
        type="daily-interval",
        tz="Australia/Lord_Howe",
        start="01:15",
        stop="02:15",
        interval="15m",
    )
    assert times(fold, "2026-04-04T00:00:00Z", 4) == [
        "2026-04-04T14:15:00Z",
        "2026-04-04T14:30:00Z",
        "2026-04-04T14:45:00Z",
        "2026-04-04T15:30:00Z",
    ]


def test_daily_interval_skip_drops_gap_times() -> None:
    every = parse(
        type="daily-interval",
        tz="America/New_York",
        start="01:00",
        stop="04:00",
        interval="30m",
        dst_gap="skip",
    )
    assert times(every, "2026-03-08T00:00:00Z", 5) == [
        "2026-03-08T06:00:00Z",
        "2026-03-08T06:30:00Z",
        "2026-03-08T07:00:00Z",
        "2026-03-08T07:30:00Z",
        "2026-03-09T05:00:00Z",
    ]


def test_daily_interval_skip_drops_a_date_whose_start_is_in_the_gap_in_london() -> None:
    every = parse(
        type="daily-interval",
        tz="Europe/London",
        start="01:30",
        stop="03:00",
        interval="30m",
        dst_gap="skip",
    )
    assert times(every, "2026-03-28T00:00:00Z", 6) == [
        "2026-03-28T01:30:00Z",
        "2026-03-28T02:00:00Z",
        "2026-03-28T02:30:00Z",
        "2026-03-30T00:30:00Z",
        "2026-03-30T01:00:00Z",
        "2026-03-30T01:30:00Z",
    ]


# --- cron -----------------------------------------------------------------------------------


def test_cron_gap_times_collapse_once_in_new_york() -> None:
    cron = parse(type="cron", expr="*/30 * * * *", tz="America/New_York")
    assert take(cron, "2026-03-08T06:00:00Z", 4) == [
        ("2026-03-08T06:00:00Z", None),
        ("2026-03-08T06:30:00Z", None),
        ("2026-03-08T07:00:00Z", gap_note("02:00:00", "2026-03-08", NY.key, "03:00:00")),
        ("2026-03-08T07:30:00Z", None),
    ]


def test_cron_resumed_at_gap_end_still_carries_the_note() -> None:
    cron = parse(type="cron", expr="*/30 * * * *", tz="America/New_York")
    assert take(cron, "2026-03-08T07:00:00Z", 1) == [
        ("2026-03-08T07:00:00Z", gap_note("02:00:00", "2026-03-08", NY.key, "03:00:00")),
    ]


def test_cron_fold_hour_runs_once_in_new_york() -> None:
    cron = parse(type="cron", expr="0 * * * *", tz="America/New_York")
    assert times(cron, "2026-11-01T04:00:00Z", 3) == [
        "2026-11-01T04:00:00Z",
        "2026-11-01T05:00:00Z",
        "2026-11-01T07:00:00Z",
    ]


def test_cron_gap_and_fold_in_london() -> None:
    cron = parse(type="cron", expr="30 1 * * *", tz="Europe/London")
    assert times(cron, "2026-03-28T00:00:00Z", 3) == [
        "2026-03-28T01:30:00Z",
        "2026-03-29T01:00:00Z",
        "2026-03-30T00:30:00Z",
    ]
    assert times(cron, "2026-10-24T00:00:00Z", 3) == [
        "2026-10-24T00:30:00Z",
        "2026-10-25T00:30:00Z",
        "2026-10-26T01:30:00Z",
    ]


def test_cron_half_hour_gap_on_lord_howe() -> None:
    cron = parse(type="cron", expr="*/15 2 * * *", tz="Australia/Lord_Howe")
    result = list(islice(cron.times(utc("2026-10-03T12:00:00Z")), 2))
    assert [(format_time(t.time), t.args["daytime"]) for t in result] == [
        ("2026-10-03T15:30:00Z", "02:30:00"),
        ("2026-10-03T15:45:00Z", "02:45:00"),
    ]


def test_cron_skip_drops_gap_times() -> None:
    cron = parse(type="cron", expr="30 2 * * *", tz="America/New_York", dst_gap="skip")
    assert times(cron, "2026-03-07T00:00:00Z", 2) == [
        "2026-03-07T07:30:00Z",
        "2026-03-09T06:30:00Z",
    ]


# --- daytime stop -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "daytime", "schedule_time", "expected"),
    [
        ("America/New_York", "02:30", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z"),
        ("America/New_York", "01:30", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z"),
        # After the first 01:30 the next first occurrence is a day later.
        ("America/New_York", "01:30", "2026-11-01T05:45:00Z", "2026-11-02T06:30:00Z"),
        ("Europe/London", "01:30", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"),
        ("Europe/London", "01:30", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"),
        ("Australia/Lord_Howe", "02:15", "2026-10-03T00:00:00Z", "2026-10-03T15:30:00Z"),
        ("Australia/Lord_Howe", "01:45", "2026-04-04T00:00:00Z", "2026-04-04T14:45:00Z"),
    ],
)
def test_daytime_stop_follows_the_dst_rule(
    zone: str, daytime: str, schedule_time: str, expected: str
) -> None:
    stop = stop_schedules.parse({"type": "daytime", "daytime": daytime, "tz": zone})
    assert format_time(stop.stop_time(utc(schedule_time))) == expected
