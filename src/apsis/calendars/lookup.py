"""Finding a calendar by the name a job file gives it.

Names are tried in this order, and the first kind that claims a name owns it:

1. a weekday set (`all`, `Mon-Fri`, `Mon,Wed,Fri`); so a file `Mon-Fri.yaml` can
   never change what `Mon-Fri` means in existing jobs;
2. `holidays:CC[-SUB]` and `exchange:MIC`, from the optional `calendars` extra;
3. a calendar file `NAME.yaml` or `NAME.txt` in the configured calendar directory.

Each calendar is built once per lookup and cached; a new lookup (a reload) reads
calendar files afresh.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, ValidationInfo

from . import exchange, holidays
from .base import Calendar
from .files import SUFFIXES, load_calendar_file
from .weekdays import WeekdayCalendar, parse_weekdays


class CalendarLookup:
    """The calendars a service knows: built-in kinds plus the files in `directory`."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._cache: dict[str, Calendar] = {}

    def get(self, name: str) -> Calendar:
        """The calendar called `name`; ValueError with the reason if there is none."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{name!r} is not a calendar name")
        name = name.strip()
        if name not in self._cache:
            self._cache[name] = self._build(name)
        return self._cache[name]

    def names(self) -> list[str]:
        """The calendar files in the directory that a job can name, sorted.

        A file shadowed by a weekday set of the same name is left out: no job can
        reach it.
        """
        stems = {path.stem for path in self._files()}
        return sorted(stem for stem in stems if not _is_weekday_set(stem))

    def _files(self) -> list[Path]:
        if self.directory is None or not self.directory.is_dir():
            return []
        return [
            path
            for path in self.directory.iterdir()
            if path.suffix in SUFFIXES and not path.name.startswith(".") and path.is_file()
        ]

    def _build(self, name: str) -> Calendar:
        if _is_weekday_set(name):
            return WeekdayCalendar.parse(name)
        if name.startswith(holidays.PREFIX):
            return holidays.HolidayCalendar(name)
        if name.startswith(exchange.PREFIX):
            return exchange.ExchangeCalendar(name)
        return self._load_file(name)

    def _load_file(self, name: str) -> Calendar:
        # A name is a file stem, never a path: `../secrets` must not reach outside.
        candidates = []
        if self.directory is not None and not ("/" in name or "\\" in name or name[0] == "."):
            candidates = [
                path
                for path in (self.directory / f"{name}{suffix}" for suffix in SUFFIXES)
                if path.is_file()
            ]
        if len(candidates) > 1:
            both = " and ".join(str(path) for path in candidates)
            raise ValueError(f"calendar {name!r} is defined twice: {both}")
        if not candidates:
            raise ValueError(self._unknown(name))
        return load_calendar_file(candidates[0])

    def _unknown(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown calendar {name!r}{hint}"


def _is_weekday_set(name: str) -> bool:
    try:
        parse_weekdays(name)
    except ValueError:
        return False
    return True


DEFAULT_LOOKUP = CalendarLookup()
"""Weekday sets and library calendars only: for code that has no config."""


def _resolve(value: Any, info: ValidationInfo) -> Calendar:
    if isinstance(value, Calendar):
        return value
    lookup: CalendarLookup = (info.context or {}).get("calendars") or DEFAULT_LOOKUP
    return lookup.get(value)


CalendarRef = Annotated[
    Calendar,
    PlainValidator(_resolve, json_schema_input_type=str),
    PlainSerializer(lambda cal: cal.name, return_type=str),
]
"""A schedule field naming a calendar; resolved through the validation context's
`calendars` lookup (the config's calendar directory), serialized back to its name.
A plain validator, so any model can declare it and its JSON schema is a string."""
