"""Business calendars: sets of dates that daily schedules run on (SPEC §5)."""

from .base import Calendar, as_date
from .exchange import ExchangeCalendar
from .files import FileCalendar, load_calendar_file
from .holidays import HolidayCalendar
from .lookup import DEFAULT_LOOKUP, CalendarLookup, CalendarRef
from .weekdays import WeekdayCalendar, parse_weekdays

__all__ = [
    "DEFAULT_LOOKUP",
    "Calendar",
    "CalendarLookup",
    "CalendarRef",
    "ExchangeCalendar",
    "FileCalendar",
    "HolidayCalendar",
    "WeekdayCalendar",
    "as_date",
    "load_calendar_file",
    "parse_weekdays",
]
