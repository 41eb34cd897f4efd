"""Finding a calendar by the name a job file gives it.

Names, tried in order: a weekday set (`all`, `Mon-Fri`); `holidays:CC[-SUB]` and
`exchange:MIC` from the optional `calendars` extra; a calendar file in the
configured calendar directory. Each calendar is built once and cached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, ValidationInfo

from .base import Calendar
from .weekdays import WeekdayCalendar


class CalendarLookup:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._cache: dict[str, Calendar] = {}

    def get(self, name: str) -> Calendar:
        """The calendar called `name`; ValueError with the reason if there is none."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{name!r} is not a calendar name")
        if name not in self._cache:
            self._cache[name] = self._build(name.strip())
        return self._cache[name]

    def _build(self, name: str) -> Calendar:
        try:
            return WeekdayCalendar.parse(name)
        except ValueError:
            pass
        raise ValueError(f"unknown calendar {name!r}")


DEFAULT_LOOKUP = CalendarLookup()


def _resolve(value: Any, info: ValidationInfo) -> Calendar:
    if isinstance(value, Calendar):
        return value
    lookup = (info.context or {}).get("calendars") or DEFAULT_LOOKUP
    return lookup.get(value)  # type: ignore[no-any-return]


CalendarRef = Annotated[
    Calendar, BeforeValidator(_resolve), PlainSerializer(lambda cal: cal.name, return_type=str)
]
"""A schedule field naming a calendar; resolved through the validation context's
`calendars` lookup (the config's calendar directory), serialized back to its name."""
