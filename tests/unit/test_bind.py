"""Binding: rendering templated fields for a run, and the helpers templates use (SPEC §3.3)."""

from __future__ import annotations

import copy
import pickle
import shlex
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from apsis.bind import (
    Date,
    LocalTime,
    Templated,
    Time,
    bind_model,
    bind_names,
    check_syntax,
    from_local,
    render,
    template_calendar,
    template_names,
    to_local,
)
from apsis.calendars import CalendarLookup
from apsis.errors import BindError
from apsis.timespec import parse_duration


@pytest.fixture(scope="module")
def names() -> dict[str, Any]:
    args = {"date": "2026-11-27", "label": "it's a test", "count": "3"}
    return bind_names(args, job_id="etl/load", run_id="r42", get_calendar=CalendarLookup().get)


def bind_error(text: str, names: dict[str, Any]) -> str:
    with pytest.raises(BindError) as info:
        render(text, names)
    return info.value.message


# --- render ---------------------------------------------------------------------------


def test_templates_render_args_run_id_and_job_id(names: dict[str, Any]) -> None:
    assert render("load {{ date }} for {{ job_id }} as {{ run_id }}", names) == (
        "load 2026-11-27 for etl/load as r42"
    )


def test_text_without_template_syntax_is_returned_as_is(names: dict[str, Any]) -> None:
    assert render("echo '{ not a template }'", names) == "echo '{ not a template }'"


def test_templates_keep_a_trailing_newline(names: dict[str, Any]) -> None:
    assert render("{{ date }}\n", names) == "2026-11-27\n"


def test_undefined_names_are_errors_not_empty_strings(names: dict[str, Any]) -> None:
    assert (
        bind_error("echo {{ missing }}", names) == "'missing' is undefined in 'echo {{ missing }}'"
    )


def test_undefined_attributes_are_errors(names: dict[str, Any]) -> None:
    assert bind_error("{{ date.year }}", names) == (
        "'str object' has no attribute 'year' in '{{ date.year }}'"
    )


def test_a_failing_helper_is_a_bind_error(names: dict[str, Any]) -> None:
    assert bind_error("{{ Date('someday') }}", names) == (
        "cannot render \"{{ Date('someday') }}\": 'someday' is not a date"
    )


def test_syntax_errors_at_render_are_bind_errors(names: dict[str, Any]) -> None:
    assert bind_error("{{ date", names).startswith("template syntax error: ")


def test_check_syntax_names_the_problem_and_the_template() -> None:
    with pytest.raises(ValueError) as info:
        check_syntax("{{ date }")
    assert str(info.value) == "template syntax error: unexpected '}' in '{{ date }'"
    with pytest.raises(ValueError, match=r"^template syntax error: .*nosuch"):
        check_syntax("{{ date | nosuch }}")


def test_template_names_lists_the_names_a_template_needs() -> None:
    text = "{% set x = 1 %}{{ date | shquote }} {{ get_calendar(cal).before(date) }} {{ x }}"
    assert template_names(text) == {"date", "get_calendar", "cal"}
    with pytest.raises(ValueError, match=r"^template syntax error: "):
        template_names("{{ date")


def test_defaults_and_conditionals_still_work_with_strict_names(names: dict[str, Any]) -> None:
    assert render("{{ missing | default('x') }}", names) == "x"
    assert render("{% if missing is defined %}a{% else %}b{% endif %}", names) == "b"


# --- Templated fields and bind_model --------------------------------------------------


