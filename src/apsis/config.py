"""The service configuration file (SPEC §8).

Relative paths are relative to the config file's directory (or the working directory
with no file). `--override dotted.key=value` values are read as YAML scalars, so
`-o schedule.horizon=2h` and `-o jobs.watch=true` mean what they say. Unknown keys are
errors naming the key path: a misspelt setting silently ignored is a missed run.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .actions import Action, actions
from .errors import ConfigError, SpecError, SpecErrors
from .kinds import spec_errors
from .timespec import Duration, parse_time
from .yamlfile import parse_yaml, read_yaml

log = logging.getLogger(__name__)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Section):
    path: Path | None = None
    url: str | None = None
    timeout: Duration = 10.0


class RunsConfig(_Section):
    lookback: Duration | None = Field(default=7 * 86400.0, ge=0)


def _parse_since(value: Any) -> Any:
    """`now` (skip what was missed while down), a time, or null (catch up on everything)."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "now"):
        return value and "now"
    return parse_time(value)


class ScheduleConfig(_Section):
    since: Annotated[Literal["now"] | datetime | None, BeforeValidator(_parse_since)] = None
    max_age: Duration | None = Field(default=None, gt=0)
    horizon: Duration = Field(default=86400.0, gt=0)


class WaitingConfig(_Section):
    max_time: Duration | None = Field(default=None, gt=0)


class HostGroup(_Section):
    type: Literal["round-robin", "random", "single"] = "round-robin"
    hosts: tuple[str, ...] = Field(min_length=1)


class CalendarsConfig(_Section):
    dir: Path | None = None


class SmtpAuth(_Section):
    username: str
    password: str


class SmtpConfig(_Section):
    host: str = "localhost"
    port: int = 25
    ssl: bool | Literal["starttls"] = False
    auth: SmtpAuth | None = None


class TlsConfig(_Section):
    cert: Path
    key: Path


class AuthConfig(_Section):
    tokens_file: Path


class ServerConfig(_Section):
    bind: str = "127.0.0.1:5000"
    tls: TlsConfig | None = None
    auth: AuthConfig | None = None
    subscriber_queue: int = Field(default=10_000, ge=1)
    """How many updates a live-feed client (a websocket) may fall behind before it is
    disconnected (close code 1013); it reconnects and reloads. Bounds the memory one
    slow client can cost the service (DESIGN.md §1 principle 5)."""


class AgentConfig(_Section):
    ssh_options: tuple[str, ...] = ()
    """Given to `ssh` before the host name when starting an agent on another host."""
    state_dir: Path | None = None
    """The local agent's state directory; None: the agent's own default."""
    idle_timeout: Duration = Field(default=3600.0, gt=0)
    reconnect_timeout: Duration = Field(default=300.0, gt=0)
    """How long an agent that stopped answering is sought again before its runs end in
    error."""
    command: tuple[str, ...] | None = Field(default=None, min_length=1)
    """How to run `apsis-agent` on another host, or as another user (with `sudo`);
    None: this installation's, which suits hosts that share it."""

    @property
    def agent_command(self) -> list[str]:
        if self.command is not None:
            return list(self.command)
        return [sys.executable, "-m", "apsis.cli.agent"]


class JobsConfig(_Section):
    watch: bool = False


class GcConfig(_Section):
    enabled: bool = True
    threshold: tuple[int] | tuple[int, int] | tuple[int, int, int] = (100_000, 50, 10)
    """For `gc.set_threshold`; far above CPython's (700, 10, 10): see service/tuning.py."""


class PythonConfig(_Section):
    gc: GcConfig = GcConfig()


class Config(_Section):
    """The whole file, validated; see SPEC §8 for each key."""

    path: Path | None = Field(default=None, exclude=True)
    job_dir: Path = Path("jobs")
    jobs: JobsConfig = JobsConfig()
    database: DatabaseConfig = DatabaseConfig()
    runs: RunsConfig = RunsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    waiting: WaitingConfig = WaitingConfig()
    host_groups: dict[str, HostGroup] = Field(default_factory=dict)
    calendars: CalendarsConfig = CalendarsConfig()
    action: tuple[Any, ...] = ()
    """Global actions; mappings as read, `Action` kinds once `load_config` has parsed them."""
    smtp: SmtpConfig = SmtpConfig()
    server: ServerConfig = ServerConfig()
    agent: AgentConfig = AgentConfig()
    python: PythonConfig = PythonConfig()

    @field_validator("host_groups", mode="before")
    @classmethod
    def _host_group_shorthands(cls, value: Any) -> Any:
        """A string is a one-host alias; a list is a random group (Apsis 1.x forms)."""
        if not isinstance(value, Mapping):
            return value
        groups: dict[Any, Any] = {}
        for name, group in value.items():
            if isinstance(group, str):
                groups[name] = {"type": "single", "hosts": [group]}
            elif isinstance(group, list):
                groups[name] = {"type": "random", "hosts": group}
            else:
                groups[name] = group
        return groups

    @field_validator("action", mode="before")
    @classmethod
    def _one_or_many_actions(cls, value: Any) -> Any:
        return [value] if isinstance(value, Mapping) else value

    @model_validator(mode="after")
    def _one_database(self) -> Config:
        if self.database.path and self.database.url:
            raise ValueError("database: give either path or url, not both")
        return self

    @property
    def database_path(self) -> Path:
        return self.database.path or Path("apsis.db")


