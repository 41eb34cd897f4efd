"""The REST API and the live feed over a million stored runs, through the real service.

Writes a store of `--runs` runs with bench/store.py (a year of history, 2,000 jobs),
starts `apsisctl serve` on it over loopback with a few jobs, and prints one line per
figure:

  store_runs                        runs in the store
  service_start_s                   from spawning the service to GET /running answering
  service_rss_mib                   the service's resident memory then (GET /api/v1/stats)
  runs_newest_page_p50_ms/p99_ms    GET /api/v1/runs?limit=50: the newest page
  runs_job_state_page_p50_ms/p99_ms   ...&job_id=<a random job>&state=failure,error
  runs_month_back_page_p50_ms/p99_ms  ...&before=<30 days before the newest run>
  ws_clients                        websocket clients on /api/v1/summary
  ws_transitions_per_s              transitions the service made meanwhile (no-op runs
                                    created at --rate runs/s for --seconds s, 4 each)
  ws_lag_p50_ms/p99_ms/max_ms       from a transition's time (the run's `times[state]`
                                    in the message) to its receipt, over every client
  ws_dropped_clients                clients the service disconnected (too slow)
  ws_missed_messages                transitions some client did not receive
  service_rss_end_mib               the service's resident memory after all of that
  upcoming_10k_jobs_ms              GET /api/v1/schedule?end=<a day on>&limit=1000 (the
                                    median of --requests) on a second service, over a
                                    fresh store, with 10,000 hourly jobs

Each request is timed from send to the parsed JSON, with one keep-alive httpx client,
one request at a time.

Usage: python bench/api.py [--runs N] [--store DB] [--requests N] [--clients N]
                           [--rate RUNS_PER_S] [--seconds S] [--upcoming-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

BENCH = Path(__file__).parent
BIN = Path(sys.executable).parent
NEWEST = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
"""The newest schedule time in bench/store.py's store (its NOW)."""
STORE_JOBS = [f"group{g:02d}/job{j:03d}" for g in range(40) for j in range(50)]
"""bench/store.py's job IDs: runs of jobs no longer in the job directory."""
TRANSITIONS_PER_RUN = 4  # scheduled, starting, running, success
JOBS = {
    "bench/noop": "program: {type: no-op}\n",
    "bench/echo": "params: [name]\nprogram: {type: shell, command: 'echo {{ name }}'}\n",
    "bench/daily": ("schedule: {type: daily, tz: UTC, daytime: '03:00'}\nprogram: {type: no-op}\n"),
}
UPCOMING_JOBS = 10_000
"""Hourly jobs of the upcoming-runs figure, their phases spread over the hour."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def make_root(root: Path, db: Path) -> Path:
    (root / "jobs" / "bench").mkdir(parents=True)
    for job_id, text in JOBS.items():
        (root / "jobs" / f"{job_id}.yaml").write_text(text)
    config = root / "config.yaml"
    config.write_text(f"job_dir: jobs\ndatabase: {{path: {db}}}\n")
    return config


def start_service(
    config: Path, port: int, log: Path, *extra: str
) -> tuple[subprocess.Popen[bytes], float]:
    """The service process, and the seconds it took to answer GET /running."""
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [BIN / "apsisctl", "serve", "--config", str(config), "--port", str(port), *extra],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out,
        )  # fmt: skip
    deadline = time.monotonic() + 600
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the service exited {process.returncode}:\n{log.read_text()}")
            try:
                if client.get("/api/v1/running").status_code == 200:
                    return process, time.perf_counter() - started
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                process.kill()
                raise SystemExit(f"the service did not start:\n{log.read_text()}")
            time.sleep(0.1)


def stop_service(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def page_timings(
    client: httpx.Client, params: Callable[[], dict[str, Any]], count: int
) -> tuple[float, float]:
    """p50 and p99 milliseconds of GET /api/v1/runs with `params()` each time."""
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get("/api/v1/runs", params=params())
        response.raise_for_status()
        runs = response.json()["runs"]
        samples.append((time.perf_counter() - started) * 1000)
        assert len(runs) <= 50
    samples.sort()
    return statistics.median(samples), percentile(samples, 0.99)


# --- websocket fan-out ----------------------------------------------------------------


class Feed:
    """One /summary client: the lag of each transition of the bench's runs."""

    def __init__(self, url: str, job_id: str) -> None:
        self.url = url
        self.job_id = job_id
        self.lags: list[float] = []
        self.seen: set[tuple[str, str]] = set()
        self.dropped = False
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        async with connect(self.url, max_size=None) as websocket:
            self.ready.set()
            reading = asyncio.ensure_future(self._read(websocket))
            await stop.wait()
            reading.cancel()

    async def _read(self, websocket: Any) -> None:
        try:
            async for frame in websocket:
                received = time.time()
                for message in json.loads(frame):
                    if message.get("type") != "run_transition":
                        continue
                    run = message["run_summary"]
                    if run["job_id"] != self.job_id:
                        continue
                    state, times = run["state"], run["times"]
                    # `scheduled` has no time of its own: a run created for now is
                    # scheduled at its schedule time.
                    at = datetime.fromisoformat(times.get(state, times["schedule"])).timestamp()
                    self.lags.append(received - at)
                    self.seen.add((run["run_id"], state))
        except ConnectionClosed as exc:
            self.dropped = exc.rcvd is not None and exc.rcvd.code == 1013


