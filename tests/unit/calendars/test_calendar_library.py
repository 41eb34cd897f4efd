"""Country holiday and exchange calendars, from the optional `calendars` extra.

The libraries are installed for tests; the dates below are published holidays, so a
failure means the adapter (or the library's data) changed, not a flaky clock.
"""

from __future__ import annotations

import sys
from datetime import date

import pytest

from apsis.calendars import CalendarLookup, ExchangeCalendar, HolidayCalendar


@pytest.fixture(scope="module")
def lookup() -> CalendarLookup:
    return CalendarLookup()


# --- holidays:CC[-SUB] ---------------------------------------------------------------


def test_us_business_days_skip_thanksgiving(lookup: CalendarLookup) -> None:
    us = lookup.get("holidays:US")
    assert isinstance(us, HolidayCalendar)
    assert not us.contains(date(2026, 11, 26))  # Thanksgiving, a Thursday
    assert us.contains(date(2026, 11, 27))
    assert us.after("2026-11-26") == date(2026, 11, 27)
    assert us.before("2026-11-26") == date(2026, 11, 25)
    assert us.next("2026-11-25") == date(2026, 11, 27)
    assert us.shift("2026-11-25", 1) == date(2026, 11, 27)
    assert us.shift("2026-11-27", -1) == date(2026, 11, 25)


def test_us_business_days_skip_christmas_and_the_weekend(lookup: CalendarLookup) -> None:
    us = lookup.get("holidays:US")
    assert us.next("2026-12-24") == date(2026, 12, 28)  # Fri 25th, then the weekend
    assert us.prev("2026-12-28") == date(2026, 12, 24)
    assert us.shift("2026-12-28", -1) == date(2026, 12, 24)
    assert us.after("2026-12-25") == date(2026, 12, 28)


def test_us_business_days_skip_observed_holidays(lookup: CalendarLookup) -> None:
    us = lookup.get("holidays:US")
    assert not us.contains(date(2026, 7, 3))  # Independence Day (observed)
    assert us.before("2026-07-05") == date(2026, 7, 2)


def test_england_skips_boxing_day_observed_on_monday(lookup: CalendarLookup) -> None:
    england = lookup.get("holidays:GB-ENG")
    assert not england.contains(date(2026, 12, 25))
    assert not england.contains(date(2026, 12, 28))  # Boxing Day (Saturday) observed
    assert england.next("2026-12-24") == date(2026, 12, 29)
    assert england.shift("2026-12-29", -1) == date(2026, 12, 24)


def test_subdivisions_have_their_own_holidays(lookup: CalendarLookup) -> None:
    # 2 January is a bank holiday in Scotland, not in England.
    assert lookup.get("holidays:GB-ENG").contains(date(2026, 1, 2))
    assert not lookup.get("holidays:GB-SCT").contains(date(2026, 1, 2))


def test_holiday_codes_ignore_case(lookup: CalendarLookup) -> None:
    calendar = lookup.get("holidays:gb-eng")
    assert isinstance(calendar, HolidayCalendar)
    assert calendar.name == "holidays:gb-eng"
    assert calendar.region == "GB-ENG"
    assert not calendar.contains(date(2026, 12, 28))


def test_holiday_calendar_names_its_holidays(lookup: CalendarLookup) -> None:
    us = lookup.get("holidays:US")
    assert isinstance(us, HolidayCalendar)
    assert us.holiday_name(date(2026, 11, 26)) == "Thanksgiving Day"
    assert us.holiday_name(date(2026, 11, 27)) is None


def test_unknown_country_is_named(lookup: CalendarLookup) -> None:
    with pytest.raises(ValueError) as info:
        lookup.get("holidays:XX")
    assert str(info.value) == "calendar 'holidays:XX': unknown country 'XX'"


def test_unknown_subdivision_is_named_with_the_known_ones(lookup: CalendarLookup) -> None:
    with pytest.raises(ValueError) as info:
        lookup.get("holidays:GB-ZZZ")
    assert str(info.value) == (
        "calendar 'holidays:GB-ZZZ': unknown subdivision 'ZZZ' of GB (known: ENG, NIR, SCT, WLS)"
    )


def test_holidays_outside_the_library_years_are_an_error(lookup: CalendarLookup) -> None:
    with pytest.raises(ValueError, match=r"^calendar 'holidays:US' has no data for 2101-01-03 "):
        lookup.get("holidays:US").after("2101-01-03")


# --- exchange:MIC ---------------------------------------------------------------------


def test_nyse_sessions_skip_good_friday(lookup: CalendarLookup) -> None:
    nyse = lookup.get("exchange:XNYS")
    assert isinstance(nyse, ExchangeCalendar)
    assert not nyse.contains(date(2026, 4, 3))
    assert nyse.after("2026-04-03") == date(2026, 4, 6)
    assert nyse.before("2026-04-03") == date(2026, 4, 2)
    assert nyse.shift("2026-04-02", 1) == date(2026, 4, 6)
    assert nyse.shift("2026-04-06", -1) == date(2026, 4, 2)


def test_nyse_sessions_skip_thanksgiving_but_not_the_half_day_after(
    lookup: CalendarLookup,
) -> None:
    nyse = lookup.get("exchange:XNYS")
    assert not nyse.contains(date(2026, 11, 26))
    assert nyse.contains(date(2026, 11, 27))


def test_good_friday_is_a_us_business_day_though_the_nyse_closes(lookup: CalendarLookup) -> None:
    # Good Friday is no public holiday in the US: the two calendars differ.
    assert lookup.get("holidays:US").contains(date(2026, 4, 3))


def test_exchange_names_accept_aliases_and_any_case(lookup: CalendarLookup) -> None:
    for name in ("exchange:NYSE", "exchange:xnys"):
        calendar = lookup.get(name)
        assert calendar.name == name
        assert not calendar.contains(date(2026, 4, 3))


def test_unknown_exchange_is_named(lookup: CalendarLookup) -> None:
    with pytest.raises(ValueError) as info:
        lookup.get("exchange:XXXX")
    assert str(info.value) == "calendar 'exchange:XXXX': unknown exchange 'XXXX'"


def test_exchange_dates_outside_its_data_are_an_error(lookup: CalendarLookup) -> None:
    nyse = lookup.get("exchange:XNYS")
    assert isinstance(nyse, ExchangeCalendar)
    first, last = nyse.bounds
    assert first <= date(2026, 1, 1) and date(2026, 12, 31) <= last
    covers = f"(it covers {first} to {last})"
    with pytest.raises(ValueError) as info:
        nyse.contains(date(2100, 1, 1))
    assert str(info.value) == f"calendar 'exchange:XNYS' has no data for 2100-01-01 {covers}"
    with pytest.raises(ValueError, match=r"has no data for 1990-01-01"):
        nyse.before("1990-01-01")


def test_shifting_past_the_end_of_exchange_data_is_an_error(lookup: CalendarLookup) -> None:
    nyse = lookup.get("exchange:XNYS")
    assert isinstance(nyse, ExchangeCalendar)
    _, last = nyse.bounds
    with pytest.raises(ValueError, match=r"has no data for"):
        nyse.shift(nyse.before(last), 10)


# --- the optional extra ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "name"),
    [("holidays", "holidays:US"), ("exchange_calendars", "exchange:XNYS")],
)
def test_missing_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, module: str, name: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(ValueError) as info:
        CalendarLookup().get(name)
    assert str(info.value) == (
        f"calendar {name!r} needs the optional extra: pip install 'apsis[calendars]'"
    )
