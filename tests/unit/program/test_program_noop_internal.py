"""`no-op` and the internal programs (stats, archive, vacuum)."""

from __future__ import annotations

from typing import Any

import pytest

from apsis.bind import bind_names
from apsis.calendars import DEFAULT_LOOKUP
from apsis.errors import BindError, SpecErrors
from apsis.program import (
    ArchiveProgram,
    NoOpProgram,
    Program,
    StatsProgram,
    VacuumProgram,
    programs,
)

NAMES = bind_names(
    {"d": "5s", "day": "2026-11-21", "later": "soon"},
    job_id="j",
    run_id="r1",
    get_calendar=DEFAULT_LOOKUP.get,
)


def errors(data: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        programs.parse(data)
    return [e.message for e in info.value.errors]


def test_noop_is_instant_and_succeeds_by_default() -> None:
    program = programs.parse({"type": "no-op"})
    assert program == NoOpProgram(duration=None, success=True)
    assert str(program) == "no-op"


@pytest.mark.parametrize("success", [True, False, None])
def test_noop_success_may_be_true_false_or_null(success: bool | None) -> None:
    program = programs.parse({"type": "no-op", "success": success})
    assert isinstance(program, NoOpProgram)
    assert program.success is success


def test_noop_null_success_survives_the_json_round_trip() -> None:
    program = NoOpProgram(success=None)
    assert program.to_jso() == {"type": "no-op", "success": None}
    assert programs.parse(program.to_jso()) == program


def test_noop_duration_accepts_units() -> None:
    assert programs.parse({"type": "no-op", "duration": "1.5 min"}) == NoOpProgram(duration=90.0)


def test_noop_templated_duration_is_parsed_when_bound() -> None:
    program = programs.parse({"type": "no-op", "duration": "{{ d }}"})
    assert program.bind(NAMES) == NoOpProgram(duration=5.0)


def test_noop_bad_bound_duration_is_a_bind_error() -> None:
    program = programs.parse({"type": "no-op", "duration": "{{ later }}"})
    with pytest.raises(BindError) as info:
        program.bind(NAMES)
    assert info.value.message == "duration: 'soon' is not a duration"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "no-op", "duration": "soon"}, "duration: 'soon' is not a duration"),
        ({"type": "no-op", "duration": -1}, "duration: -1 is a negative duration"),
        ({"type": "no-op", "success": "maybe"}, "success: expected bool, got str 'maybe'"),
        ({"type": "no-op", "command": "x"}, "command: unknown key"),
    ],
)
def test_invalid_noop(data: Any, message: str) -> None:
    assert errors(data) == [message]


def test_stats_keeps_its_apsis_type_name_and_short_alias() -> None:
    dotted = programs.parse({"type": "apsis.program.internal.stats.StatsProgram"})
    short = programs.parse({"type": "stats", "path": "/var/log/apsis-stats.jsonl"})
    assert dotted == StatsProgram()
    assert short == StatsProgram(path="/var/log/apsis-stats.jsonl")
    assert short.to_jso() == {
        "type": "apsis.program.internal.stats.StatsProgram",
        "path": "/var/log/apsis-stats.jsonl",
    }
    assert str(dotted) == "stats"


def test_stats_path_is_templated() -> None:
    program = programs.parse({"type": "stats", "path": "/log/{{ day }}.jsonl"})
    assert program.bind(NAMES) == StatsProgram(path="/log/2026-11-21.jsonl")


def test_archive_parses_its_keys() -> None:
    program = programs.parse(
        {
            "type": "archive",
            "age": "30 days",
            "path": "/archive/runs.db",
            "count": 10000,
            "chunk_size": 500,
            "chunk_sleep": 0.5,
        }
    )
    assert program == ArchiveProgram(
        age=30 * 86400.0, path="/archive/runs.db", count=10000, chunk_size=500, chunk_sleep=0.5
    )
    assert program.to_jso()["type"] == "apsis.program.internal.archive.ArchiveProgram"
    assert str(program).startswith("archive runs older than ")


def test_archive_chunk_sleep_accepts_a_duration() -> None:
    data = {"type": "archive", "age": "1d", "path": "a.db", "count": 1, "chunk_sleep": "2s"}
    program = programs.parse(data)
    assert isinstance(program, ArchiveProgram)
    assert program.chunk_sleep == 2.0


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        (
            {"type": "archive"},
            [
                "age: missing required key",
                "path: missing required key",
                "count: missing required key",
            ],
        ),
        (
            {"type": "archive", "age": "old", "path": "a.db", "count": 1},
            ["age: 'old' is not a duration"],
        ),
        (
            {"type": "archive", "age": "1d", "path": "a.db", "count": 0},
            ["count: input should be greater than or equal to 1"],
        ),
        ({"type": "vacuum", "full": True}, ["full: unknown key"]),
    ],
)
def test_invalid_internal_programs(data: Any, messages: list[str]) -> None:
    assert errors(data) == messages


def test_vacuum_has_no_keys() -> None:
    program = programs.parse({"type": "apsis.program.internal.vacuum.VacuumProgram"})
    assert program == VacuumProgram()
    assert programs.parse({"type": "vacuum"}) == program
    assert program.to_jso() == {"type": "apsis.program.internal.vacuum.VacuumProgram"}


@pytest.mark.parametrize(
    "program",
    [
        NoOpProgram(),
        NoOpProgram(duration="{{ d }}", success=False),
        StatsProgram(),
        StatsProgram(path="/x"),
        ArchiveProgram(age=60.0, path="a.db", count=5),
        ArchiveProgram(age="{{ d }}", path="a.db", count=5, chunk_size=2, chunk_sleep=1.0),
        VacuumProgram(),
    ],
)
def test_json_round_trips(program: Program) -> None:
    assert programs.parse(program.to_jso()) == program