async def fan_out(base: str, clients: int, rate: float, seconds: float) -> dict[str, float]:
    job_id = "bench/noop"
    url = base.replace("http://", "ws://") + "/api/v1/summary"
    feeds = [Feed(url, job_id) for _ in range(clients)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(feed.run(stop)) for feed in feeds]
    await asyncio.wait_for(asyncio.gather(*(feed.ready.wait() for feed in feeds)), 60)
    created: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        loop = asyncio.get_running_loop()
        begun = loop.time()
        total = int(rate * seconds)

        async def create() -> None:
            response = await client.post("/api/v1/runs", json={"job_id": job_id})
            response.raise_for_status()
            created.extend(response.json()["runs"])

        # Each on time, whether or not the one before has been answered.
        posts = []
        for index in range(total):
            await asyncio.sleep(max(0.0, begun + index / rate - loop.time()))
            posts.append(asyncio.create_task(create()))
        await asyncio.gather(*posts)
        elapsed = loop.time() - begun
        expected = {(run_id, s) for run_id in created for s in ("starting", "running", "success")}
        expected |= {(run_id, "scheduled") for run_id in created}
        deadline = loop.time() + 30
        while loop.time() < deadline and any(
            not feed.dropped and not expected <= feed.seen for feed in feeds
        ):
            await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    lags = sorted(lag * 1000 for feed in feeds for lag in feed.lags)
    missed = sum(len(expected - feed.seen) for feed in feeds)
    return {
        "ws_clients": clients,
        "ws_transitions_per_s": len(created) * TRANSITIONS_PER_RUN / elapsed,
        "ws_lag_p50_ms": statistics.median(lags) if lags else float("nan"),
        "ws_lag_p99_ms": percentile(lags, 0.99) if lags else float("nan"),
        "ws_lag_max_ms": lags[-1] if lags else float("nan"),
        "ws_dropped_clients": sum(feed.dropped for feed in feeds),
        "ws_missed_messages": missed,
    }


# --- upcoming runs --------------------------------------------------------------------


