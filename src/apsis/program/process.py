"""The keys every process program shares: where it runs, as whom, and how it ends (SPEC §4).

`shell` and `program` differ only in how they name what to execute; `host`, `user`,
`timeout`, `stop`, `env` and `cwd` mean the same for both, so they are declared once
here. Every string key is templated, as in Apsis, so `host: "{{ region }}-batch"` and
`timeout: {duration: "{{ limit }}"}` work; a literal value is still checked at load.

YAML turns `argv: [sleep, 10]` and `env: {PORT: 8080}` into numbers. Apsis passed them
on as `str(value)`; we do the same, so such job files keep working.
"""

from __future__ import annotations

import signal
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..bind import Templated
from ..timespec import parse_duration
from .base import Program


def parse_signal(value: Any) -> str:
    """A signal's canonical name, `SIGTERM`, from `SIGTERM`, `TERM`, `term`, `15` or 15."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip().upper()
    else:
        raise ValueError(f"{value!r} is not a signal")
    try:
        if text.isdigit():
            return signal.Signals(int(text)).name
        return signal.Signals[text if text.startswith("SIG") else f"SIG{text}"].name
    except (KeyError, ValueError):
        raise ValueError(f"{value!r} is not a signal") from None


def positive_duration(value: Any) -> float:
    """Seconds, which must be more than zero (a timeout of 0 would kill every run)."""
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError(f"{value!r} is not a positive duration")
    return seconds


def nonnegative_duration(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds < 0:
        raise ValueError(f"{value!r} is a negative duration")
    return seconds


def scalar_text(value: Any) -> Any:
    """A YAML scalar as the string Apsis would pass on; anything else is left to fail."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value


def _argv_text(value: Any) -> Any:
    return [scalar_text(v) for v in value] if isinstance(value, list | tuple) else value


def _env(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    for key in value:
        if not isinstance(key, str) or not key or "=" in key or "\0" in key:
            raise ValueError(f"{key!r} is not an environment variable name")
    return {key: scalar_text(val) for key, val in value.items()}


Text = Annotated[str, BeforeValidator(scalar_text), Templated()]
"""A templated string that also accepts a YAML number or boolean."""

OptionalText = Annotated[str | None, BeforeValidator(scalar_text), Templated()]

ArgvText = Annotated[list[str], BeforeValidator(_argv_text), Templated()]
"""An argv: a list of templated strings, numbers accepted as their text."""

Signal = Annotated[str, Templated(parse_signal)]
"""A signal name, normalised to `SIGTERM` form once bound (or at once if literal)."""


class Timeout(BaseModel):
    """`timeout:` — signal the program once it has run for `duration`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    duration: Annotated[float | str, Templated(positive_duration)]
    signal: Signal = "SIGTERM"


class Stop(BaseModel):
    """`stop:` — how a user's or a stop schedule's stop ends the program.

    `signal` first; if the process is still there after `grace_period`, SIGKILL.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    signal: Signal = "SIGTERM"
    grace_period: Annotated[float | str, Templated(nonnegative_duration)] = 60.0


class ProcessProgram(Program):
    """Base of the programs that run a process through the agent; not a type itself."""

    host: OptionalText = None
    user: OptionalText = None
    timeout: Timeout | None = None
    stop: Stop = Field(default_factory=Stop)
    env: Annotated[dict[str, str], BeforeValidator(_env), Templated()] = Field(default_factory=dict)
    cwd: OptionalText = None

    def to_jso(self) -> dict[str, Any]:
        jso = super().to_jso()
        if not self.env:
            # Apsis has no `env`; leaving the empty default out keeps our JSON identical.
            del jso["env"]
        return jso