class Step(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    command: Annotated[str, Templated()]
    timeout: Annotated[float | None, Templated(parse_duration)] = None
    argv: Annotated[list[str], Templated()] = Field(default_factory=list)
    env: Annotated[dict[str, str], Templated()] = Field(default_factory=dict)
    when: Annotated[str, Templated()] = Field(default="always", alias="if")
    note: str = "{{ not rendered }}"


class Job(BaseModel):
    steps: list[Step]


def test_plain_templated_values_are_parsed_at_load() -> None:
    assert Step.model_validate({"command": "true", "timeout": "10 min"}).timeout == 600.0


def test_templated_values_wait_for_binding() -> None:
    step = Step.model_validate({"command": "load {{ date }}", "timeout": "{{ count }}m"})
    assert step.command == "load {{ date }}"
    assert step.timeout == "{{ count }}m"  # type: ignore[comparison-overlap]


@pytest.mark.parametrize(
    "data",
    [
        {"command": "load {{ date"},
        {"command": "true", "argv": ["x", "{{ date }"]},
        {"command": "true", "env": {"DAY": "{% if %}"}},
    ],
)
def test_template_syntax_errors_are_caught_at_validation(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as info:
        Step.model_validate(data)
    assert "template syntax error" in str(info.value.errors()[0]["ctx"]["error"])


def test_plain_values_that_do_not_parse_fail_at_load() -> None:
    with pytest.raises(ValidationError, match="'soon' is not a duration"):
        Step.model_validate({"command": "true", "timeout": "soon"})


def test_bind_model_renders_and_parses_templated_fields(names: dict[str, Any]) -> None:
    step = Step.model_validate(
        {
            "command": "load {{ date }}",
            "timeout": "{{ count }}m",
            "argv": ["load", "{{ Date(date) - 1 }}"],
            "env": {"DAY": "{{ Date(date).weekday_name }}"},
            "if": "{{ job_id }}",
        }
    )
    bound = bind_model(step, names)
    assert bound.command == "load 2026-11-27"
    assert bound.timeout == 180.0
    assert bound.argv == ["load", "2026-11-26"]
    assert bound.env == {"DAY": "Fri"}
    assert bound.when == "etl/load"
    assert bound.note == "{{ not rendered }}"


def test_bind_errors_are_located_at_the_field(names: dict[str, Any]) -> None:
    job = Job.model_validate(
        {"steps": [{"command": "true"}, {"command": "true", "argv": ["a", "{{ nope }}"]}]}
    )
    with pytest.raises(BindError) as info:
        bind_model(job, names)
    assert info.value.message == "steps[1].argv[1]: 'nope' is undefined in '{{ nope }}'"


def test_bind_errors_name_a_field_by_its_key_in_the_file(names: dict[str, Any]) -> None:
    step = Step.model_validate({"command": "true", "if": "{{ nope }}"})
    with pytest.raises(BindError) as info:
        bind_model(step, names)
    assert info.value.path == ("if",)


def test_a_rendered_value_that_does_not_parse_is_a_located_bind_error(
    names: dict[str, Any],
) -> None:
    step = Step.model_validate({"command": "true", "timeout": "{{ date }}"})
    with pytest.raises(BindError) as info:
        bind_model(step, names)
    assert info.value.message == "timeout: '2026-11-27' is not a duration"


# --- Date -----------------------------------------------------------------------------


def test_dates_add_and_subtract_days(names: dict[str, Any]) -> None:
    assert render("{{ Date(date) + 1 }}", names) == "2026-11-28"
    assert render("{{ Date(date) - 1 }}", names) == "2026-11-26"
    assert render("{{ 5 + Date(date) }}", names) == "2026-12-02"
    assert render("{{ Date(date) + count }}", names) == "2026-11-30"
    assert render("{{ Date(date) - 27 - 30 }}", names) == "2026-10-01"


def test_difference_of_dates_is_days(names: dict[str, Any]) -> None:
    assert render("{{ Date(date) - Date('2026-01-01') }}", names) == "330"
    assert Date("2026-11-27") - date(2026, 12, 1) == -4


def test_dates_render_as_iso_and_format_with_strftime(names: dict[str, Any]) -> None:
    assert str(Date(2026, 11, 27)) == "2026-11-27"
    assert render("{{ format(Date(date), '%Y%m%d') }}", names) == "20261127"
    assert render("{{ Date(date).weekday_name }} {{ Date(date).year }}", names) == "Fri 2026"


def test_dates_come_from_text_dates_and_datetimes() -> None:
    assert Date(" 2026-11-27 ") == date(2026, 11, 27)
    assert Date(datetime(2026, 11, 27, 23, 59)) == date(2026, 11, 27)
    assert type(Date(date(2026, 11, 27)) + 1) is Date


def test_dates_and_times_survive_copy_and_pickle() -> None:
    for value in (Date("2026-11-27"), Time("2026-11-27T10:00:00Z")):
        assert copy.deepcopy(value) == value
        assert type(pickle.loads(pickle.dumps(value))) is type(value)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ Date('2026-02-30') }}", "'2026-02-30' is not a date"),
        ("{{ Date(3) }}", "3 is not a date"),
        ("{{ Date(date) + 1.5 }}", "1.5 is not a number of days"),
        ("{{ Date(date) + 'x' }}", "invalid literal for int() with base 10: 'x'"),
    ],
)
def test_bad_date_arithmetic_says_why(template: str, message: str, names: dict[str, Any]) -> None:
    assert bind_error(template, names) == f"cannot render {template!r}: {message}"


