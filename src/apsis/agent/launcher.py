"""Starting the agent of one (host, user), or finding the one that runs (SPEC §10).

Everything goes through `apsis-agent start`, which starts an agent unless one runs and
prints a `StartInfo` line either way, so launching again is also how a client finds an
agent that restarted with a new port and token:

- this host, the service's user: `python -m apsis.cli.agent start --state-dir D` (this
  installation; `agent.state_dir`, else the agent's default);
- this host, another user: `sudo -n -u USER <agent.command> start`: the agent keeps its
  state in that user's default directory, since it may not write ours;
- another host: `ssh -o BatchMode=yes <agent.ssh_options> -- HOST '<agent.command>
  start --bind 0.0.0.0'`, with `sudo -n -u USER` in front of the remote command for a
  user. The system `ssh` reads the user's ssh config and keys; BatchMode and `-n` make
  a missing key or sudo rule fail at once rather than wait for a password nobody types.

The address to reach a remote agent at is the one ssh connects to (`ssh -G` resolves
the user's ssh config), so an alias there works for the agent too.

Launching runs a subprocess without blocking the event loop; a failure is a
`LaunchError` naming the (host, user) and carrying what the command wrote to stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
from dataclasses import dataclass

from pydantic import ValidationError

from ..config import AgentConfig
from .protocol import PROTOCOL_VERSION, StartInfo

LAUNCH_TIMEOUT = 60.0
"""How long one start command may take (ssh connecting, the agent starting)."""
LOOPBACK = "127.0.0.1"


class LaunchError(Exception):
    """The agent could not be started or found; the message says where and why."""


@dataclass(frozen=True)
class AgentKey:
    """Which agent: one per (host, user)."""

    host: str | None
    """None: this host, without ssh."""
    user: str | None
    """None: the service's own user here, the ssh login's user on another host."""

    def __str__(self) -> str:
        where = self.host or "localhost"
        return f"{self.user}@{where}" if self.user else where


@dataclass(frozen=True)
class Found:
    info: StartInfo
    address: str
    """The host name or IP address the agent is reached at."""


class Launcher:
    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self._addresses: dict[str, str] = {}

    def argv(self, key: AgentKey) -> list[str]:
        """The command that starts (or finds) the agent of `key`."""
        idle = ["--idle-timeout", repr(self.config.idle_timeout)]
        agent = self.config.agent_command
        if key.host is None:
            if key.user is None:
                state = self.config.state_dir
                local = [sys.executable, "-m", "apsis.cli.agent", "start", *idle]
                return local + (["--state-dir", str(state)] if state is not None else [])
            return ["sudo", "-n", "-u", key.user, *agent, "start", *idle]
        remote = [*agent, "start", "--bind", "0.0.0.0", *idle]
        if key.user is not None:
            remote = ["sudo", "-n", "-u", key.user, *remote]
        ssh = ["ssh", "-o", "BatchMode=yes", *self.config.ssh_options]
        # `--`: a host name from a run's args must never be read as an ssh option.
        return [*ssh, "--", key.host, shlex.join(remote)]

    async def launch(self, key: AgentKey) -> Found:
        """Start the agent of `key` unless it runs; how to reach it."""
        argv = self.argv(key)
        code, out, err = await _run(argv, f"the agent on {key}")
        if code != 0:
            detail = _last_lines(err) or f"exit status {code}"
            raise LaunchError(f"cannot start the agent on {key}: {detail}")
        lines = out.decode(errors="replace").strip().splitlines()
        try:
            info = StartInfo.model_validate_json(lines[-1] if lines else "")
        except ValidationError:
            raise LaunchError(
                f"cannot start the agent on {key}: {shlex.join(argv[:4])}… printed no agent "
                f"address: {_last_lines(out) or _last_lines(err) or 'nothing'}"
            ) from None
        if info.protocol != PROTOCOL_VERSION:
            raise LaunchError(
                f"the agent on {key} speaks protocol {info.protocol}, not {PROTOCOL_VERSION}:"
                " install the same Apsis version there"
            )
        address = LOOPBACK if key.host is None else await self._address(key.host)
        return Found(info, address)

    async def _address(self, host: str) -> str:
        """Where ssh connects for `host` (its config's HostName), remembered per host."""
        if host not in self._addresses:
            argv = ["ssh", "-G", *self.config.ssh_options, "--", host]
            address = host
            with contextlib.suppress(LaunchError):
                code, out, _ = await _run(argv, f"the ssh config of {host}")
                for line in out.decode(errors="replace").splitlines():
                    name, _, value = line.partition(" ")
                    if code == 0 and name == "hostname" and value:
                        address = value.strip()
            self._addresses[host] = address
        return self._addresses[host]


async def _run(argv: list[str], what: str) -> tuple[int, bytes, bytes]:
    """Run `argv` to its end: (exit status, stdout, stderr); LaunchError if it cannot."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise LaunchError(f"cannot start the agent: {argv[0]}: {exc.strerror or exc}") from None
    try:
        out, err = await asyncio.wait_for(process.communicate(), LAUNCH_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise LaunchError(f"{what}: no answer within {LAUNCH_TIMEOUT:g} s") from None
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out, err


def _last_lines(data: bytes, count: int = 3) -> str:
    return " | ".join(data.decode(errors="replace").strip().splitlines()[-count:])
