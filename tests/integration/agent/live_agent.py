"""A real agent, started by the real `apsis-agent start`, and what tests ask of it.

Waits are polls with a deadline in 50 ms steps, never fixed sleeps. `kill_all` leaves
nothing behind: every agent this helper saw, and every process group any of them
started (from the responses and from the table on disk).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from apsis.agent.protocol import API, ProcessInfo, StartInfo
from apsis.agent.tls import pinned_context

APSIS_AGENT = str(Path(sys.executable).parent / "apsis-agent")
DEADLINE = 10.0
POLL = 0.05
ENV = {"PATH": os.environ["PATH"]}

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], deadline: float = DEADLINE) -> T:
    """Poll `probe` until it returns something other than None."""
    end = time.monotonic() + deadline
    while True:
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline:g} s waiting for {what}")
        time.sleep(POLL)


def alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie nobody reaps (PID 1 may not) counts as dead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3] != b"Z"


class Agent:
    """The agent of the state directory `state_dir`, reached as `apsis-agent start` says."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.info: StartInfo | None = None
        self.client: httpx.Client | None = None
        self.agent_pids: set[int] = set()
        self.process_pids: set[int] = set()

    # --- the command line ------------------------------------------------------------

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [APSIS_AGENT, *args, "--state-dir", str(self.state_dir)],
            capture_output=True,
            text=True,
            timeout=DEADLINE * 2,
            stdin=subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"apsis-agent {args} exited {result.returncode}: {result.stderr}")
        return result

    def start(self, *options: str) -> StartInfo:
        result = self.cli("start", *options)
        info = StartInfo.model_validate_json(result.stdout.strip().splitlines()[-1])
        self.connect(info)
        return info

    def connect(self, info: StartInfo) -> None:
        self.agent_pids.add(info.pid)
        if self.client is not None:
            self.client.close()
        self.info = info
        self.client = httpx.Client(
            base_url=f"https://127.0.0.1:{info.port}{API}",
            verify=pinned_context(info.cert),
            headers={"Authorization": f"Bearer {info.token}"},
            timeout=DEADLINE * 2,
        )

    # --- requests --------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        assert self.client is not None
        return self.client.request(method, path, **kwargs)

    def run(self, argv: list[str], **fields: Any) -> ProcessInfo:
        """Start a process; it must start."""
        response = self.post_process(argv, **fields)
        assert response.status_code == 200, response.text
        info = ProcessInfo.model_validate_json(response.content)
        self.process_pids.add(info.pid)
        return info

    def post_process(self, argv: list[str], **fields: Any) -> httpx.Response:
        assert self.info is not None
        body = {"run_id": "r1", "user": self.info.user, "argv": argv, "env": ENV,
                "cwd": "/", **fields}  # fmt: skip
        return self.request("POST", "/processes", json=body)

    def get(self, proc_id: str) -> ProcessInfo:
        response = self.request("GET", f"/processes/{proc_id}")
        assert response.status_code == 200, response.text
        return ProcessInfo.model_validate_json(response.content)

    def wait_exit(self, proc_id: str, deadline: float = DEADLINE) -> ProcessInfo:
        def exited() -> ProcessInfo | None:
            info = self.get(proc_id)
            return info if info.state == "exited" else None

        return wait_for(f"{proc_id} to exit", exited, deadline)

    def output(self, proc_id: str) -> bytes:
        response = self.request("GET", f"/processes/{proc_id}/output")
        assert response.status_code == 200, response.text
        return response.content

    def events(self, after: int, timeout: float = 0, **params: Any) -> dict[str, Any]:
        response = self.request(
            "GET", "/events", params={"after": after, "timeout": timeout, **params}
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    # --- the state directory ---------------------------------------------------------

    def agent_file(self) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = json.loads((self.state_dir / "agent.json").read_text())
        except FileNotFoundError:
            return None
        return result

    def kill_agent(self) -> None:
        """SIGKILL the running agent and wait until it is gone."""
        assert self.info is not None
        pid = self.info.pid
        os.kill(pid, signal.SIGKILL)
        wait_for("the agent to die", lambda: None if alive(pid) else True)

    def kill_all(self) -> None:
        if self.client is not None:
            self.client.close()
        pids = set(self.process_pids)
        with contextlib.suppress(FileNotFoundError):
            for line in (self.state_dir / "procs.jsonl").read_text().splitlines():
                pids.add(json.loads(line).get("pid", 0))
        pids.discard(0)
        if (agent := self.agent_file()) is not None:
            self.agent_pids.add(agent["pid"])
        for pid in self.agent_pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