def upcoming_timing(root: Path, requests: int) -> float:
    """The median milliseconds of GET /api/v1/schedule for the next day, limit 1000, on a
    service with UPCOMING_JOBS hourly jobs (`interval: 1h`, phases spread over the hour)."""
    jobs = root / "jobs" / "hourly"
    jobs.mkdir(parents=True)
    for index in range(UPCOMING_JOBS):
        (jobs / f"job{index:05d}.yaml").write_text(
            f"schedule: {{type: interval, interval: 1h, phase: {index % 60} min}}\n"
            "program: {type: no-op}\n"
        )
    config = root / "config.yaml"
    config.write_text(f"job_dir: jobs\ndatabase: {{path: {root / 'apsis.db'}}}\n")
    port = free_port()
    process, _ = start_service(config, port, root / "service.log", "--create-db")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

            def once() -> float:
                end = datetime.now(UTC) + timedelta(days=1)
                params = {"end": end.isoformat(), "limit": 1000}
                started = time.perf_counter()
                response = client.get("/api/v1/schedule", params=params)
                response.raise_for_status()
                answer = response.json()
                elapsed = (time.perf_counter() - started) * 1000
                assert len(answer["runs"]) == 1000 and answer["more"], answer["more"]
                return elapsed

            for _ in range(3):
                once()  # warm up
            return statistics.median(once() for _ in range(requests))
    finally:
        stop_service(process)


# --- main -------------------------------------------------------------------------------


def generate(db: Path, runs: int) -> None:
    subprocess.run(
        [sys.executable, str(BENCH / "store.py"), "--generate-only", str(db), "--big", str(runs)],
        check=True,
    )


def service_figures(options: argparse.Namespace) -> None:
    """Every figure but the upcoming runs': the service over the store of history."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = options.store
        if db is None:
            db = root / "apsis.db"
            generate(db, options.runs)
        config = make_root(root / "service", db.resolve())
        port = free_port()
        process, start_s = start_service(config, port, root / "service.log")
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                stats = client.get("/api/v1/stats").json()
                rss = stats["process"]["rss_bytes"]
                if options.store is None:
                    print(f"store_runs {options.runs}")
                print(f"service_start_s {start_s:.1f}")
                print(f"service_rss_mib {rss / 2**20:.0f}" if rss else "service_rss_mib n/a")
                print(f"service_runs_in_memory {stats['runs']['in_memory']}")
                rng = random.Random(3)
                month_back = (NEWEST - timedelta(days=30)).isoformat().replace("+00:00", "Z")
                pages: dict[str, Callable[[], dict[str, Any]]] = {
                    "newest": lambda: {"limit": 50},
                    "job_state": lambda: {
                        "limit": 50, "job_id": rng.choice(STORE_JOBS), "state": "failure,error"
                    },
                    "month_back": lambda: {"limit": 50, "before": month_back},
                }  # fmt: skip
                for name, params in pages.items():
                    page_timings(client, params, 5)  # warm the page cache and the path
                    p50, p99 = page_timings(client, params, options.requests)
                    print(f"runs_{name}_page_p50_ms {p50:.1f}")
                    print(f"runs_{name}_page_p99_ms {p99:.1f}")
            figures = asyncio.run(fan_out(base, options.clients, options.rate, options.seconds))
            for name, value in figures.items():
                print(f"{name} {value:.1f}" if isinstance(value, float) else f"{name} {value}")
            with httpx.Client(base_url=base, timeout=60) as client:
                rss = client.get("/api/v1/stats").json()["process"]["rss_bytes"]
                print(
                    f"service_rss_end_mib {rss / 2**20:.0f}" if rss else "service_rss_end_mib n/a"
                )
        finally:
            stop_service(process)
        if os.environ.get("BENCH_API_LOG"):
            print((root / "service.log").read_text(), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000, help="runs in the store")
    parser.add_argument("--store", type=Path, help="use this store (bench/store.py's) as is")
    parser.add_argument("--requests", type=int, default=200, help="requests per page kind")
    parser.add_argument("--clients", type=int, default=50, help="websocket clients")
    parser.add_argument("--rate", type=float, default=25.0, help="no-op runs created per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to create runs")
    parser.add_argument(
        "--upcoming-only", action="store_true", help="only the upcoming_10k_jobs_ms figure"
    )
    options = parser.parse_args()

    if not options.upcoming_only:
        service_figures(options)
    with tempfile.TemporaryDirectory() as tmp:
        upcoming_ms = upcoming_timing(Path(tmp), min(options.requests, 50))
        print(f"upcoming_10k_jobs_ms {upcoming_ms:.1f}")


if __name__ == "__main__":
    main()
