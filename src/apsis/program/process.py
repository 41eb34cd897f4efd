"""The keys every process program shares: where it runs, as whom, and how it ends (SPEC §4).

`shell` and `program` differ only in how they name what to execute; `host`, `user`,
`timeout`, `stop`, `env` and `cwd` mean the same for both, so they are declared once
here. Every string key is templated, as in Apsis, so `host: "{{ region }}-batch"` and
`timeout: {duration: "{{ limit }}"}` work; a literal value is still checked at load.

In the service a process runs through the agent of its (host, user) (SPEC §10,
`agent/`), so it outlives a restart of the service and can run on another host: a
`host` (or host group) goes over ssh, a `user` through sudo. Without agents (the
engine's tests and tools: `RunContext.agents` is None) it runs directly on this host as
this user (`local.py`); a `host` or `user` naming another is then refused when the run
starts, with a reason that says why. A process runs in `cwd`, or in `/` as in Apsis,
so that a job never depends on where the service happened to be started.

The environment is the service's own, plus `env` and the `APSIS_*` variables. For
another host or user, the variables that describe the service's login (HOME, USER,
SSH_*, SUDO_*, …) are left out: they would describe the wrong one.

YAML turns `argv: [sleep, 10]` and `env: {PORT: 8080}` into numbers. Apsis passed them
on as `str(value)`; we do the same, so such job files keep working.
"""

from __future__ import annotations

import os
import signal
from abc import abstractmethod
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..bind import Templated
from ..timespec import format_time, parse_duration
from .base import Execution, Program, ProgramLost, Refused, RunContext
from .local import LocalExecution, ProcessSpec, hostname, username


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
    """`timeout:` — signal the program once it has run for `duration`.

    As with a stop, SIGKILL follows after the stop grace period; the run fails.
    """

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
    """Base of the programs that run a process; not a type itself."""

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

    @abstractmethod
    def exec_argv(self) -> list[str]:
        """What to execute, bound: the executable and its arguments."""

    def start(self, context: RunContext) -> Execution:
        agents = context.agents
        if agents is None:
            if self.host is not None and self.host not in _local_names():
                return Refused("remote hosts need the agent (not available yet)")
            if self.user is not None and self.user != username():
                return Refused("running as another user needs the agent (not available yet)")
            return LocalExecution(self._spec(context, os.environ))
        host = None if self.host is None else agents.hosts.pick(self.host)
        own = agents.key(host, self.user) == agents.key(None, None)
        return agents.execution(
            self._spec(context, os.environ if own else _portable_env()), host, self.user
        )

    def start_again(self, context: RunContext) -> Execution | None:
        """Through an agent, a start with the same key is the same process, so starting
        again is safe, unless a host group could send it to another host this time."""
        agents = context.agents
        if agents is None or context.start_key is None:
            return None
        if self.host is not None and not agents.hosts.always_the_same(self.host):
            return None
        return self.start(context)

    def connect(self, context: RunContext, run_state: Mapping[str, Any]) -> Execution:
        agents = context.agents
        if agents is None:
            pid = run_state.get("pid", "?")
            raise ProgramLost(
                f"lost at restart: a local process (pid {pid}) cannot be reconnected "
                "without the agent"
            )
        proc_id, host, user = (run_state.get(k) for k in ("proc_id", "host", "user"))
        if not isinstance(proc_id, str):
            raise ProgramLost("lost at restart: it was not started through an agent")
        return agents.execution(self._spec(context, {}), host, user, proc_id)

    def _spec(self, context: RunContext, base_env: Mapping[str, str]) -> ProcessSpec:
        env = {
            **base_env,
            **self.env,
            "APSIS_RUN_ID": context.run_id,
            "APSIS_JOB_ID": context.job_id,
            "APSIS_SCHEDULE_TIME": format_time(context.schedule_time),
        }
        timeout, timeout_signal = None, signal.SIGTERM
        if self.timeout is not None:
            timeout = positive_duration(self.timeout.duration)
            timeout_signal = signal.Signals[self.timeout.signal]
        return ProcessSpec(
            run_id=context.run_id,
            argv=self.exec_argv(),
            env=env,
            cwd=self.cwd or "/",
            stop_signal=signal.Signals[self.stop.signal],
            grace_period=nonnegative_duration(self.stop.grace_period),
            timeout=timeout,
            timeout_signal=timeout_signal,
            start_key=context.start_key,
        )


_LOGIN_VARIABLES = frozenset({"HOME", "USER", "LOGNAME", "MAIL", "SHELL", "PWD", "OLDPWD"})
_LOGIN_PREFIXES = ("SSH_", "SUDO_", "XDG_", "APSIS_AGENT_")


def _portable_env() -> dict[str, str]:
    """The service's environment without what describes its own login."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in _LOGIN_VARIABLES and not name.startswith(_LOGIN_PREFIXES)
    }


def _local_names() -> set[str]:
    """The `host` values that mean this host (no DNS lookup: it would block the loop)."""
    name = hostname()
    return {"localhost", "127.0.0.1", "::1", name, name.split(".")[0]}
