"""Calendar files: `NAME.yaml` (weekdays less holidays) and `NAME.txt` (listed dates)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from apsis.calendars import CalendarLookup, FileCalendar


@pytest.fixture
def caldir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty `calendars` directory, named relatively so errors read as in the docs."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "calendars").mkdir()
    return Path("calendars")


def write(caldir: Path, name: str, text: str) -> CalendarLookup:
    (caldir / name).write_text(text, encoding="utf-8")
    return CalendarLookup(caldir)


def error(lookup: CalendarLookup, name: str) -> str:
    with pytest.raises(ValueError) as info:
        lookup.get(name)
    return str(info.value)


# --- NAME.yaml ------------------------------------------------------------------------

NYSE = """\
description: NYSE trading days
weekdays: Mon-Fri
holidays:
  - 2026-04-03
  - '2026-11-26'
  - "2026-12-25"
dates:
  - 2026-11-28
"""


def test_yaml_calendar_is_weekdays_less_holidays_plus_dates(caldir: Path) -> None:
    nyse = write(caldir, "nyse.yaml", NYSE).get("nyse")
    assert isinstance(nyse, FileCalendar)
    assert nyse.name == "nyse"
    assert nyse.description == "NYSE trading days"
    assert not nyse.contains(date(2026, 4, 3))
    assert nyse.contains(date(2026, 4, 2))
    assert nyse.contains(date(2026, 11, 28))  # an added Saturday
    assert not nyse.contains(date(2026, 11, 29))
    assert nyse.after("2026-04-03") == date(2026, 4, 6)
    assert nyse.next("2026-11-25") == date(2026, 11, 27)
    assert nyse.shift("2026-11-27", 1) == date(2026, 11, 28)
    assert nyse.prev("2026-12-28") == date(2026, 12, 24)


def test_yaml_calendar_weekdays_default_to_mon_fri(caldir: Path) -> None:
    calendar = write(caldir, "plain.yaml", "holidays: [2026-12-25]\n").get("plain")
    assert calendar.contains(date(2026, 12, 24))
    assert not calendar.contains(date(2026, 12, 25))
    assert not calendar.contains(date(2026, 12, 26))


def test_empty_yaml_calendar_is_mon_fri(caldir: Path) -> None:
    calendar = write(caldir, "empty.yaml", "").get("empty")
    assert calendar.contains(date(2026, 11, 20))
    assert not calendar.contains(date(2026, 11, 21))


def test_yaml_calendar_weekdays_may_be_a_list(caldir: Path) -> None:
    calendar = write(caldir, "odd.yaml", "weekdays: [Mon-Tue, Thu]\n").get("odd")
    days = [calendar.contains(date(2026, 11, d)) for d in range(23, 30)]
    assert days == [True, True, False, True, False, False, False]


def test_yaml_calendar_of_only_dates(caldir: Path) -> None:
    text = "weekdays: []\ndates: [2026-03-31, 2026-06-30]\n"
    calendar = write(caldir, "quarter.yaml", text).get("quarter")
    assert calendar.after("2026-04-01") == date(2026, 6, 30)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "holidays: [2026-01-01, 2026-04-03, 2026-13-01]\n",
            "calendars/nyse.yaml: holidays[2]: '2026-13-01' is not a date",
        ),
        (
            "dates: [2026-11-28, tomorrow]\n",
            "calendars/nyse.yaml: dates[1]: 'tomorrow' is not a date",
        ),
        (
            "holidays: [20261225]\n",
            "calendars/nyse.yaml: holidays[0]: 20261225 is not a date",
        ),
        (
            "holidays: [2026-12-25 10:00:00]\n",
            "calendars/nyse.yaml: holidays[0]: '2026-12-25 10:00:00' is not a date",
        ),
        (
            "holidays: 2026-12-25\n",
            "calendars/nyse.yaml: holidays: expected a list of dates",
        ),
        (
            "holiday: [2026-12-25]\n",
            "calendars/nyse.yaml: holiday: unknown key "
            "(expected one of description, weekdays, holidays, dates)",
        ),
        (
            "weekdays: Mon-Fry\n",
            "calendars/nyse.yaml: weekdays: 'Mon-Fry' is not a weekday or weekday range",
        ),
        (
            "weekdays: 5\n",
            "calendars/nyse.yaml: weekdays: 5 is not a weekday set",
        ),
        (
            "weekdays: [Mon, 5]\n",
            "calendars/nyse.yaml: weekdays: expected weekday names or ranges",
        ),
        (
            "weekdays: []\n",
            "calendars/nyse.yaml: calendar 'nyse' has no dates",
        ),
        (
            "description: [a, b]\n",
            "calendars/nyse.yaml: description: expected text",
        ),
        (
            "- 2026-12-25\n",
            "calendars/nyse.yaml: expected a mapping with keys "
            "weekdays, holidays, dates, description",
        ),
        (
            "holidays: [2026-12-25]\nholidays: [2026-12-26]\n",
            "calendars/nyse.yaml: line 2: duplicate key 'holidays'",
        ),
        (
            "holidays: [2026-12-25\n",
            "calendars/nyse.yaml: line 2, column 1: not valid YAML: "
            "did not find expected ',' or ']'",
        ),
    ],
)
def test_bad_yaml_calendar_names_file_key_and_reason(caldir: Path, text: str, message: str) -> None:
    assert error(write(caldir, "nyse.yaml", text), "nyse") == message


def test_calendar_file_must_be_utf8(caldir: Path) -> None:
    (caldir / "latin.yaml").write_bytes("description: Fête\n".encode("latin-1"))
    assert error(CalendarLookup(caldir), "latin") == "calendars/latin.yaml: not UTF-8 text"


# --- NAME.txt -------------------------------------------------------------------------

MONTH_ENDS = """\
# last business day of each quarter, 2026
2026-03-31
2026-06-30   # a Tuesday

