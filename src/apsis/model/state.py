"""Run states and the transitions allowed between them (SPEC §2)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator


class State(StrEnum):
    new = "new"
    scheduled = "scheduled"
    waiting = "waiting"
    starting = "starting"
    running = "running"
    stopping = "stopping"
    success = "success"
    failure = "failure"
    error = "error"
    skipped = "skipped"


FINISHED = frozenset({State.success, State.failure, State.error, State.skipped})


def parse_state(value: Any) -> State:
    try:
        return State(value)
    except ValueError:
        names = ", ".join(s.value for s in State)
        raise ValueError(f"{value!r} is not a run state (one of {names})") from None


def parse_states(value: Any) -> tuple[State, ...]:
    """One state or a list of states, as job files write them."""
    items: Iterable[Any] = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"expected a state or a list of states, got {value!r}")
    return tuple(parse_state(v) for v in items)


def _state_items(value: Any) -> Any:
    items = [value] if isinstance(value, str | State) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"expected a state or a list of states, got {value!r}")
    if not items:
        raise ValueError("must name at least one state")
    return items


States = Annotated[
    tuple[Annotated[State, BeforeValidator(parse_state)], ...], BeforeValidator(_state_items)
]
"""A model field of one state or a non-empty list, each bad item located (`states[1]`)."""
