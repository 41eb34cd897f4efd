"""Durations, times, daytimes and time zones as job and config files write them (SPEC §3.2).

Each parser raises ValueError with a reason a user can act on; pydantic turns it into
a located error. The `Annotated` aliases at the bottom are what models declare.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, PlainSerializer

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}  # fmt: skip
_DURATION_PART = re.compile(r"\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*([a-z]*)\s*")
_DAYTIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?")


def parse_duration(value: Any) -> float:
    """Seconds from `90`, `30s`, `10 min`, `1.5h`, `2 days` or `1h 30m`."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
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
        if not unit and match.end() != len(text):
            raise ValueError(f"{value!r} is not a duration")
        total += float(number) * _UNITS.get(unit, 1)
        pos = match.end()
    return total


def parse_daytime(value: Any) -> time:
    """A wall-clock time of day from `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 09:30 as the sexagesimal integer 570.
        value = f"{value // 60:02d}:{value % 60:02d}"
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
        return now or datetime.now(UTC)
    elif isinstance(value, str):
        try:
            result = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a time") from None
    else:
        raise ValueError(f"{value!r} is not a time")
    if result.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone offset (add Z for UTC)")
    return result.astimezone(UTC)


def parse_tz(value: Any) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    if not isinstance(value, str) or not value:
        raise ValueError(f"{value!r} is not a time zone")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second unless there is a fraction."""
    utc = value.astimezone(UTC)
    spec = "seconds" if utc.microsecond == 0 else "milliseconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


def format_duration(seconds: float) -> str:
    return f"{seconds:g}s"


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
