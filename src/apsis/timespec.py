"""Durations, times, daytimes and time zones as job and config files write them (SPEC §3.2).

Each parser raises ValueError with a reason a user can act on; pydantic turns it into
a located error. The `Annotated` aliases at the bottom are what models declare.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, PlainSerializer

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}  # fmt: skip
_DURATION_PART = re.compile(r"\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*([a-z]*)\s*", re.ASCII)
_DAYTIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?", re.ASCII)
_MICROSECOND = timedelta(microseconds=1)


def parse_duration(value: Any) -> float:
    """Seconds from `90`, `30s`, `10 min`, `1.5h`, `2 days` or `1h 30m`.

    A number without a unit is seconds only when it stands alone: `1h 30` could mean
    thirty seconds or thirty minutes, so it is refused rather than guessed.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a duration")
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a duration")
    text = value.strip().lower()
    total, pos = 0.0, 0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"{value!r} is not a duration")
        number, unit = match.groups()
        if unit and unit not in _UNITS:
            raise ValueError(f"{value!r} is not a duration: unknown unit {unit!r}")
        if not unit and (pos > 0 or match.end() != len(text)):
            # `1h 30` and `30 10` lack a unit; `2026-11-27` is no duration at all.
            spaced = match.end() == len(text) or text[match.end() - 1].isspace()
            reason = f": {number!r} needs a unit" if spaced else ""
            raise ValueError(f"{value!r} is not a duration{reason}")
        total += float(number) * _UNITS.get(unit, 1)
        pos = match.end()
    return total


def _sexagesimal(value: float) -> str:
    """The text YAML 1.1 read as a base-60 number: 570 was `9:30`, 34215 was `9:30:15`.

    YAML writes base-60 numbers only with a nonzero leading digit, so `H:MM` (hours
    1-23) lands in 60..1439 and `H:MM:SS` in 3600 and up; the two ranges do not meet,
    which makes the original text recoverable. Numbers below 60 are not base 60, and
    only `H:MM:SS` may carry a fraction.
    """
    whole, fraction = int(value), value - int(value)
    if whole < 60 or (whole < 3600 and fraction):
        raise ValueError(f"{value!r} is not a daytime (write HH:MM)")
    if whole < 3600 and not fraction:
        return f"{whole // 60}:{whole % 60:02d}"
    text = f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    return text + f"{fraction:.6f}".removeprefix("0") if fraction else text


def parse_daytime(value: Any) -> time:
    """A wall-clock time of day from `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`.

    Also takes the number YAML 1.1 makes of an unquoted `9:30` (570) or `9:30:15`
    (34215); `09:30`, with its leading zero, stays text.
    """
    if isinstance(value, time):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        value = _sexagesimal(value)
    match = _DAYTIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a daytime")
    hour, minute, second, fraction = match.groups()
    h, m, s = int(hour), int(minute), int(second or 0)
    if h > 23 or m > 59 or s > 59:
        raise ValueError(f"{value!r} is not a daytime")
    micro = round(float(fraction) * 1_000_000) if fraction else 0
    return time(h, m, s, min(micro, 999_999))


def parse_time(value: Any, now: datetime | None = None) -> datetime:
    """An aware UTC instant from ISO 8601 with an offset, or `now`."""
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, str) and value.strip().lower() == "now":
        return (now or datetime.now(UTC)).astimezone(UTC)
    elif isinstance(value, str):
        try:
            result = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a time") from None
    elif isinstance(value, date):
        raise ValueError(f"'{value.isoformat()}' is a date, not a time")
    else:
        raise ValueError(f"{value!r} is not a time")
    if result.tzinfo is None or result.utcoffset() is None:
        shown = value if isinstance(value, str) else result.isoformat()
        raise ValueError(f"{shown!r} has no time zone offset (add Z for UTC)")
    try:
        return result.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+01:00 is a valid ISO time with no UTC instant in range.
        raise ValueError(f"{value!r} is out of range") from None


def parse_tz(value: Any) -> ZoneInfo:
    """A time zone from its IANA name (`America/New_York`, `UTC`)."""
    if isinstance(value, ZoneInfo):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a time zone")
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a name like `America` finds a directory of the tz database.
        raise ValueError(f"unknown time zone {value!r}") from None


def local_to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a naive local time in `tz`, by the DST rule of SPEC §5.

    1. A local time that occurs once is that instant.
    2. One that occurs twice (fall back) is its first occurrence: fold=0.
    3. One that does not occur (spring forward) is the first valid instant after the
       gap: 02:30 in a 02:00-03:00 gap is 03:00. The gap's end is the instant the
       offset changes, found by bisection between the two offsets' readings.
    """
    naive = local.replace(tzinfo=None)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # In a gap, fold=0 reads the time with the offset before the change (landing
    # after the gap) and fold=1 with the offset after it (landing before the gap).
    before, after = naive.replace(tzinfo=tz, fold=1).astimezone(UTC), first
    offset = after.astimezone(tz).utcoffset()
    while after - before > _MICROSECOND:
        middle = before + (after - before) / 2
        if middle.astimezone(tz).utcoffset() == offset:
            after = middle
        else:
            before = middle
    return after


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second unless there is a fraction."""
    utc = value.astimezone(UTC)
    spec = "seconds" if utc.microsecond == 0 else "milliseconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


def format_duration(seconds: float) -> str:
    return f"{seconds:g}s"


def describe_duration(seconds: float) -> str:
    """A duration as a person would write it (`1h 30m`, `45s`, `-2d`).

    parse_duration reads the result back to the same number of seconds.
    """
    sign = "-" if seconds < 0 else ""
    rest = abs(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        count = int(rest // size)
        if count:
            parts.append(f"{sign}{count}{unit}")
            rest -= count * size
    if round(rest, 6) or not parts:
        parts.append(f"{sign}{round(rest, 6):g}s")
    return " ".join(parts)


def format_daytime(value: time) -> str:
    spec = "seconds" if value.microsecond == 0 else "milliseconds"
    return value.isoformat(timespec=spec)


def to_timedelta(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


Duration = Annotated[float, BeforeValidator(parse_duration)]
"""Seconds, written as a number or with units."""

Daytime = Annotated[time, BeforeValidator(parse_daytime), PlainSerializer(format_daytime)]

Time = Annotated[datetime, BeforeValidator(parse_time), PlainSerializer(format_time)]

TimeZone = Annotated[ZoneInfo, BeforeValidator(parse_tz), PlainSerializer(lambda z: z.key)]