def _normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """Map the spellings Apsis 1.x accepted onto the canonical keys."""
    data = dict(data)
    # `jobs:` is the job directory (Apsis 1.x), or the jobs section: {dir, watch}.
    jobs = data.get("jobs")
    if isinstance(jobs, Mapping) and "dir" in jobs:
        jobs = dict(jobs)
        data["jobs"] = jobs
        directory = jobs.pop("dir")
    elif jobs is not None and not isinstance(jobs, Mapping):
        directory = data.pop("jobs")
    else:
        directory = None
    if directory is not None:
        if "job_dir" in data and data["job_dir"] != directory:
            raise SpecError("give either job_dir or jobs, not both", ("jobs",))
        data["job_dir"] = directory
    if isinstance(data.get("database"), str):
        data["database"] = {"path": data["database"]}
    if "runs_lookback" in data:
        log.warning("config: runs_lookback is deprecated; use runs.lookback")
        data.setdefault("runs", {})
        data["runs"] = {**data["runs"], "lookback": data.pop("runs_lookback")}
    if "procstar" in data:
        log.warning("config: procstar agents are not supported; the procstar section is ignored")
        data.pop("procstar")
    return data


def _apply_override(data: dict[str, Any], override: str) -> None:
    key, sep, text = override.partition("=")
    if not sep or not key.strip():
        raise SpecError(f"override {override!r} is not KEY=VALUE")
    value = parse_yaml(text) if text.strip() else None
    *parents, last = key.strip().split(".")
    node = data
    for depth, part in enumerate(parents):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            where = ".".join(parents[: depth + 1])
            raise SpecError(f"override {key.strip()!r}: {where} is not a mapping of settings")
        node = child
    node[last] = value


def _resolve_paths(config: Config, base: Path) -> Config:
    def resolve(path: Path | None) -> Path | None:
        return None if path is None else (base / path).resolve()

    updates: dict[str, Any] = {"job_dir": resolve(config.job_dir)}
    updates["database"] = config.database.model_copy(update={"path": resolve(config.database.path)})
    updates["calendars"] = config.calendars.model_copy(
        update={"dir": resolve(config.calendars.dir)}
    )
    updates["agent"] = config.agent.model_copy(
        update={"state_dir": resolve(config.agent.state_dir)}
    )
    return config.model_copy(update=updates)


def load_config(path: Path | None = None, overrides: Iterable[str] = ()) -> Config:
    """Read, override, validate and resolve a config; ConfigError on the first bad key."""
    label = str(path) if path else "<config>"
    data: Any = {}
    if path is not None:
        try:
            data = read_yaml(path) or {}
        except SpecError as exc:
            raise ConfigError(label, exc.reason) from None
    if not isinstance(data, Mapping):
        raise ConfigError(label, "expected a mapping of settings")
    try:
        data = _normalise(data)
        for override in overrides:
            _apply_override(data, override)
        config = Config.model_validate(_normalise(data))
    except SpecError as exc:
        raise ConfigError(label, exc.reason, exc.path) from None
    except ValidationError as exc:
        first = spec_errors(exc)[0]
        raise ConfigError(label, first.reason, first.path) from None
    base = path.parent if path is not None else Path.cwd()
    resolved = _resolve_paths(config.model_copy(update={"path": path}), base)
    return resolved.model_copy(update={"action": _parse_actions(label, resolved.action)})


def _parse_actions(label: str, items: Iterable[Any]) -> tuple[Action, ...]:
    parsed = []
    for index, item in enumerate(items):
        try:
            parsed.append(actions.parse(item))
        except SpecError as exc:
            raise ConfigError(label, exc.reason, ("action", index, *exc.path)) from None
        except SpecErrors as exc:
            first = exc.errors[0]
            raise ConfigError(label, first.reason, ("action", index, *first.path)) from None
    return tuple(parsed)
