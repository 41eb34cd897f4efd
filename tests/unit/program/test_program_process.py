"""`shell` and `program`: their keys, the common process keys, shorthands and binding."""

from __future__ import annotations

from typing import Any

import pytest

from apsis.bind import bind_names
from apsis.calendars import DEFAULT_LOOKUP
from apsis.errors import BindError, SpecError, SpecErrors
from apsis.program import (
    ArgvProgram,
    ShellProgram,
    Stop,
    Timeout,
    parse_program,
    parse_signal,
    programs,
)

NAMES = bind_names(
    {"date": "2026-11-21", "limit": "90s", "who": "etl", "sig": "INT"},
    job_id="etl/load",
    run_id="r1",
    get_calendar=DEFAULT_LOOKUP.get,
)


def errors(data: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        parse_program(data)
    return [e.message for e in info.value.errors]


def test_shell_defaults_to_local_with_a_sigterm_stop_after_60s() -> None:
    program = programs.parse({"type": "shell", "command": "echo hi"})
    assert program == ShellProgram(command="echo hi")
    assert (program.host, program.user, program.timeout, program.cwd) == (None, None, None, None)
    assert program.stop == Stop(signal="SIGTERM", grace_period=60.0)
    assert program.env == {}
    assert str(program) == "echo hi"


def test_shell_accepts_every_common_key() -> None:
    program = programs.parse(
        {
            "type": "shell",
            "command": "make",
            "host": "batch1",
            "user": "etl",
            "timeout": {"duration": "10 min", "signal": "INT"},
            "stop": {"signal": 9, "grace_period": "1m 30s"},
            "env": {"MODE": "full", "PORT": 8080, "DRY": False},
            "cwd": "/srv/etl",
        }
    )
    assert isinstance(program, ShellProgram)
    assert program.timeout == Timeout(duration=600.0, signal="SIGINT")
    assert program.stop == Stop(signal="SIGKILL", grace_period=90.0)
    assert program.env == {"MODE": "full", "PORT": "8080", "DRY": "false"}
    assert (program.host, program.user, program.cwd) == ("batch1", "etl", "/srv/etl")


def test_timeout_signal_defaults_to_sigterm() -> None:
    program = programs.parse({"type": "shell", "command": "x", "timeout": {"duration": 5}})
    assert program == ShellProgram(command="x", timeout=Timeout(duration=5.0))
    assert program.timeout is not None and program.timeout.signal == "SIGTERM"


@pytest.mark.parametrize("written", ["SIGTERM", "TERM", "term", "15", 15, " SIGTERM "])
def test_signal_is_normalised_to_its_name(written: Any) -> None:
    assert parse_signal(written) == "SIGTERM"


def test_program_runs_an_argv_and_shows_it_shell_quoted() -> None:
    program = programs.parse({"type": "program", "argv": ["/bin/echo", "hello world", "$HOME"]})
    assert program == ArgvProgram(argv=["/bin/echo", "hello world", "$HOME"])
    assert str(program) == "/bin/echo 'hello world' '$HOME'"


def test_argv_numbers_become_strings_as_in_apsis() -> None:
    program = programs.parse({"type": "program", "argv": ["sleep", 10, 0.5]})
    assert isinstance(program, ArgvProgram)
    assert program.argv == ["sleep", "10", "0.5"]


def test_a_string_program_is_a_shell_command() -> None:
    assert parse_program("echo {{ date }}") == ShellProgram(command="echo {{ date }}")


def test_a_list_program_is_an_argv() -> None:
    assert parse_program(["ls", "-l"]) == ArgvProgram(argv=["ls", "-l"])


def test_a_mapping_program_names_its_type() -> None:
    assert parse_program({"type": "program", "argv": ["ls"]}) == ArgvProgram(argv=["ls"])


def test_apsis_local_process_types_are_aliases() -> None:
    shell = {"type": "apsis.program.process.ShellCommandProgram", "command": "true"}
    argv = {"type": "apsis.program.process.ProcessProgram", "argv": ["true"]}
    assert parse_program(shell) == ShellProgram(command="true")
    assert parse_program(argv) == ArgvProgram(argv=["true"])


@pytest.mark.parametrize(
    "program",
    [
        ShellProgram(command="echo {{ date }}"),
        ShellProgram(
            command="x",
            host="h",
            user="u",
            timeout=Timeout(duration="{{ limit }}", signal="SIGINT"),
            stop=Stop(signal="{{ sig }}", grace_period=5.0),
            env={"A": "{{ date }}"},
            cwd="/tmp",
        ),
        ArgvProgram(argv=["echo", "{{ date }}"], timeout=Timeout(duration=3.0)),
    ],
)
def test_json_round_trips(program: ShellProgram | ArgvProgram) -> None:
    assert programs.parse(program.to_jso()) == program


def test_json_is_apsis_shaped_and_leaves_out_unset_keys() -> None:
    program = programs.parse({"type": "shell", "command": "true"})
    assert program.to_jso() == {
        "type": "shell",
        "command": "true",
        "stop": {"signal": "SIGTERM", "grace_period": 60.0},
    }


def test_binding_renders_command_host_user_env_and_cwd() -> None:
    program = parse_program(
        {
            "type": "shell",
            "command": "load --date {{ date }}",
            "host": "{{ who }}-host",
            "user": "{{ who }}",
            "env": {"RUN": "{{ run_id }}"},
            "cwd": "/data/{{ date }}",
        }
    )
    bound = program.bind(NAMES)
    assert isinstance(bound, ShellProgram)
    assert bound.command == "load --date 2026-11-21"
    assert (bound.host, bound.user, bound.cwd) == ("etl-host", "etl", "/data/2026-11-21")
    assert bound.env == {"RUN": "r1"}


def test_binding_renders_each_argv_item() -> None:
    bound = parse_program(["load", "{{ date }}", "{{ job_id }}"]).bind(NAMES)
    assert bound == ArgvProgram(argv=["load", "2026-11-21", "etl/load"])


def test_binding_parses_templated_timeout_and_stop() -> None:
    program = programs.parse(
        {
            "type": "program",
            "argv": ["x"],
            "timeout": {"duration": "{{ limit }}", "signal": "{{ sig }}"},
            "stop": {"signal": "{{ sig }}", "grace_period": "{{ limit }}"},
        }
    )
    bound = program.bind(NAMES)
    assert isinstance(bound, ArgvProgram)
    assert bound.timeout == Timeout(duration=90.0, signal="SIGINT")
    assert bound.stop == Stop(signal="SIGINT", grace_period=90.0)


def test_binding_leaves_the_unbound_program_unchanged() -> None:
    program = parse_program("echo {{ date }}")
    program.bind(NAMES)
    assert program == ShellProgram(command="echo {{ date }}")


def bind_error(data: Any, **args: str) -> str:
    names = bind_names(args, job_id="j", run_id="r1", get_calendar=DEFAULT_LOOKUP.get)
    with pytest.raises(BindError) as info:
        parse_program(data).bind(names)
    return info.value.message


def test_binding_an_undefined_name_names_the_key() -> None:
    assert bind_error("echo {{ x }}") == "command: 'x' is undefined in 'echo {{ x }}'"


def test_binding_error_in_argv_names_the_item() -> None:
    assert bind_error(["a", "b", "{{ x }}"]) == "argv[2]: 'x' is undefined in '{{ x }}'"


def test_binding_error_in_env_names_the_variable() -> None:
    data = {"type": "shell", "command": "x", "env": {"A": "{{ x }}"}}
    assert bind_error(data) == "env.A: 'x' is undefined in '{{ x }}'"


def test_binding_a_bad_duration_names_the_nested_key() -> None:
    data = {"type": "shell", "command": "x", "timeout": {"duration": "{{ t }}"}}
    assert bind_error(data, t="ten") == "timeout.duration: 'ten' is not a duration"


def test_binding_a_bad_signal_names_the_nested_key() -> None:
    data = {"type": "shell", "command": "x", "stop": {"signal": "{{ s }}"}}
    assert bind_error(data, s="SIGFOO") == "stop.signal: 'SIGFOO' is not a signal"


def test_binding_to_an_empty_command_fails() -> None:
    assert bind_error("{{ c }}", c=" ") == "command: must not be empty"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "shell"}, "command: missing required key"),
        ({"type": "shell", "command": ""}, "command: must not be empty"),
        ({"type": "shell", "command": None}, "command: expected string, got null None"),
        ({"type": "shell", "command": "x", "colour": 1}, "colour: unknown key"),
        (
            {"type": "shell", "command": "x", "timeout": {"duration": "ten"}},
            "timeout.duration: 'ten' is not a duration",
        ),
        (
            {"type": "shell", "command": "x", "timeout": {"duration": 0}},
            "timeout.duration: 0 is not a positive duration",
        ),
        (
            {"type": "shell", "command": "x", "timeout": {}},
            "timeout.duration: missing required key",
        ),
        (
            {"type": "shell", "command": "x", "timeout": {"duration": 1, "signal": "SIGFOO"}},
            "timeout.signal: 'SIGFOO' is not a signal",
        ),
        (
            {"type": "shell", "command": "x", "stop": {"signal": 99999}},
            "stop.signal: 99999 is not a signal",
        ),
        (
            {"type": "shell", "command": "x", "stop": {"grace_period": -1}},
            "stop.grace_period: -1 is a negative duration",
        ),
        ({"type": "shell", "command": "x", "stop": {"after": 1}}, "stop.after: unknown key"),
        (
            {"type": "shell", "command": "x", "env": {"A=B": "1"}},
            "env: 'A=B' is not an environment variable name",
        ),
        (
            {"type": "shell", "command": "x", "env": {"A": [1]}},
            "env.A: expected string, got list [1]",
        ),
        ({"type": "shell", "command": "x", "host": [1]}, "host: expected string, got list [1]"),
        ({"type": "program"}, "argv: missing required key"),
        ({"type": "program", "argv": []}, "argv: must name at least the executable"),
        ({"type": "program", "argv": [""]}, "argv: the executable must not be an empty string"),
        ({"type": "program", "argv": "ls -l"}, "argv: expected list, got str 'ls -l'"),
        (
            {"type": "program", "argv": ["ls", {"a": 1}]},
            "argv[1]: expected string, got dict {'a': 1}",
        ),
        (
            "echo {{ date }",
            "command: template syntax error: unexpected '}' in 'echo {{ date }'",
        ),
        ([], "argv: must name at least the executable"),
    ],
)
def test_invalid_process_programs_say_where_and_why(data: Any, message: str) -> None:
    assert errors(data) == [message]


def test_every_bad_key_is_reported_at_once() -> None:
    data = {"type": "shell", "command": "", "timeout": {"duration": "x"}, "stop": {"signal": "X"}}
    assert errors(data) == [
        "timeout.duration: 'x' is not a duration",
        "stop.signal: 'X' is not a signal",
        "command: must not be empty",
    ]


def test_a_program_that_is_not_a_string_list_or_mapping_is_rejected() -> None:
    with pytest.raises(SpecError) as info:
        parse_program(42)
    assert info.value.message == (
        "expected a mapping with a 'type' key, a shell command or an argv list, got int"
    )
