"""A real `apsisctl serve` process on a free loopback port, and what tests ask of it.

Waits are polls with a deadline, never fixed sleeps: generous enough for a loaded
CI machine, short (50 ms steps) when the service is quick.

Every service runs its processes through an agent whose state directory is `agent/`
under the service's root (the service passes `APSIS_AGENT_DIR` on to it), so tests
never share an agent. The agent outlives the service on purpose: `kill_agents()` (the
fixtures call it at teardown, and it runs again at exit for every service made here)
SIGKILLs every agent of the directory and every process group they started.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

APSISCTL = str(Path(sys.executable).parent / "apsisctl")
DEADLINE = 20.0
POLL = 0.05
FINISHED = ("success", "failure", "error", "skipped")

AGENT_DIR_VAR = "APSIS_AGENT_DIR"
"""The agent's default state directory (apsis.agent.state.ENV_VAR)."""

T = TypeVar("T")

_made: list[Service] = []


@atexit.register
def _kill_all_agents() -> None:
    """However a test ended, its agents and their processes end with the test run."""
    for service in _made:
        if service.process is not None and service.process.poll() is None:
            service.process.kill()
        service.kill_agents()


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _read_proc(pid: int, name: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:
        return b""


def _parent(pid: int) -> int | None:
    stat = _read_proc(pid, "stat")
    return int(stat[stat.rindex(b")") + 2 :].split()[1]) if stat else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


class Service:
    """A service over the directory `root`: config.yaml, jobs/ and apsis.db."""

    def __init__(self, root: Path, jobs: dict[str, str], config: str = "") -> None:
        self.root = root
        self.job_dir = root / "jobs"
        self.job_dir.mkdir(parents=True, exist_ok=True)
        settings = "job_dir: jobs\ndatabase: {path: apsis.db}\n" + textwrap.dedent(config)
        (root / "config.yaml").write_text(settings)
        for job_id, text in jobs.items():
            self.write_job(job_id, text)
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.client = httpx.Client(timeout=DEADLINE)
        self._log_path = root / "service.log"
        self.agent_dir = root / "agent"
        """The local agent's state directory (unless the config names another)."""
        _made.append(self)

    # --- process ---------------------------------------------------------------------

    def start(self, port: int = 0) -> None:
        """Start the service on `port`, or on a free one; `port` lets a test restart it
        where its clients (a browser page) expect it."""
        self.port = port or free_port()
        with self._log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [APSISCTL, "serve", "--config", str(self.root / "config.yaml"),
                 "--port", str(self.port), "--create-db"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.root,
                env={**os.environ, AGENT_DIR_VAR: str(self.agent_dir)},
            )  # fmt: skip
        self.client.base_url = httpx.URL(f"http://127.0.0.1:{self.port}")
        wait_for("the service to run", self.answers)

    def answers(self) -> bool | None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"service exited {self.process.returncode}:\n{self.log}")
        try:
            return self.client.get("/api/v1/running", timeout=1).status_code == 200 or None
        except httpx.TransportError:
            return None

    def stop(self) -> int:
        """SIGTERM, and the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.wait_exit()

    def finish(self) -> None:
        """After its tests: close the client, stop the service if it runs (it must exit
        cleanly), and kill its agents and their processes, which outlive it on purpose."""
        self.client.close()
        try:
            if self.process is not None:
                assert self.stop() == 0, self.log
        finally:
            self.kill_agents()

    def wait_exit(self) -> int:
        assert self.process is not None
        try:
            code = self.process.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"service did not exit:\n{self.log}") from None
        self.process = None
        return code

    @property
    def log(self) -> str:
        return self._log_path.read_text(errors="replace")

    # --- agents ----------------------------------------------------------------------

    def agent_pids(self) -> list[int]:
        """The agents serving a state directory under this service's root."""
        needle = str(self.root).encode()
        return [
            pid
            for pid in _pids()
            if b"apsis.cli.agent" in (cmdline := _read_proc(pid, "cmdline")) and needle in cmdline
        ]

    def kill_agents(self) -> None:
        """SIGKILL this service's agents and every process group they started."""
        agents = self.agent_pids()
        groups = {pid for pid in _pids() if _parent(pid) in agents}
        for table in self.root.glob("**/procs.jsonl"):
            for line in table.read_text().splitlines():
                with contextlib.suppress(ValueError, KeyError):
                    groups.add(int(json.loads(line)["pid"]))
        for pid in agents:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pgid in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)

    # --- jobs ------------------------------------------------------------------------

    def write_job(self, job_id: str, text: str) -> None:
        path = self.job_dir / f"{job_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def remove_job(self, job_id: str) -> None:
        os.unlink(self.job_dir / f"{job_id}.yaml")

    # --- HTTP ------------------------------------------------------------------------

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(f"/api/v1{path}", params=params)

    def post(self, path: str, body: Any = None, **params: Any) -> httpx.Response:
        return self.client.post(f"/api/v1{path}", json=body, params=params)

    def schedule(self, job_id: str, args: dict[str, str] | None = None, **times: str) -> str:
        """POST one run; its ID."""
        body: dict[str, Any] = {"job_id": job_id, "args": args or {}}
        if times:
            body["times"] = times
        response = self.post("/runs", body)
        assert response.status_code == 200, response.text
        (run_id,) = response.json()["runs"]
        return str(run_id)

    def schedule_many(self, job_id: str, count: int) -> list[str]:
        """POST `count` runs of a job without params; their IDs."""
        response = self.post("/runs", {"job_id": job_id, "args": {}}, count=count)
        assert response.status_code == 200, response.text
        return list(response.json()["runs"])

    def output(self, run_id: str) -> str:
        """The run's output so far; empty while it has none."""
        response = self.get(f"/runs/{run_id}/output/output")
        return response.text if response.status_code == 200 else ""

    def run(self, run_id: str) -> dict[str, Any]:
        response = self.get(f"/runs/{run_id}")
        assert response.status_code == 200, response.text
        return dict(response.json()["runs"][run_id])

    def wait_state(self, run_id: str, *states: str) -> dict[str, Any]:
        """Poll the run until it is in one of `states`; fail at once if it finishes
        in another, with its run log."""

        def probe() -> dict[str, Any] | None:
            run = self.run(run_id)
            if run["state"] in states:
                return run
            if run["state"] in FINISHED:
                raise AssertionError(f"{run_id} ended {run['state']}: {self.run_log(run_id)}")
            return None

        return wait_for(f"{run_id} to be {' or '.join(states)}", probe)

    def run_log(self, run_id: str) -> list[str]:
        lines = self.get(f"/runs/{run_id}/log").json()["run_log"]
        return [line["message"] for line in lines]

    def wait_log(self, run_id: str, message: str) -> list[str]:
        """The run log once it has `message`: a line is stored a moment after the
        transition it records is visible in memory."""
        return wait_for(
            f"{message!r} in the log of {run_id}",
            lambda: lines if message in (lines := self.run_log(run_id)) else None,
        )
