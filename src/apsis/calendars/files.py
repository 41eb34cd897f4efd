"""Calendar files in the calendar directory (config `calendars.dir`, SPEC §5).

`NAME.yaml` describes business days as weekdays less holidays:

    description: NYSE trading days     # optional
    weekdays: Mon-Fri                  # a weekday set or a list of them; default Mon-Fri
    holidays: [2026-01-01, 2026-04-03] # dates removed
    dates: [2026-11-28]                # dates added (optional)

`NAME.txt` lists the calendar's dates, one ISO date a line (blank lines and `#`
comments ignored); the calendar is exactly those dates, so it ends with its last.

Every error names the file, the key (or line) and the reason.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..errors import SpecError, format_location
from ..yamlfile import parse_yaml
from .base import Calendar
from .weekdays import parse_weekdays

SUFFIXES = (".yaml", ".txt")
_KEYS = ("description", "weekdays", "holidays", "dates")


class FileCalendar(Calendar):
    """Weekdays, less listed holidays, plus listed extra dates."""

    def __init__(
        self,
        name: str,
        weekdays: frozenset[int],
        holidays: Iterable[date] = (),
        dates: Iterable[date] = (),
        description: str | None = None,
    ) -> None:
        self.name = name
        self.weekdays = weekdays
        self.holidays = frozenset(holidays)
        self.extra_dates = frozenset(dates)
        self.description = description
        self._sorted = sorted(self.extra_dates)
        if not weekdays and not self.extra_dates:
            raise ValueError(f"calendar {name!r} has no dates")

    def contains(self, day: date) -> bool:
        if day in self.extra_dates:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays

    def _search(self, start: date, step: timedelta) -> date:
        if self.weekdays:
            return super()._search(start, step)
        # Only listed dates: find the neighbour directly, and say where the list ends
        # instead of scanning ten years of dates that cannot be in it.
        if step.days > 0:
            index = bisect.bisect_left(self._sorted, start)
            if index < len(self._sorted):
                return self._sorted[index]
            raise ValueError(
                f"calendar {self.name!r} has no date on or after {start} "
                f"(its last is {self._sorted[-1]})"
            )
        index = bisect.bisect_right(self._sorted, start)
        if index > 0:
            return self._sorted[index - 1]
        raise ValueError(
            f"calendar {self.name!r} has no date on or before {start} "
            f"(its first is {self._sorted[0]})"
        )


class _FileError(ValueError):
    """A problem at a key path inside one calendar file."""

    def __init__(self, reason: str, *path: str | int) -> None:
        where = format_location(path)
        super().__init__(f"{where}: {reason}" if where else reason)


def load_calendar_file(path: Path, label: str | None = None) -> FileCalendar:
    """The calendar in `path` (a `.yaml` or `.txt` file), named by the file's stem.

    `label` is how errors name the file (default: the path as given). Raises
    ValueError as `LABEL: KEY: REASON`.
    """
    label = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{label}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{label}: not UTF-8 text") from None
    try:
        if path.suffix == ".txt":
            return _parse_txt(path.stem, text)
        return _parse_yaml(path.stem, text)
    except ValueError as exc:
        raise ValueError(f"{label}: {exc}") from None


def _parse_txt(name: str, text: str) -> FileCalendar:
    dates = []
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.partition("#")[0].strip()
        if entry:
            dates.append(_date(entry, f"line {number}"))
    return FileCalendar(name, frozenset(), dates=dates)


def _parse_yaml(name: str, text: str) -> FileCalendar:
    try:
        data = parse_yaml(text)
    except SpecError as exc:
        raise ValueError(exc.message) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError("expected a mapping with keys weekdays, holidays, dates, description")
    for key in data:
        if key not in _KEYS:
            raise _FileError(f"unknown key (expected one of {', '.join(_KEYS)})", str(key))
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise _FileError("expected text", "description")
    return FileCalendar(
        name,
        _weekdays(data.get("weekdays", "Mon-Fri")),
        holidays=_dates(data.get("holidays"), "holidays"),
        dates=_dates(data.get("dates"), "dates"),
        description=description,
    )


def _weekdays(value: Any) -> frozenset[int]:
    """A weekday set, written as one string or as a list (`[Mon-Wed, Fri]`)."""
    if isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            raise _FileError("expected weekday names or ranges", "weekdays")
        if not value:
            return frozenset()
        value = ",".join(value)
    if not isinstance(value, str):
        raise _FileError(f"{value!r} is not a weekday set", "weekdays")
    try:
        return parse_weekdays(value)
    except ValueError as exc:
        raise _FileError(str(exc), "weekdays") from None


def _dates(value: Any, key: str) -> list[date]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _FileError("expected a list of dates", key)
    return [_date(item, key, index) for index, item in enumerate(value)]


def _date(value: Any, *path: str | int) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _FileError(f"{value!r} is not a date", *path)
