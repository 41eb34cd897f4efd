"""An engine over a real SQLite store, real job files and real processes, with a
fake clock the test moves: a day of schedules runs in seconds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from apsis.calendars import CalendarLookup
from apsis.config import Config, load_config
from apsis.engine.clock import FakeClock
from apsis.engine.engine import Engine
from apsis.jobs import load_job_dir
from apsis.model.run import Run
from apsis.model.state import State
from apsis.store import create_store, open_store

START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def write_jobs(root: Path, jobs: Mapping[str, str]) -> Path:
    job_dir = root / "jobs"
    job_dir.mkdir(exist_ok=True)
    for job_id, text in jobs.items():
        path = job_dir / f"{job_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return job_dir


def make_config(root: Path, text: str = "") -> Config:
    path = root / "config.yaml"
    path.write_text(f"job_dir: jobs\ndatabase: {{path: apsis.db}}\n{text}")
    return load_config(path)


@contextlib.asynccontextmanager
async def running_engine(
    root: Path, clock: FakeClock, config_text: str = ""
) -> AsyncIterator[Engine]:
    """Start an engine on `root` (jobs/ already written); close it afterwards."""
    config = make_config(root, config_text)
    if not config.database_path.exists():
        create_store(config.database_path)
    store = open_store(config.database_path)
    jobs = load_job_dir(config.job_dir, CalendarLookup(config.calendars.dir))
    engine = Engine(config, jobs, store, clock)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.close()
        store.close()


async def settle(
    condition: Callable[[], bool], timeout: float = 10.0, message: str = "condition"
) -> None:
    """Wait, on the real clock, until `condition()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(0.005)


async def advance(engine: Engine, clock: FakeClock, to: datetime, step: timedelta) -> None:
    """Move the fake clock to `to` in steps, letting the engine work at each step."""
    while clock.now() < to:
        clock.set(min(clock.now() + step, to))
        await idle(engine)


async def idle(engine: Engine) -> None:
    """Let every run that can make progress now make it, and the store catch up:
    nothing starting, running or stopping, nothing left to write, twice in a row."""
    quiet = 0
    while quiet < 2:
        await settle(lambda: not _busy(engine), message="runs to settle")
        await asyncio.sleep(0.002)
        quiet = quiet + 1 if not _busy(engine) else 0


def _busy(engine: Engine) -> bool:
    active = (State.starting, State.running, State.stopping)
    return (
        engine.writer.busy
        or any(run.state in active for run in engine.index)
        # Actions (a webhook, a schedule action) run in tasks after the transition
        # that fired them; a test reads their effects only once they are done.
        or any(task.get_name().startswith("actions ") for task in engine._tasks)
    )


def runs_of(engine: Engine, job_id: str) -> list[Run]:
    return sorted(engine.index.runs_of_job(job_id), key=lambda r: r.number)


def states(runs: list[Run]) -> list[str]:
    return [run.state.value for run in runs]


async def run_log(engine: Engine, run: Run) -> list[str]:
    """The run's stored run log, once the engine is idle."""
    await idle(engine)
    return await run_log_now(engine, run)


async def run_log_now(engine: Engine, run: Run) -> list[str]:
    """The run's stored run log now, for a run still running."""
    await settle(lambda: not engine.writer.busy, message="the store to catch up")
    log = await engine.writer.read(engine.store.get_run_log, run.run_id)
    return [message for _, message in log]


async def stored_runs(engine: Engine, job_id: str | None = None) -> list[dict[str, Any]]:
    """Every run the store holds (of `job_id`), oldest schedule time first, as stored."""
    await idle(engine)
    return await engine.writer.read(engine.store.query_runs, job_id=job_id, newest_first=False)


async def stored_run(engine: Engine, run: Run) -> dict[str, Any]:
    await idle(engine)
    record = await engine.writer.read(engine.store.get_run, run.run_id)
    assert record is not None, f"{run.run_id} is not stored"
    return record


async def output_of(engine: Engine, run: Run) -> bytes | None:
    await idle(engine)
    return await engine.writer.read(engine.store.get_output, run.run_id, "output")


async def wait_state(engine: Engine, run: Run, *wanted: str, timeout: float = 10.0) -> None:
    """Wait, on the real clock, until `run` is in one of `wanted` (without `idle`)."""
    await settle(
        lambda: run.state.value in wanted, timeout, f"{run.run_id} to be {' or '.join(wanted)}"
    )


class Concurrency:
    """The most runs of `job_ids` ever starting or running at once, seen at every state
    change the engine's index records (exact, not sampled)."""

    def __init__(self, engine: Engine, job_ids: set[str]) -> None:
        self.engine = engine
        self.job_ids = job_ids
        self.max = 0
        self.moves: list[tuple[str, str]] = []
        """(run ID, new state) of each move, in order."""
        original = engine.index.moved

        def moved(run: Run, old: State) -> None:
            original(run, old)
            if run.job_id in job_ids:
                self.moves.append((run.run_id, run.state.value))
                self._record()

        engine.index.moved = moved  # type: ignore[method-assign]

    def _record(self) -> None:
        holding = (State.starting, State.running)
        active = sum(
            1 for r in self.engine.index if r.job_id in self.job_ids and r.state in holding
        )
        self.max = max(self.max, active)

    def finished_before(self, run: Run) -> int:
        """How many runs had finished when `run` began starting."""
        done = 0
        for run_id, state in self.moves:
            if (run_id, state) == (run.run_id, "starting"):
                return done
            done += state in ("success", "failure", "error", "skipped")
        raise AssertionError(f"{run.run_id} never started")


@dataclass
class HookServer:
    """A real local HTTP server that records the JSON bodies posted to it."""

    url: str
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    """(method, path, JSON body) in the order received."""

    @property
    def bodies(self) -> list[Any]:
        return [body for _, _, body in self.requests]


@contextlib.contextmanager
def hook_server() -> Iterator[HookServer]:
    lock = threading.Lock()
    hook = HookServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _receive(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            with lock:
                hook.requests.append((self.command, self.path, body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = _receive

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="hook-server", daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