# --- Daytime, Time, TimeZone ----------------------------------------------------------


def test_daytime_time_and_timezone_helpers(names: dict[str, Any]) -> None:
    assert render("{{ Daytime('9:30') }}", names) == "09:30:00"
    assert render("{{ Time('2026-11-27T09:30:00-05:00') }}", names) == "2026-11-27T14:30:00Z"
    assert render("{{ TimeZone('America/New_York') }}", names) == "America/New_York"


def test_times_move_by_seconds_and_differ_in_seconds(names: dict[str, Any]) -> None:
    assert render("{{ Time('2026-11-27T14:30:00Z') + 90 }}", names) == "2026-11-27T14:31:30Z"
    assert render("{{ Time('2026-11-27T14:30:00Z') - 3600 }}", names) == "2026-11-27T13:30:00Z"
    assert render("{{ Time('2026-11-27T14:30:00Z') - Time('2026-11-27T14:00:00Z') }}", names) == (
        "1800.0"
    )


def test_times_keep_datetime_methods() -> None:
    moment = Time("2026-11-27T14:30:00Z")
    assert moment.replace(hour=1) == datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    assert str(moment.astimezone(ZoneInfo("America/New_York"))) == "2026-11-27T14:30:00Z"
    assert format(moment, "%H%M") == "1430"


# --- from_local and to_local ----------------------------------------------------------


def test_from_local_takes_a_date_daytime_and_zone(names: dict[str, Any]) -> None:
    expected = "2026-11-27T14:30:00Z"
    assert render("{{ from_local(date, '09:30', 'America/New_York') }}", names) == expected
    assert render("{{ from_local((date, '09:30'), 'America/New_York') }}", names) == expected
    assert from_local(LocalTime(Date(date(2026, 11, 27)), time(9, 30)), "America/New_York") == (
        datetime(2026, 11, 27, 14, 30, tzinfo=UTC)
    )


def test_from_local_follows_the_dst_rule() -> None:
    # 02:30 does not exist on 8 March 2026 in New York: the first valid instant is 03:00.
    assert str(from_local("2026-03-08", "02:30", "America/New_York")) == "2026-03-08T07:00:00Z"
    # 01:30 happens twice on 1 November 2026: the first is in EDT.
    assert str(from_local("2026-11-01", "01:30", "America/New_York")) == "2026-11-01T05:30:00Z"
    assert str(from_local("2026-11-02", "01:30", "America/New_York")) == "2026-11-02T06:30:00Z"


def test_from_local_wants_a_pair_in_its_two_argument_form() -> None:
    with pytest.raises(ValueError, match=r"expected a \(date, daytime\) pair"):
        from_local("2026-11-27", "America/New_York")


def test_to_local_gives_date_and_daytime(names: dict[str, Any]) -> None:
    local = to_local("2026-11-27T04:30:00Z", "America/New_York")
    assert local == (date(2026, 11, 26), time(23, 30))
    assert str(local) == "2026-11-26T23:30:00"
    template = "{{ to_local('2026-11-27T04:30:00Z', 'America/New_York').date + 1 }}"
    assert render(template, names) == "2026-11-27"


