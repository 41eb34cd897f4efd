"""Runs through the agent (SPEC §10) beside direct local execution and the raw spawn rate.

Prints one line per figure:

  raw_spawn_per_s               asyncio create_subprocess_exec('bash -c true'), 64 at once
  agent_runs_per_s              2,000 `shell: true` runs due at once, through the engine
                                and the agent: due → last finished
  agent_ratio_to_raw            the two above
  agent_start_lag_p50/p99_ms    running time - schedule time, same runs
  local_runs_per_s, local_ratio_to_raw, local_start_lag_p50/p99_ms
                                the same runs executed directly (no agent), same process
  raw_periodic_start_lag_p99_ms     200 `bash -c true` spawned together every 5 s, 4
                                rounds: due → each spawn returned (the raw limit)
  agent_periodic_start_lag_p99_ms   200 runs due together every 5 s, 4 rounds, agent
  local_periodic_start_lag_p99_ms   the same, executed directly
  agent_rss_mib_1000_procs      the agent's VmRSS holding 1,000 live `sleep 60` runs

Usage: python bench/agent.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apsis.agent.pool import AgentPool
from apsis.calendars import CalendarLookup
from apsis.config import Config, load_config
from apsis.engine.engine import Engine
from apsis.jobs import load_job_dir
from apsis.model.run import Run
from apsis.service.tuning import tune_gc
from apsis.store import create_store, open_store
from engine import percentiles

PERIODIC_RUNS = 200
PERIODIC_EVERY = 5.0
PERIODIC_ROUNDS = 4
LIVE_PROCESSES = 1000


async def raw_spawn_rate(count: int, parallel: int = 64) -> float:
    gate = asyncio.Semaphore(parallel)

    async def one() -> None:
        async with gate:
            proc = await asyncio.create_subprocess_exec("/bin/bash", "-c", "true")
            await proc.wait()

    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(one() for _ in range(count)))
    return count / (loop.time() - started)


def make_root(root: Path) -> Path:
    jobs = root / "jobs"
    jobs.mkdir()
    (jobs / "true.yaml").write_text("program: {type: shell, command: 'true'}\n")
    (jobs / "sleep.yaml").write_text("program: {type: shell, command: 'sleep 60'}\n")
    config = root / "config.yaml"
    config.write_text(
        "job_dir: jobs\ndatabase: {path: apsis.db}\nruns: {lookback: 1h}\n"
        "agent: {state_dir: agent, idle_timeout: 60}\n"
    )
    create_store(root / "apsis.db")
    return config


async def wait_finished(runs: list[Run], timeout: float = 600) -> None:
    """Wait until every run has finished, looking at each finished run once (bench/
    engine.py's check of all runs every 10 ms would cost the engine a core here)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = list(reversed(runs))
    while pending:
        while pending and pending[-1].finished:
            pending.pop()
        if loop.time() > deadline:
            raise TimeoutError(f"{len(pending)} runs did not finish")
        await asyncio.sleep(0.01)


async def burst(engine: Engine, count: int) -> tuple[float, list[float]]:
    """`count` runs due at one instant; (runs/s from due to last finished, start lags)."""
    due = datetime.now(UTC) + timedelta(seconds=1)
    runs = [engine.schedule("true", {}, due) for _ in range(count)]
    await wait_finished(runs)
    assert all(run.state.value == "success" for run in runs), {run.state for run in runs}
    last = max(run.times[run.state.value] for run in runs)
    lags = [(run.times["running"] - due).total_seconds() * 1000 for run in runs]
    return count / (last - due).total_seconds(), lags


async def periodic(engine: Engine) -> list[float]:
    first = datetime.now(UTC) + timedelta(seconds=1)
    runs: list[Run] = []
    for round_ in range(PERIODIC_ROUNDS):
        due = first + timedelta(seconds=round_ * PERIODIC_EVERY)
        runs += [engine.schedule("true", {}, due) for _ in range(PERIODIC_RUNS)]
    await wait_finished(runs)
    return [(r.times["running"] - r.schedule_time).total_seconds() * 1000 for r in runs]


async def raw_periodic() -> list[float]:
    """Start lags of `PERIODIC_RUNS` spawns due together, `PERIODIC_ROUNDS` times."""
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    for _ in range(PERIODIC_ROUNDS):
        due = loop.time() + 1.0
        await asyncio.sleep(due - loop.time())
        procs = []
        for _ in range(PERIODIC_RUNS):
            procs.append(await asyncio.create_subprocess_exec("/bin/bash", "-c", "true"))
            lags.append((loop.time() - due) * 1000)
        await asyncio.gather(*(proc.wait() for proc in procs))
    return lags


def agent_pid(config: Config) -> int:
    assert config.agent.state_dir is not None
    return int(json.loads((config.agent.state_dir / "agent.json").read_text())["pid"])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


async def live_processes(engine: Engine, config: Config) -> float:
    """The agent's RSS with `LIVE_PROCESSES` runs running; the runs are killed after."""
    runs = [engine.schedule("sleep", {}) for _ in range(LIVE_PROCESSES)]
    while sum(run.state.value == "running" for run in runs) < LIVE_PROCESSES:
        await asyncio.sleep(0.1)
    rss = rss_mib(agent_pid(config))
    for run in runs:
        pid = run.run_state.get("pgid") if run.run_state else None
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    await wait_finished(runs)
    return rss


async def with_engine(
    config: Config, agents: AgentPool | None, work: Callable[[Engine], Awaitable[None]]
) -> None:
    store = open_store(config.database_path)
    jobs = load_job_dir(config.job_dir, CalendarLookup())
    engine = Engine(config, jobs, store, agents=agents)
    await engine.start()
    try:
        await work(engine)
    finally:
        await engine.close()
        if agents is not None:
            await agents.close()
        store.close()


async def figures(count: int) -> dict[str, float]:
    result: dict[str, float] = {}
    raw = result["raw_spawn_per_s"] = await raw_spawn_rate(count)
    result["raw_periodic_start_lag_p99_ms"] = percentiles(await raw_periodic())[1]
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(make_root(Path(tmp)))
        tune_gc(config.python.gc)  # as the service does
        try:

            async def burst_figures(engine: Engine, prefix: str) -> None:
                rate, lags = await burst(engine, count)
                p50, p99, _ = percentiles(lags)
                result[f"{prefix}_runs_per_s"] = rate
                result[f"{prefix}_ratio_to_raw"] = rate / raw
                result[f"{prefix}_start_lag_p50_ms"] = p50
                result[f"{prefix}_start_lag_p99_ms"] = p99

            async def through_agent(engine: Engine) -> None:
                await burst(engine, 1)  # the agent starts: not part of the figures
                await burst_figures(engine, "agent")

            await with_engine(config, AgentPool(config), through_agent)
            await with_engine(config, None, lambda engine: burst_figures(engine, "local"))

            async def direct_periodic(engine: Engine) -> None:
                result["local_periodic_start_lag_p99_ms"] = percentiles(await periodic(engine))[1]

            await with_engine(config, None, direct_periodic)

            async def steady_and_memory(engine: Engine) -> None:
                await burst(engine, 1)  # connecting to the agent: not part of the figures
                _, p99, _ = percentiles(await periodic(engine))
                result["agent_periodic_start_lag_p99_ms"] = p99
                result["agent_rss_mib_1000_procs"] = await live_processes(engine, config)

            await with_engine(config, AgentPool(config), steady_and_memory)
        finally:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                os.kill(agent_pid(config), signal.SIGKILL)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    options = parser.parse_args()
    for name, value in asyncio.run(figures(options.runs)).items():
        print(f"{name} {value:.3f}" if value < 10 else f"{name} {value:.0f}")


if __name__ == "__main__":
    main()
