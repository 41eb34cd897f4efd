"""Times as a user types them on the command line, turned into what the API takes.

`now`, `+DURATION` (from now), an ISO 8601 time, or a daytime `HH:MM[:SS]`: the next
such wall-clock time, today or tomorrow. Times without an offset, daytimes included,
are local times, in the system's time zone unless a zone is given.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ...timespec import format_time, local_to_utc, parse_daytime, parse_duration

_FORMS = "now, +DURATION, an ISO time or HH:MM"


def local_zone() -> ZoneInfo | None:
    """The system's time zone as a ZoneInfo, so that local times get the DST rule of
    SPEC §5 (a time in a gap is the gap's end); None if only the C library knows it
    (`TZ` written as a POSIX rule, like `EST+5`)."""
    name = os.environ.get("TZ", "").removeprefix(":")
    path = "/etc/localtime" if not name else name if name.startswith("/") else None
    try:
        if path is None:
            return ZoneInfo(name)
        with open(path, "rb") as file:
            return ZoneInfo.from_file(file)
    except (OSError, ValueError, KeyError):  # KeyError: ZoneInfoNotFoundError
        return None


def _to_utc(naive: datetime, tz: ZoneInfo | None) -> datetime:
    # Without a zone, `astimezone` reads a naive time as the system's local time,
    # with its DST rules, which a fixed offset would get wrong across a change.
    return local_to_utc(naive, tz) if tz is not None else naive.astimezone(UTC)


def _next_daytime(daytime: time, now: datetime, tz: ZoneInfo | None) -> datetime:
    today = (now.astimezone(tz) if tz is not None else now.astimezone()).date()
    for day in (today, today + timedelta(days=1)):
        candidate = _to_utc(datetime.combine(day, daytime), tz)
        if candidate > now:
            return candidate
    # Only reachable when a DST change repeats the daytime around midnight.
    return _to_utc(datetime.combine(today + timedelta(days=2), daytime), tz)


def parse_when(text: str, now: datetime | None = None, tz: ZoneInfo | None = None) -> str:
    """TIME as the API's `times.schedule`: `now`, or an ISO time in UTC.

    ValueError says what is wrong. `tz` is the local zone (default: the system's).
    """
    value = text.strip()
    if value.lower() == "now":
        return "now"
    now = now or datetime.now(UTC)
    tz = tz or local_zone()
    if value.startswith("+"):
        return format_time(now + timedelta(seconds=parse_duration(value[1:])))
    try:
        return format_time(_next_daytime(parse_daytime(value), now, tz))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a time: give {_FORMS}") from None
    if moment.tzinfo is None:
        return format_time(_to_utc(moment, tz))
    return format_time(moment)


def parse_stop(text: str, now: datetime | None = None, tz: ZoneInfo | None = None) -> str:
    """`--stop-time` as the API's `times.stop`: a time as for TIME, or a duration,
    which the service counts from the schedule time."""
    try:
        return parse_when(text, now, tz)
    except ValueError:
        pass
    try:
        parse_duration(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a time or duration") from None
    return text.strip()
