"""Resolving calendar names: the lookup order, calendar files by stem, CalendarRef."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from apsis.calendars import (
    DEFAULT_LOOKUP,
    Calendar,
    CalendarLookup,
    CalendarRef,
    FileCalendar,
    WeekdayCalendar,
)


@pytest.fixture
def caldir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "calendars").mkdir()
    return Path("calendars")


def error(lookup: CalendarLookup, name: object) -> str:
    with pytest.raises(ValueError) as info:
        lookup.get(name)  # type: ignore[arg-type]
    return str(info.value)


def test_weekday_sets_resolve_without_a_directory() -> None:
    calendar = CalendarLookup().get("Mon-Fri")
    assert isinstance(calendar, WeekdayCalendar)
    assert calendar.weekdays == frozenset(range(5))


def test_weekday_sets_win_over_a_file_of_the_same_name(caldir: Path) -> None:
    (caldir / "Mon-Fri.yaml").write_text("weekdays: Sat-Sun\n")
    (caldir / "Monday.txt").write_text("2026-11-24\n")
    lookup = CalendarLookup(caldir)
    assert lookup.get("Mon-Fri").contains(date(2026, 11, 23))
    assert lookup.get("Monday").contains(date(2026, 11, 30))
    assert lookup.names() == []


def test_calendar_files_resolve_by_stem(caldir: Path) -> None:
    (caldir / "nyse.yaml").write_text("holidays: [2026-04-03]\n")
    (caldir / "quarters.txt").write_text("2026-03-31\n")
    lookup = CalendarLookup(caldir)
    assert isinstance(lookup.get("nyse"), FileCalendar)
    assert not lookup.get("nyse").contains(date(2026, 4, 3))
    assert lookup.get("quarters").contains(date(2026, 3, 31))


def test_calendars_are_built_once_per_lookup(caldir: Path) -> None:
    (caldir / "nyse.yaml").write_text("holidays: [2026-04-03]\n")
    lookup = CalendarLookup(caldir)
    first = lookup.get("nyse")
    (caldir / "nyse.yaml").write_text("holidays: []\n")
    assert lookup.get("nyse") is first
    assert lookup.get(" nyse ") is first
    assert CalendarLookup(caldir).get("nyse").contains(date(2026, 4, 3))


def test_names_lists_the_calendar_files(caldir: Path) -> None:
    for name in ("nyse.yaml", "quarters.txt", "lse.yaml", ".hidden.yaml", "notes.md"):
        (caldir / name).write_text("")
    (caldir / "sub.yaml").mkdir()
    assert CalendarLookup(caldir).names() == ["lse", "nyse", "quarters"]


def test_names_is_empty_without_a_directory(tmp_path: Path) -> None:
    assert CalendarLookup().names() == []
    assert CalendarLookup(tmp_path / "missing").names() == []


def test_a_name_with_both_a_yaml_and_a_txt_file_is_an_error(caldir: Path) -> None:
    (caldir / "nyse.yaml").write_text("")
    (caldir / "nyse.txt").write_text("2026-01-02\n")
    assert error(CalendarLookup(caldir), "nyse") == (
        "calendar 'nyse' is defined twice: calendars/nyse.yaml and calendars/nyse.txt"
    )


def test_unknown_calendar_is_named(caldir: Path) -> None:
    assert error(CalendarLookup(), "Workdays") == "unknown calendar 'Workdays'"
    assert error(CalendarLookup(caldir), "Workdays") == "unknown calendar 'Workdays'"


def test_unknown_calendar_suggests_a_close_file(caldir: Path) -> None:
    (caldir / "nyse.yaml").write_text("")
    assert error(CalendarLookup(caldir), "nyce") == "unknown calendar 'nyce' (did you mean 'nyse'?)"


def test_calendar_names_cannot_reach_outside_the_directory(caldir: Path) -> None:
    Path("secret.yaml").write_text("")
    (caldir / ".hidden.yaml").write_text("")
    lookup = CalendarLookup(caldir)
    assert error(lookup, "../secret") == "unknown calendar '../secret'"
    assert error(lookup, ".hidden") == "unknown calendar '.hidden'"


@pytest.mark.parametrize("name", ["", "  ", None, 5])
def test_a_calendar_name_must_be_text(name: object) -> None:
    assert error(CalendarLookup(), name) == f"{name!r} is not a calendar name"


class Daily(BaseModel):
    calendar: CalendarRef


def test_calendar_ref_resolves_through_the_context_lookup(caldir: Path) -> None:
    (caldir / "nyse.yaml").write_text("holidays: [2026-04-03]\n")
    model = Daily.model_validate(
        {"calendar": "nyse"}, context={"calendars": CalendarLookup(caldir)}
    )
    assert isinstance(model.calendar, FileCalendar)
    assert model.model_dump() == {"calendar": "nyse"}
    assert model.model_dump(mode="json") == {"calendar": "nyse"}


def test_calendar_ref_defaults_to_weekday_sets_and_libraries() -> None:
    assert Daily.model_validate({"calendar": "Sat-Sun"}).calendar.name == "Sat-Sun"
    calendar: Calendar = DEFAULT_LOOKUP.get("holidays:US")
    assert Daily.model_validate({"calendar": calendar}).calendar is calendar


def test_calendar_ref_reports_the_reason() -> None:
    with pytest.raises(ValidationError) as info:
        Daily.model_validate({"calendar": "Workdays"})
    assert info.value.errors()[0]["ctx"]["error"].args == ("unknown calendar 'Workdays'",)


def test_calendar_ref_is_a_string_in_json_schema() -> None:
    schema = Daily.model_json_schema()
    assert schema["properties"]["calendar"]["type"] == "string"
