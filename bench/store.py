"""How fast the store writes through group commit and pages through a million runs.

Prints one line per figure:

  writer_runs_per_s         runs through GroupWriter, each an insert, 3 state updates
                            (compare-and-set) and 4 log lines, awaited like the engine
  writer_ops_per_s          the same in ops
  writer_batches            transactions that took, and ops per batch
  generate_runs_s           time to write the million-run store with executemany
  query_<page>_p50_ms/p99_ms   query_runs(limit=50) on it: the newest page, one job's
                            failures, a page a month back, a job prefix, an arg value
  load_runs_ms              load_runs(): unfinished runs and the last day's

Usage: python bench/store.py [--runs N] [--big N] [--queries N] [--concurrency N]
       python bench/store.py --generate-only DB [--big N]   (a store for other benches)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apsis.store import (
    AppendLog,
    GroupWriter,
    InsertRun,
    Store,
    UpdateRun,
    create_store,
    open_store,
)
from apsis.store.schema import to_micros

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
JOBS = [f"group{g:02d}/job{j:03d}" for g in range(40) for j in range(50)]  # 2,000 jobs
LIFE = ["scheduled", "starting", "running", "success"]


def make_record(number: int, job_id: str, state: str, schedule: datetime) -> dict[str, Any]:
    """A run record of realistic size (about 650 bytes of JSON)."""
    when = schedule.isoformat()
    return {
        "run_id": f"r{number}",
        "job_id": job_id,
        "args": {"date": schedule.date().isoformat(), "region": "emea"},
        "state": state,
        "times": {"schedule": when, "running": when, state: when},
        "program": {"type": "shell", "command": f"/opt/etl/bin/load --date {when[:10]}",
                    "timeout": {"duration": 3600, "signal": "SIGTERM"}},
        "conds": [{"type": "dependency", "job_id": "etl/extract",
                   "args": {"date": when[:10]}, "states": ["success"]}],
        "actions": [{"type": "email", "to": ["ops@example.com"], "if": {"states": ["failure"]}}],
        "meta": {"labels": ["etl", "daily"], "elapsed": 12.5},
        "run_state": {"pid": 4242, "host": "worker-3"},
        "rerun_of": None,
    }  # fmt: skip


async def drive_writer(store: Store, runs: int, concurrency: int) -> dict[str, Any]:
    """`runs` runs through their lives, `concurrency` at a time, as the engine would:
    each transition is submitted with its log line and awaited before the next."""
    writer = GroupWriter(store)
    first = store.allocate_run_numbers(runs)
    numbers = iter(range(first, first + runs))

    async def one_run(number: int) -> None:
        run_id = f"r{number}"
        state = "new"
        record = make_record(number, JOBS[number % len(JOBS)], state, NOW)
        writer.submit(AppendLog(run_id, NOW, "created"))
        await writer.submit(InsertRun(record))
        for new_state in LIFE[1:]:
            record = {**record, "state": new_state}
            writer.submit(AppendLog(run_id, NOW, new_state))
            if await writer.submit(UpdateRun(record, state)) is not None:
                raise AssertionError(f"{run_id}: conflict")
            state = new_state

    async def worker() -> None:
        for number in numbers:
            await one_run(number)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    stats = writer.stats()
    await writer.close()
    return {"elapsed": elapsed, **stats}


def generate(path: Path, count: int) -> None:
    """`count` runs over the year before NOW, in schedule order, with plain executemany."""
    create_store(path)
    rng = random.Random(1)
    span = timedelta(days=365).total_seconds()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    sql = "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)"
    chunk = 50_000
    for start in range(1, count + 1, chunk):
        rows = []
        for number in range(start, min(start + chunk, count + 1)):
            # Minute-aligned times, so many runs share a schedule time as in real life.
            offset = int(span * (number / count) // 60 * 60)
            schedule = NOW - timedelta(seconds=span) + timedelta(seconds=offset)
            job_id = JOBS[rng.randrange(len(JOBS))]
            state = rng.choices(["success", "failure", "error", "skipped"], [90, 6, 2, 2])[0]
            if schedule > NOW - timedelta(minutes=10):
                state = rng.choice(["waiting", "running"])
            record = make_record(number, job_id, state, schedule)
            args = json.dumps(record["args"], separators=(",", ":"))
            text = json.dumps(record, separators=(",", ":"))
            rows.append((number, job_id, state, to_micros(schedule), args, None, text))
        conn.executemany(sql, rows)
        conn.commit()
    conn.execute("UPDATE service_state SET value = ? WHERE key = 'next_run_number'", (count + 1,))
    conn.commit()
    conn.close()


def timings(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100)
    return statistics.median(samples), cuts[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000, help="runs through the writer")
    parser.add_argument("--big", type=int, default=1_000_000, help="runs in the query store")
    parser.add_argument("--queries", type=int, default=200, help="repetitions per query")
    parser.add_argument("--concurrency", type=int, default=1000, help="runs in flight")
    parser.add_argument(
        "--generate-only", type=Path, metavar="DB", help="only write a store of --big runs to DB"
    )
    options = parser.parse_args()
    if options.generate_only:
        generate(options.generate_only, options.big)
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "writer.db"
        create_store(path)
        store = open_store(path)
        result = asyncio.run(drive_writer(store, options.runs, options.concurrency))
        store.close()
        ops = result["ops"]
        print(f"writer_runs_per_s {options.runs / result['elapsed']:.0f}")
        print(f"writer_ops_per_s {ops / result['elapsed']:.0f}")
        print(f"writer_batches {result['batches']} ({ops / result['batches']:.0f} ops each)")

        path = Path(tmp) / "big.db"
        started = time.perf_counter()
        generate(path, options.big)
        print(f"generate_runs_s {time.perf_counter() - started:.1f} ({options.big} runs)")
        store = open_store(path)
        rng = random.Random(2)
        month_back = NOW - timedelta(days=30)
        pages: dict[str, Callable[[], object]] = {
            "newest": lambda: store.query_runs(limit=50),
            "job_failures": lambda: store.query_runs(
                job_id=rng.choice(JOBS), states=["failure", "error"], limit=50
            ),
            "month_back": lambda: store.query_runs(before=month_back, limit=50),
            "job_prefix": lambda: store.query_runs(job_prefix="group07/", limit=50),
            "job_arg": lambda: store.query_runs(
                job_id=rng.choice(JOBS), args={"date": "2026-10-01"}, limit=50
            ),
        }
        for name, query in pages.items():
            p50, p99 = timings(query, options.queries)
            print(f"query_{name}_p50_ms {p50:.2f}")
            print(f"query_{name}_p99_ms {p99:.2f}")
        p50, _ = timings(lambda: store.load_runs(NOW - timedelta(days=1), dict), 5)
        print(f"load_runs_ms {p50:.0f}")
        store.close()


if __name__ == "__main__":
    main()