def test_to_local_and_from_local_round_trip() -> None:
    local = to_local(Time("2026-07-01T12:00:00Z"), "Europe/London")
    assert from_local(local, "Europe/London") == datetime(2026, 7, 1, 12, tzinfo=UTC)


# --- get_calendar ---------------------------------------------------------------------


def test_calendar_moves_take_string_dates_and_return_dates(names: dict[str, Any]) -> None:
    assert render("{{ get_calendar('Mon-Fri').before('2026-11-28') }}", names) == "2026-11-27"
    assert render("{{ get_calendar('Mon-Fri').after('2026-11-28') }}", names) == "2026-11-30"
    assert render("{{ get_calendar('Mon-Fri').shift(date, 1) }}", names) == "2026-11-30"
    assert (
        render("{{ get_calendar('Mon-Fri').shift(date, -(count | int)) }}", names) == "2026-11-24"
    )
    assert render("{{ get_calendar('Mon-Fri').contains('2026-11-28') }}", names) == "False"
    assert render("{{ date in get_calendar('Mon-Fri') }}", names) == "True"


def test_calendar_results_do_date_arithmetic(names: dict[str, Any]) -> None:
    template = "{{ get_calendar('Mon-Fri').before('2026-11-29') - 1 }}"
    assert render(template, names) == "2026-11-26"


def test_library_calendars_work_in_templates(names: dict[str, Any]) -> None:
    template = "{{ get_calendar('holidays:US').shift('2026-11-25', 1) }}"
    assert render(template, names) == "2026-11-27"
    template = "{{ get_calendar('exchange:XNYS').prev('2026-04-06') }}"
    assert render(template, names) == "2026-04-02"


def test_calendar_files_work_in_templates(tmp_path: Path) -> None:
    (tmp_path / "nyse.yaml").write_text("holidays: [2026-11-26]\n")
    names = bind_names(
        {"date": "2026-11-27"}, job_id="j", run_id=None, get_calendar=CalendarLookup(tmp_path).get
    )
    assert render("{{ get_calendar('nyse').prev(date) }}", names) == "2026-11-25"


def test_calendar_errors_are_bind_errors(names: dict[str, Any]) -> None:
    template = "{{ get_calendar('Mon-Fri').shift('2026-11-28', 1) }}"
    assert bind_error(template, names) == (
        f"cannot render {template!r}: 2026-11-28 is not in calendar 'Mon-Fri'"
    )
    template = "{{ get_calendar('Workdays') }}"
    assert bind_error(template, names) == f"cannot render {template!r}: unknown calendar 'Workdays'"


def test_template_calendar_renders_as_its_name() -> None:
    calendar = template_calendar(CalendarLookup().get("Sat-Sun"))
    assert str(calendar) == "Sat-Sun"
    assert type(calendar.next(date(2026, 11, 21))) is Date


def test_template_calendar_wraps_once(names: dict[str, Any]) -> None:
    calendar = template_calendar(CalendarLookup().get("Sat-Sun"))
    assert template_calendar(calendar) is calendar
    wrapped = bind_names({}, job_id="j", run_id=None, get_calendar=lambda name: calendar)
    assert render("{{ get_calendar('x').after('2026-11-23') - 1 }}", wrapped) == "2026-11-27"


# --- shquote --------------------------------------------------------------------------


def test_shquote_makes_one_shell_word(names: dict[str, Any]) -> None:
    command = render("echo {{ label | shquote }} {{ 'a b' | shquote }}", names)
    assert command == "echo 'it'\"'\"'s a test' 'a b'"
    assert shlex.split(command) == ["echo", "it's a test", "a b"]


def test_shquote_quotes_any_value(names: dict[str, Any]) -> None:
    assert render("{{ Date(date) | shquote }}", names) == "2026-11-27"
    assert render("{{ '' | shquote }}", names) == "''"
    assert render("{{ '$HOME; rm -rf /' | shquote }}", names) == "'$HOME; rm -rf /'"
