"""Durations, daytimes, times and time zones as job files write them (SPEC §3.2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from apsis.timespec import (
    Daytime,
    Duration,
    Time,
    TimeZone,
    describe_duration,
    format_daytime,
    format_time,
    local_to_utc,
    parse_daytime,
    parse_duration,
    parse_time,
    parse_tz,
)

NEW_YORK = ZoneInfo("America/New_York")

# --- durations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90.0),
        (1.5, 1.5),
        ("90", 90.0),
        ("2.5", 2.5),
        ("30s", 30.0),
        ("30 sec", 30.0),
        ("1 second", 1.0),
        ("30 seconds", 30.0),
        ("10 min", 600.0),
        ("10m", 600.0),
        ("1 minute", 60.0),
        ("10 minutes", 600.0),
        ("1.5h", 5400.0),
        ("1 hour", 3600.0),
        ("2 hours", 7200.0),
        ("2 days", 172800.0),
        ("1d", 86400.0),
        ("1 day", 86400.0),
        ("1h 30m", 5400.0),
        ("1h30m", 5400.0),
        ("1d 2h 3m 4s", 93784.0),
        ("+1s", 1.0),
        ("-1h", -3600.0),
        (".5h", 1800.0),
        ("  10 MIN  ", 600.0),
    ],
)
def test_durations_parse_to_seconds(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "'' is not a duration"),
        ("   ", "'   ' is not a duration"),
        ("soon", "'soon' is not a duration"),
        ("h", "'h' is not a duration"),
        ("10 parsecs", "'10 parsecs' is not a duration: unknown unit 'parsecs'"),
        ("5ms", "'5ms' is not a duration: unknown unit 'ms'"),
        ("1h 30", "'1h 30' is not a duration: '30' needs a unit"),
        ("30 10", "'30 10' is not a duration: '30' needs a unit"),
        ("1h,30m", "'1h,30m' is not a duration"),
        ("1.5.3h", "'1.5.3h' is not a duration"),
        ("2026-11-27", "'2026-11-27' is not a duration"),
        (True, "True is not a duration"),
        (None, "None is not a duration"),
        ([30], "[30] is not a duration"),
        (float("nan"), "nan is not a duration"),
        (float("inf"), "inf is not a duration"),
    ],
)
def test_bad_durations_say_why(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(value)
    assert str(info.value) == message


@given(st.integers(min_value=-(10**7), max_value=10**7))
def test_described_durations_read_back(seconds: int) -> None:
    assert parse_duration(describe_duration(seconds)) == seconds


def test_durations_are_described_as_people_write_them() -> None:
    assert describe_duration(5400) == "1h 30m"
    assert describe_duration(45) == "45s"
    assert describe_duration(0) == "0s"
    assert describe_duration(-172800) == "-2d"


# --- daytimes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:30", time(9, 30)),
        ("9:30", time(9, 30)),
        ("00:00", time(0, 0)),
        ("23:59:59", time(23, 59, 59)),
        ("16:00:05", time(16, 0, 5)),
        ("16:00:05.25", time(16, 0, 5, 250000)),
        ("16:00:05.123456", time(16, 0, 5, 123456)),
        ("16:00:05.9999999", time(16, 0, 5, 999999)),
        (" 09:30 ", time(9, 30)),
        (time(9, 30), time(9, 30)),
    ],
)
def test_daytimes_parse(text: object, expected: time) -> None:
    assert parse_daytime(text) == expected


@pytest.mark.parametrize(
    ("unquoted", "loaded", "expected"),
    [
        # YAML 1.1 reads base-60 numbers only with a nonzero first digit.
        ("09:30", "09:30", time(9, 30)),
        ("9:30", 570, time(9, 30)),
        ("16:00", 960, time(16, 0)),
        ("23:59", 1439, time(23, 59)),
        ("0:30", "0:30", time(0, 30)),
        ("9:30:15", 34215, time(9, 30, 15)),
        ("09:30:15", "09:30:15", time(9, 30, 15)),
        ("1:00:00", 3600, time(1, 0)),
        ("9:30:15.5", 34215.5, time(9, 30, 15, 500000)),
    ],
)
def test_unquoted_yaml_daytimes_parse_as_written(
    unquoted: str, loaded: object, expected: time
) -> None:
    value = yaml.safe_load(f"daytime: {unquoted}")["daytime"]
    assert value == loaded
    assert type(value) is type(loaded)
    assert parse_daytime(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("25:00", "'25:00' is not a daytime"),
        ("12:60", "'12:60' is not a daytime"),
        ("12:00:60", "'12:00:60' is not a daytime"),
        ("9:75", "'9:75' is not a daytime"),
        ("9.30", "'9.30' is not a daytime"),
        ("9", "'9' is not a daytime"),
        ("12:00.5", "'12:00.5' is not a daytime"),
        ("noon", "'noon' is not a daytime"),
        (None, "None is not a daytime"),
        (True, "True is not a daytime"),
        # What YAML makes of unquoted 25:00, 24:00:00, 9, 9:30.5:
        (1500, "'25:00' is not a daytime"),
        (86400, "'24:00:00' is not a daytime"),
        (9, "9 is not a daytime (write HH:MM)"),
        (570.5, "570.5 is not a daytime (write HH:MM)"),
    ],
)
def test_bad_daytimes_say_why(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_daytime(value)
    assert str(info.value) == message


def test_daytimes_format_to_the_second_or_millisecond() -> None:
    assert format_daytime(time(9, 30)) == "09:30:00"
    assert format_daytime(time(9, 30, 0, 250000)) == "09:30:00.250"


# --- times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-21T16:00:00Z", datetime(2026, 11, 21, 16, tzinfo=UTC)),
        ("2026-11-21T16:00:00+00:00", datetime(2026, 11, 21, 16, tzinfo=UTC)),
        ("2026-11-21T11:00:00-05:00", datetime(2026, 11, 21, 16, tzinfo=UTC)),
        ("2026-11-21T21:30+05:30", datetime(2026, 11, 21, 16, tzinfo=UTC)),
        ("2026-11-21T16:00:00.5Z", datetime(2026, 11, 21, 16, 0, 0, 500000, tzinfo=UTC)),
        (" 2026-11-21 16:00:00Z ", datetime(2026, 11, 21, 16, tzinfo=UTC)),
    ],
)
def test_times_parse_to_utc(text: str, expected: datetime) -> None:
    result = parse_time(text)
    assert result == expected
    assert result.tzinfo is UTC


def test_yaml_timestamps_with_an_offset_are_times() -> None:
    loaded = yaml.safe_load("at: 2026-11-21T11:00:00-05:00")["at"]
    assert parse_time(loaded) == datetime(2026, 11, 21, 16, tzinfo=UTC)


def test_now_is_the_given_clock_in_utc() -> None:
    clock = datetime(2026, 11, 21, 11, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_time("now", now=clock) == datetime(2026, 11, 21, 16, tzinfo=UTC)
    assert parse_time(" NOW ", now=clock).tzinfo is UTC


def test_now_without_a_clock_is_the_current_time() -> None:
    before = datetime.now(UTC)
    assert before <= parse_time("now") <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-11-21T16:00:00", "'2026-11-21T16:00:00' has no time zone offset (add Z for UTC)"),
        (
            datetime(2026, 11, 21, 16),
            "'2026-11-21T16:00:00' has no time zone offset (add Z for UTC)",
        ),
        ("2026-11-21", "'2026-11-21' has no time zone offset (add Z for UTC)"),
        (date(2026, 11, 21), "'2026-11-21' is a date, not a time"),
        ("tomorrow", "'tomorrow' is not a time"),
        ("2026-13-01T00:00:00Z", "'2026-13-01T00:00:00Z' is not a time"),
        (1700000000, "1700000000 is not a time"),
        (None, "None is not a time"),
    ],
)
def test_bad_times_say_why(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_time(value)
    assert str(info.value) == message


def test_times_format_as_utc_with_z() -> None:
    eastern = datetime(2026, 11, 21, 11, tzinfo=NEW_YORK)
    assert format_time(eastern) == "2026-11-21T16:00:00Z"
    assert format_time(datetime(2026, 11, 21, 16, 0, 0, 250000, tzinfo=UTC)) == (
        "2026-11-21T16:00:00.250Z"
    )


# --- time zones -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["America/New_York", "UTC", "Europe/London", " Asia/Tokyo "])
def test_iana_time_zones_parse(name: str) -> None:
    assert parse_tz(name).key == name.strip()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'"),
        ("utc", "unknown time zone 'utc'"),
        ("America", "unknown time zone 'America'"),
        ("../etc/passwd", "unknown time zone '../etc/passwd'"),
        ("/etc/passwd", "unknown time zone '/etc/passwd'"),
        ("", "'' is not a time zone"),
        (None, "None is not a time zone"),
    ],
)
def test_bad_time_zones_say_why(value: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_tz(value)
    assert str(info.value) == message


# --- local times across DST (SPEC §5) -------------------------------------------------


@pytest.mark.parametrize(
    ("local", "tz", "utc"),
    [
        # An ordinary local time.
        ("2026-11-21T11:00", "America/New_York", "2026-11-21T16:00:00Z"),
        # Spring forward, 02:00 -> 03:00: a time in the gap runs when the gap ends.
        ("2026-03-08T02:30", "America/New_York", "2026-03-08T07:00:00Z"),
        ("2026-03-08T02:00", "America/New_York", "2026-03-08T07:00:00Z"),
        ("2026-03-08T01:59:59", "America/New_York", "2026-03-08T06:59:59Z"),
        ("2026-03-08T03:00", "America/New_York", "2026-03-08T07:00:00Z"),
        ("2026-03-29T01:30", "Europe/London", "2026-03-29T01:00:00Z"),
        # Fall back, 02:00 -> 01:00: a repeated time runs at its first occurrence.
        ("2026-11-01T01:30", "America/New_York", "2026-11-01T05:30:00Z"),
        ("2026-11-01T02:30", "America/New_York", "2026-11-01T07:30:00Z"),
        # Lord Howe Island moves its clocks by half an hour.
        ("2026-10-04T02:15", "Australia/Lord_Howe", "2026-10-03T15:30:00Z"),
        # Samoa skipped 30 December 2011 altogether.
        ("2011-12-30T12:00", "Pacific/Apia", "2011-12-30T10:00:00Z"),
    ],
)
def test_local_times_follow_the_dst_rule(local: str, tz: str, utc: str) -> None:
    result = local_to_utc(datetime.fromisoformat(local), ZoneInfo(tz))
    assert format_time(result) == utc


# --- as pydantic field types ----------------------------------------------------------


class Spec(BaseModel):
    duration: Duration
    daytime: Daytime
    time: Time
    tz: TimeZone


def test_field_types_parse_and_serialize() -> None:
    spec = Spec.model_validate(
        yaml.safe_load("{duration: 1h 30m, daytime: 9:30, time: 2026-11-21T16:00:00Z, tz: UTC}")
    )
    assert spec.duration == 5400
    assert spec.daytime == time(9, 30)
    assert spec.model_dump(mode="json") == {
        "duration": 5400.0,
        "daytime": "09:30:00",
        "time": "2026-11-21T16:00:00Z",
        "tz": "UTC",
    }


def test_field_types_report_the_reason() -> None:
    with pytest.raises(ValidationError) as info:
        Spec.model_validate({"duration": "soon", "daytime": "09:30", "time": "now", "tz": "UTC"})
    assert str(info.value.errors()[0]["ctx"]["error"]) == "'soon' is not a duration"
