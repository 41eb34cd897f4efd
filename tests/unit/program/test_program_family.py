"""The program family: type names, aliases and dotted class paths."""

from __future__ import annotations

from typing import Any

import pytest

from apsis.errors import SpecError
from apsis.program import NoOpProgram, programs


def error(data: Any) -> str:
    with pytest.raises(SpecError) as info:
        programs.parse(data)
    return info.value.message


def test_every_built_in_type_is_registered_by_its_short_name() -> None:
    assert programs.names == ["archive", "no-op", "program", "shell", "stats", "vacuum"]


def test_a_misspelt_type_suggests_the_close_one() -> None:
    assert error({"type": "shel", "command": "x"}) == (
        "type: unknown program type 'shel' (did you mean 'shell'?)"
    )


def test_an_unknown_type_without_a_close_one_says_so() -> None:
    assert error({"type": "zzz"}) == "type: unknown program type 'zzz'"


def test_a_missing_type_lists_the_short_names() -> None:
    assert error({"command": "x"}) == (
        "missing required key 'type' (one of archive, no-op, program, shell, stats, vacuum)"
    )


def test_a_dotted_path_to_a_program_class_is_accepted() -> None:
    assert programs.parse({"type": "apsis.program.noop.NoOpProgram"}) == NoOpProgram()


@pytest.mark.parametrize(
    ("type_name", "message"),
    [
        ("apsis.errors.ApsisError", "type: 'apsis.errors.ApsisError' is not a program type"),
        ("apsis.cond.const.Const", "type: 'apsis.cond.const.Const' is not a program type"),
        ("apsis.program.base.Program", "type: 'apsis.program.base.Program' is not a program type"),
        ("apsis.program.noop.parse", "type: cannot import program type 'apsis.program.noop.parse'"),
        ("no.such.Module", "type: cannot import program type 'no.such.Module'"),
    ],
)
def test_a_dotted_path_that_is_not_a_program_is_rejected(type_name: str, message: str) -> None:
    assert error({"type": type_name}).startswith(message)
