"""Country business days: `holidays:CC` or `holidays:CC-SUB` (SPEC §5, [beyond]).

Monday to Friday, less the public holidays (and their observed days) of a country
or one of its subdivisions, from the `holidays` library of the optional `calendars`
extra. Keeping those rules ourselves would mean tracking every government's
announcements; the library is maintained for exactly that.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .base import Calendar, import_extra

PREFIX = "holidays:"


class HolidayCalendar(Calendar):
    """Mon-Fri without the public holidays of a country (subdivision)."""

    def __init__(self, name: str) -> None:
        """Build the calendar named `holidays:CC[-SUB]`; ValueError if it names no region.

        Codes are matched without regard to case, so `holidays:gb-eng` is GB-ENG.
        """
        library = import_extra("holidays", name)
        country, _, subdiv = name.removeprefix(PREFIX).strip().partition("-")
        country = country.strip().upper()
        supported: dict[str, list[str]] = library.list_supported_countries()
        if country not in supported:
            raise ValueError(f"calendar {name!r}: unknown country {country!r}")
        region = country
        if subdiv:
            subdiv = _match_subdivision(name, country, subdiv.strip(), supported[country])
            region = f"{country}-{subdiv}"
        self.name = name
        self.region = region
        self._holidays: Any = library.country_holidays(country, subdiv=subdiv or None)
        self._years = range(self._holidays.start_year, self._holidays.end_year + 1)

    def contains(self, day: date) -> bool:
        # The library answers "no holiday" for years its rules do not cover; that
        # would silently make every weekday a business day, so refuse instead.
        if day.year not in self._years:
            raise ValueError(
                f"calendar {self.name!r} has no data for {day} "
                f"(it covers {self._years.start} to {self._years.stop - 1})"
            )
        return day.weekday() < 5 and day not in self._holidays

    def holiday_name(self, day: date) -> str | None:
        """What the holiday on `day` is called, for previews; None on other days."""
        name = self._holidays.get(day)
        return None if name is None else str(name)


def _match_subdivision(name: str, country: str, subdiv: str, known: list[str]) -> str:
    for code in known:
        if code.upper() == subdiv.upper():
            return code
    listed = f"known: {', '.join(known)}" if known else "it has none"
    raise ValueError(f"calendar {name!r}: unknown subdivision {subdiv!r} of {country} ({listed})")
