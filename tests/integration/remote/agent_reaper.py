"""Find and kill the agents a test started, with the processes they hold.

An agent is a daemon: it outlives the service (that is its purpose) and the ssh session
that started it, so nothing reaps it when a test ends. A test's agents are the agent
processes (`apsis.cli.agent` / `apsis-agent` in the command line) that

- name the test's directory in their command line (a `--state-dir` under it), or
- were started over the session's sshd (their `SSH_CONNECTION` ends in its port), or
- run as the test user,

and that started after the test began, so an agent of another test session on the same
machine is never touched. Each one's descendants are found first (the processes of its
runs, each in its own session), then all are SIGKILLed, groups included.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
from pathlib import Path

from live_service import wait_for

_MARKERS = (b"apsis.cli.agent", b"apsis-agent")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _read(pid: int, name: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:
        return b""


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, start time as a Unix time) of `pid`, or None if it is gone."""
    text = _read(pid, "stat")
    if not text:
        return None
    fields = text[text.rindex(b")") + 2 :].split()
    boot = next(
        float(line.split()[1])
        for line in Path("/proc/stat").read_text().splitlines()
        if line.startswith("btime ")
    )
    return int(fields[1]), boot + int(fields[19]) / _CLOCK_TICKS


def find_agents(root: Path, *, ssh_port: int, user: str, since: float) -> list[int]:
    """The pids of the test's agents (see the module docstring)."""
    try:
        uid: int | None = pwd.getpwnam(user).pw_uid
    except KeyError:
        uid = None
    needle = str(root).encode()
    found = []
    for pid in _pids():
        cmdline = _read(pid, "cmdline")
        if not any(marker in cmdline for marker in _MARKERS) or pid == os.getpid():
            continue
        stat = _stat(pid)
        if stat is None or stat[1] < since - 1:
            continue
        environ = _read(pid, "environ").split(b"\0")
        over_ssh = any(
            var.startswith(b"SSH_CONNECTION=") and var.endswith(f" {ssh_port}".encode())
            for var in environ
        )
        try:
            as_user = uid is not None and os.stat(f"/proc/{pid}").st_uid == uid
        except FileNotFoundError:
            continue
        if needle in cmdline or over_ssh or as_user:
            found.append(pid)
    return found


def _descendants(pids: list[int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid in _pids():
        stat = _stat(pid)
        if stat is not None:
            children.setdefault(stat[0], []).append(pid)
    result: list[int] = []
    todo = list(pids)
    while todo:
        for child in children.get(todo.pop(), []):
            result.append(child)
            todo.append(child)
    return result


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for its parent."""
    stat = _read(pid, "stat")
    return bool(stat) and stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3] != b"Z"


def kill_agents(root: Path, *, ssh_port: int, user: str, since: float) -> list[int]:
    """SIGKILL the test's agents and everything below them; the pids killed."""
    agents = find_agents(root, ssh_port=ssh_port, user=user, since=since)
    victims = _descendants(agents) + agents
    ours = os.getpgrp()
    for pid in victims:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            group = os.getpgid(pid)
            # An agent that did not detach would share our group: never kill that.
            if group != ours:
                os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_for(
        "killed agents to go",
        lambda: True if not any(_alive(pid) for pid in victims) else None,
        deadline=10.0,
    )
    return victims
