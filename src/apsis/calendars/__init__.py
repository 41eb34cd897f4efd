"""Business calendars: sets of dates that daily schedules run on (SPEC §5)."""

from .base import Calendar
from .lookup import DEFAULT_LOOKUP, CalendarLookup, CalendarRef

__all__ = ["DEFAULT_LOOKUP", "Calendar", "CalendarLookup", "CalendarRef"]
