"""Weekday-set calendars: `all`, `Mon-Fri`, `Mon,Wed,Fri`, `Sat-Sun`."""

from __future__ import annotations

from datetime import date

from .base import Calendar

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Only the three-letter abbreviation and the full name count: a looser prefix match
# would read `Monkey` as Monday and let a misspelt calendar name pass silently.
_INDEX = {
    **{name.lower(): i for i, name in enumerate(WEEKDAY_NAMES)},
    **{name: i for i, name in enumerate(_FULL_NAMES)},
}


def _weekday(text: str) -> int | None:
    return _INDEX.get(text.strip().lower())


def parse_weekdays(text: str) -> frozenset[int]:
    """Weekday numbers (Mon=0) from `Mon-Fri`, `Mon,Wed,Fri`, `Fri-Mon` or `all`.

    Raises ValueError naming the part it does not understand.
    """
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a weekday set")
    if text.strip().lower() == "all":
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        ends = part.split("-")
        first, last = _weekday(ends[0]), _weekday(ends[-1])
        if len(ends) > 2 or first is None or last is None:
            raise ValueError(f"{part.strip()!r} is not a weekday or weekday range")
        # A range may wrap through the weekend: Fri-Mon is Fri, Sat, Sun, Mon.
        span = (last - first) % 7
        days.update((first + i) % 7 for i in range(span + 1))
    return frozenset(days)


class WeekdayCalendar(Calendar):
    """Every date whose weekday is in a set; unbounded in both directions."""

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
