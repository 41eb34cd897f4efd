"""The calendar contract: a set of dates, and moves within it.

A calendar answers `contains(date)`; everything else derives from that. Calendars are
unbounded in both directions unless they say otherwise: a search that finds no date
within ten years raises ValueError rather than looping forever, and a calendar whose
data covers a bounded range (an exchange's sessions) raises ValueError outside it
rather than answering "not a business day" for dates it knows nothing about.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import date, timedelta
from types import ModuleType
from typing import Any

_SEARCH_LIMIT = 3660
_DAY = timedelta(days=1)


def as_date(value: Any) -> date:
    """Templates pass dates as ISO strings; accept those as well as dates."""
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date")


def import_extra(module: str, calendar: str) -> ModuleType:
    """Import a library of the optional `calendars` extra, on first use.

    Imported lazily so that Apsis installs and starts without the extra; a job that
    names such a calendar then fails to load with the command that fixes it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ValueError(
            f"calendar {calendar!r} needs the optional extra: pip install 'apsis[calendars]'"
        ) from exc


class Calendar(ABC):
    """A named set of dates (business days, trading days, …)."""

    name: str

    @abstractmethod
    def contains(self, day: date) -> bool:
        """Whether `day` is in the calendar."""

    def __contains__(self, day: object) -> bool:
        return self.contains(as_date(day))

    def _search(self, start: date, step: timedelta) -> date:
        day = start
        for _ in range(_SEARCH_LIMIT):
            if self.contains(day):
                return day
            day += step
        raise ValueError(f"calendar {self.name!r} has no date within ten years of {start}")

    def after(self, day: Any) -> date:
        """The first calendar date on or after `day`."""
        return self._search(as_date(day), _DAY)

    def before(self, day: Any) -> date:
        """The last calendar date on or before `day`."""
        return self._search(as_date(day), -_DAY)

    def next(self, day: Any) -> date:
        """The first calendar date strictly after `day`."""
        return self.after(as_date(day) + _DAY)

    def prev(self, day: Any) -> date:
        """The last calendar date strictly before `day`."""
        return self.before(as_date(day) - _DAY)

    def shift(self, day: Any, count: int | str) -> date:
        """Move `count` calendar dates from `day`, which must be in the calendar."""
        result = as_date(day)
        count = int(count)  # templates may pass the count as a string arg
        if not self.contains(result):
            raise ValueError(f"{result} is not in calendar {self.name!r}")
        step = self.next if count > 0 else self.prev
        for _ in range(abs(count)):
            result = step(result)
        return result

    def dates(self, start: date) -> Iterator[date]:
        """Calendar dates from `start` (inclusive) onwards, in order."""
        day = self.after(start)
        while True:
            yield day
            day = self.next(day)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
