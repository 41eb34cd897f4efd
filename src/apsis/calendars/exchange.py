"""Exchange trading days: `exchange:MIC`, e.g. `exchange:XNYS` (SPEC §5, [beyond]).

The sessions come from the `exchange_calendars` library of the optional `calendars`
extra. The library computes sessions only for a bounded range (by default twenty
years back to one year ahead, less where its data ends sooner), so a date outside
that range is an error, never a silent "not a trading day".
"""

from __future__ import annotations

import warnings
from datetime import date

from .base import Calendar, import_extra

PREFIX = "exchange:"


class ExchangeCalendar(Calendar):
    """The sessions of one exchange, loaded on first use and kept as a set of dates."""

    def __init__(self, name: str) -> None:
        """Check that `exchange:MIC` names a known exchange; ValueError if not.

        Only the name is checked here: building the sessions takes a noticeable
        fraction of a second, which a job directory naming many exchanges should not
        pay at load time for calendars it may never query.
        """
        self._library = import_extra("exchange_calendars", name)
        mic = name.removeprefix(PREFIX).strip()
        known: list[str] = self._library.get_calendar_names(include_aliases=True)
        if mic not in known and mic.upper() in known:
            mic = mic.upper()
        if mic not in known:
            raise ValueError(f"calendar {name!r}: unknown exchange {mic!r}")
        self.name = name
        self.mic = mic
        self._sessions: frozenset[date] | None = None
        self._first = self._last = date.min

    def _load(self) -> frozenset[date]:
        if self._sessions is None:
            # The library trips deprecation warnings of its own pandas use; they say
            # nothing a user of Apsis could act on, so they are not passed on.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", FutureWarning)
                exchange = self._library.get_calendar(self.mic)
            self._first = exchange.first_session.date()
            self._last = exchange.last_session.date()
            self._sessions = frozenset(exchange.sessions.date)
        return self._sessions

    @property
    def bounds(self) -> tuple[date, date]:
        """The first and last date the calendar has data for."""
        self._load()
        return self._first, self._last

    def contains(self, day: date) -> bool:
        sessions = self._load()
        if not self._first <= day <= self._last:
            raise ValueError(
                f"calendar {self.name!r} has no data for {day} "
                f"(it covers {self._first} to {self._last})"
            )
        return day in sessions