2026-09-30
2026-12-31
"""


def test_txt_calendar_is_exactly_its_dates(caldir: Path) -> None:
    calendar = write(caldir, "quarters.txt", MONTH_ENDS).get("quarters")
    assert calendar.name == "quarters"
    assert calendar.contains(date(2026, 6, 30))
    assert not calendar.contains(date(2026, 7, 1))
    assert calendar.after("2026-07-01") == date(2026, 9, 30)
    assert calendar.before("2026-07-01") == date(2026, 6, 30)
    assert calendar.next("2026-06-30") == date(2026, 9, 30)
    assert calendar.prev("2026-06-30") == date(2026, 3, 31)
    assert calendar.shift("2026-03-31", 3) == date(2026, 12, 31)


def test_txt_calendar_ends_with_its_last_date(caldir: Path) -> None:
    calendar = write(caldir, "quarters.txt", MONTH_ENDS).get("quarters")
    with pytest.raises(ValueError) as info:
        calendar.next("2026-12-31")
    assert str(info.value) == (
        "calendar 'quarters' has no date on or after 2027-01-01 (its last is 2026-12-31)"
    )
    with pytest.raises(ValueError) as info:
        calendar.before("2026-01-01")
    assert str(info.value) == (
        "calendar 'quarters' has no date on or before 2026-01-01 (its first is 2026-03-31)"
    )


def test_bad_txt_calendar_names_file_and_line(caldir: Path) -> None:
    lookup = write(caldir, "quarters.txt", "2026-03-31\n\n2026-06-31\n")
    assert error(lookup, "quarters") == "calendars/quarters.txt: line 3: '2026-06-31' is not a date"


def test_empty_txt_calendar_is_an_error(caldir: Path) -> None:
    lookup = write(caldir, "none.txt", "# nothing yet\n")
    assert error(lookup, "none") == "calendars/none.txt: calendar 'none' has no dates"
