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


UNFINISHED = frozenset(State) - FINISHED

# Allowed transitions, written as in SPEC §2: into ← from.
_INTO_FROM: dict[State, frozenset[State]] = {
    State.scheduled: frozenset({State.new}),
    State.waiting: frozenset({State.scheduled}),
    State.starting: frozenset({State.scheduled, State.waiting}),
    State.running: frozenset({State.starting}),
    State.stopping: frozenset({State.running}),
    State.success: frozenset({State.running, State.stopping}),
    State.failure: frozenset({State.running, State.stopping}),
    State.error: UNFINISHED | {State.skipped},
    State.skipped: frozenset({State.new, State.scheduled, State.waiting}),
}


def can_transition(old: State, new: State) -> bool:
    """Whether a run in `old` may move to `new` (marking finished runs is separate)."""
    return old in _INTO_FROM.get(new, frozenset())
