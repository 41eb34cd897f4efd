"""The engine's throughput and start lag, beside this machine's raw process spawn rate.

Prints one line per figure:

  raw_spawn_per_s             asyncio create_subprocess_exec('/bin/true') with 64 at once
  trivial_runs_per_s          /bin/true runs through the engine, due at once: due → finished
  trivial_ratio_to_raw        the two above
  trivial_start_lag_p50/p99/max_ms   running time - schedule time, same runs
  noop_runs_per_s             no-op runs (engine + store only), due at once
  steady_start_lag_p50/p99/max_ms    /bin/true runs due at 50 runs/s for 10 s
  startup_10k_jobs_s, startup_10k_jobs_rss_mib     load 10,000 hourly jobs, open the
                              store and start the engine, in a fresh process
  startup_1m_runs_s, startup_1m_runs_rss_mib       start with 1,000,000 stored runs

Usage: python bench/engine.py [--runs N] [--skip-startup]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apsis.calendars import CalendarLookup
from apsis.config import load_config
from apsis.engine.engine import Engine
from apsis.jobs import load_job_dir
from apsis.model.run import Run
from apsis.service.tuning import tune_gc
from apsis.store import create_store, open_store

BENCH = Path(__file__).parent


async def raw_spawn_rate(count: int, parallel: int = 64) -> float:
    gate = asyncio.Semaphore(parallel)

    async def one() -> None:
        async with gate:
            proc = await asyncio.create_subprocess_exec("/bin/true")
            await proc.wait()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    return count / (time.perf_counter() - started)


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1]


def make_root(root: Path) -> Path:
    jobs = root / "jobs"
    jobs.mkdir()
    (jobs / "true.yaml").write_text("program: [/bin/true]\n")
    (jobs / "noop.yaml").write_text("program: {type: no-op}\n")
    config = root / "config.yaml"
    config.write_text("job_dir: jobs\ndatabase: {path: apsis.db}\nruns: {lookback: 1h}\n")
    create_store(root / "apsis.db")
    return config


async def wait_finished(runs: list[Run], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not all(run.finished for run in runs):
        if time.monotonic() > deadline:
            raise TimeoutError("runs did not finish")
        await asyncio.sleep(0.01)


async def burst(engine: Engine, job_id: str, count: int) -> tuple[float, list[float]]:
    """`count` runs due at one instant; (runs/s from due to last finished, start lags)."""
    due = datetime.now(UTC) + timedelta(seconds=1)
    runs = [engine.schedule(job_id, {}, due) for _ in range(count)]
    await wait_finished(runs)
    last = max(run.times[run.state.value] for run in runs)
    lags = [(run.times["running"] - due).total_seconds() * 1000 for run in runs]
    return count / (last - due).total_seconds(), lags


async def steady(engine: Engine, rate: float, seconds: float) -> list[float]:
    start = datetime.now(UTC) + timedelta(seconds=1)
    count = int(rate * seconds)
    runs = [engine.schedule("true", {}, start + timedelta(seconds=i / rate)) for i in range(count)]
    await wait_finished(runs)
    return [(r.times["running"] - r.schedule_time).total_seconds() * 1000 for r in runs]


async def engine_figures(runs: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    raw = await raw_spawn_rate(runs)
    figures["raw_spawn_per_s"] = raw
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(make_root(Path(tmp)))
        tune_gc(config.python.gc)  # as the service does
        store = open_store(config.database_path)
        jobs = load_job_dir(config.job_dir, CalendarLookup())
        engine = Engine(config, jobs, store)
        await engine.start()
        try:
            rate, lags = await burst(engine, "true", runs)
            figures["trivial_runs_per_s"] = rate
            figures["trivial_ratio_to_raw"] = rate / raw
            p50, p99, worst = percentiles(lags)
            figures |= {
                "trivial_start_lag_p50_ms": p50,
                "trivial_start_lag_p99_ms": p99,
                "trivial_start_lag_max_ms": worst,
            }
            noop_rate, _ = await burst(engine, "noop", runs * 5)
            figures["noop_runs_per_s"] = noop_rate
            p50, p99, worst = percentiles(await steady(engine, 50, 10))
            figures |= {
                "steady_start_lag_p50_ms": p50,
                "steady_start_lag_p99_ms": p99,
                "steady_start_lag_max_ms": worst,
            }
        finally:
            await engine.close()
            store.close()
    return figures


STARTUP = """
import asyncio, json, sys, time
from pathlib import Path
started = time.perf_counter()
from apsis.calendars import CalendarLookup
from apsis.config import load_config
from apsis.engine.engine import Engine
from apsis.jobs import load_job_dir
from apsis.service.tuning import tune_gc
from apsis.store import open_store

async def main():
    config = load_config(Path(sys.argv[1]))
    tune_gc(config.python.gc)
    store = open_store(config.database_path)
    jobs = load_job_dir(config.job_dir, CalendarLookup())
    engine = Engine(config, jobs, store)
    await engine.start()
    elapsed = time.perf_counter() - started
    await engine.close()
    store.close()
    # VmHWM, the peak of this process's own memory: ru_maxrss would also count the
    # parent's at the fork (Linux carries it across exec): the bench's own memory.
    status = Path("/proc/self/status").read_text().splitlines()
    rss = int(next(l for l in status if l.startswith("VmHWM:")).split()[1]) / 1024
    print(json.dumps({"seconds": elapsed, "rss_mib": rss, "runs_in_memory": len(engine.index)}))

asyncio.run(main())
"""


def measure_startup(config: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", STARTUP, str(config)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def startup_figures() -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = make_root(root)
        for i in range(10_000):
            folder = root / "jobs" / f"group{i % 100:02d}"
            folder.mkdir(exist_ok=True)
            (folder / f"job{i:05d}.yaml").write_text(
                "params: [time]\nprogram: {type: no-op}\n"
                f"schedule: {{type: interval, interval: 1h, phase: {i % 3600}s}}\n"
            )
        result = measure_startup(config)
        figures["startup_10k_jobs_s"] = result["seconds"]
        figures["startup_10k_jobs_rss_mib"] = result["rss_mib"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = make_root(root)
        (root / "apsis.db").unlink()
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "store.py"),
                "--generate-only",
                str(root / "apsis.db"),
                "--big",
                "1000000",
            ],
            check=True,
        )
        result = measure_startup(config)
        figures["startup_1m_runs_s"] = result["seconds"]
        figures["startup_1m_runs_rss_mib"] = result["rss_mib"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--skip-startup", action="store_true")
    options = parser.parse_args()
    figures = asyncio.run(engine_figures(options.runs))
    if not options.skip_startup:
        figures |= startup_figures()
    for name, value in figures.items():
        print(f"{name} {value:.3f}" if value < 10 else f"{name} {value:.0f}")


if __name__ == "__main__":
    main()
