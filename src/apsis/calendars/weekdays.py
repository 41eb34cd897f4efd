"""Weekday-set calendars: `all`, `Mon-Fri`, `Mon,Wed,Fri`, `Sat-Sun`."""

from __future__ import annotations

from datetime import date

from .base import Calendar

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_INDEX = {name.lower(): i for i, name in enumerate(WEEKDAY_NAMES)}


def parse_weekdays(text: str) -> frozenset[int]:
    """Weekday numbers (Mon=0) from `Mon-Fri`, `Mon,Wed,Fri`, `Fri-Mon` or `all`.

    Raises ValueError naming the part it does not understand.
    """
    if text.strip().lower() == "all":
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        first, sep, last = part.strip().partition("-")
        try:
            lo = _INDEX[first.strip().lower()[:3]] if len(first.strip()) >= 3 else None
            hi = _INDEX[last.strip().lower()[:3]] if sep else lo
        except KeyError:
            lo = hi = None
        if lo is None or hi is None:
            raise ValueError(f"{part.strip()!r} is not a weekday or weekday range")
        # A range may wrap through the weekend: Fri-Mon is Fri, Sat, Sun, Mon.
        span = (hi - lo) % 7
        days.update((lo + i) % 7 for i in range(span + 1))
    return frozenset(days)


class WeekdayCalendar(Calendar):
    def __init__(self, name: str, weekdays: frozenset[int]) -> None:
        if not weekdays:
            raise ValueError(f"calendar {name!r} has no weekdays")
        self.name = name
        self.weekdays = weekdays

    @classmethod
    def parse(cls, text: str) -> WeekdayCalendar:
        return cls(text, parse_weekdays(text))

    def contains(self, day: date) -> bool:
        return day.weekday() in self.weekdays
