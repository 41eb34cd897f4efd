"""The web UI over a large history and a busy live feed, in headless Chromium.

Writes a store of `--runs` finished runs of 2,000 jobs, scheduled evenly over the
`--days` before now (so the Runs page's window around now is full, and the runs of the
last `runs.lookback` are in the service's memory and in the UI's live feed), starts
`apsisctl serve` on it over loopback, and prints one line per figure:

  web_store_runs               runs in the store
  web_first_rows_ms            from navigating to /runs to the first run row shown:
                               the first load, then the median of the next ones
  web_first_rows_warm_ms
  web_js_heap_mib              JS heap in use once the Runs page has loaded
  web_js_heap_after_gc_mib     the same after a garbage collection: what the page holds
  web_transitions_per_s        transitions the service made while frames were timed
                               (no-op runs created through the API, 4 transitions each)
  web_frame_p50_ms/p99_ms/max_ms   intervals between requestAnimationFrame callbacks on
                               the Runs page meanwhile (16.7 ms is a smooth 60 Hz)
  web_feed_lag_ms              from creating the last of those runs to its row shown

Usage: python bench/web.py [--runs N] [--days D] [--rate TRANSITIONS_PER_S] [--seconds S]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from apsis.store import InsertRun, create_store, open_store

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "tests" / "integration" / "service"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.store import JOBS, make_record  # noqa: E402
from live_service import Service  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# Headless, as root, on a machine without network: nothing may try to phone home.
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ROW = '[data-testid="run-row"]'
TRANSITIONS_PER_NOOP_RUN = 4  # new → starting → running → success
FINISHED = ["success", "failure", "error", "skipped"]
WEIGHTS = [90, 6, 2, 2]


def store_history(path: Path, count: int, end: datetime, span: timedelta) -> None:
    """A new store at `path` with `count` finished runs of bench/store.py's 2,000 jobs,
    scheduled evenly over the `span` before `end`, through the store's own writes."""
    create_store(path)
    store = open_store(path)
    try:
        first = store.allocate_run_numbers(count)
        rng = random.Random(1)
        step = span / count
        chunk = 20_000
        for start in range(0, count, chunk):
            store.write(
                [
                    InsertRun(
                        make_record(
                            first + index,
                            JOBS[rng.randrange(len(JOBS))],
                            rng.choices(FINISHED, WEIGHTS)[0],
                            end - span + step * index,
                        )
                    )
                    for index in range(start, min(start + chunk, count))
                ]
            )
    finally:
        store.close()


def launch(playwright: Any) -> Browser:
    browser: Browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    return browser


def first_rows_ms(browser: Browser, base_url: str) -> float:
    """Milliseconds from navigating a fresh page to /runs to its first run row."""
    context = browser.new_context(base_url=base_url)
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto("/runs", wait_until="commit")
        page.wait_for_selector(ROW, timeout=60_000)
        return (time.perf_counter() - started) * 1000
    finally:
        context.close()


def heap_mib(page: Page, collect: bool) -> float:
    cdp = page.context.new_cdp_session(page)
    try:
        if collect:
            cdp.send("HeapProfiler.collectGarbage")
        cdp.send("Performance.enable")
        metrics = cdp.send("Performance.getMetrics")["metrics"]
    finally:
        cdp.detach()
    used = next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize")
    return float(used) / 2**20


def transitions_total(client: httpx.Client) -> float:
    text = client.get("/metrics").text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("apsis_transitions_total")
    )


class RunMaker(threading.Thread):
    """Creates no-op runs through the API at `runs_per_s`, on a fixed cadence (a late
    request is followed at once by the next, not by a fresh interval), until stopped."""

    def __init__(self, base_url: str, runs_per_s: float) -> None:
        super().__init__(daemon=True)
        self.base_url = base_url
        self.interval = 1 / runs_per_s
        self.stopping = threading.Event()
        self.last_run_id = ""
        self.last_created = 0.0

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            started = time.monotonic()
            made = 0
            while not self.stopping.is_set():
                response = client.post("/api/v1/runs", json={"job_id": "noop"})
                response.raise_for_status()
                (self.last_run_id,) = response.json()["runs"]
                self.last_created = time.perf_counter()
                made += 1
                self.stopping.wait(max(0.0, started + made * self.interval - time.monotonic()))


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000, help="runs in the store")
    parser.add_argument("--days", type=float, default=30, help="days the stored runs span")
    parser.add_argument("--rate", type=float, default=50, help="transitions per second")
    parser.add_argument("--seconds", type=float, default=10, help="how long frames are timed")
    parser.add_argument("--loads", type=int, default=5, help="page loads timed")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store_history(
            root / "apsis.db",
            options.runs,
            datetime.now(UTC) - timedelta(minutes=1),
            timedelta(days=options.days),
        )
        print(f"web_store_runs {options.runs}")
        service = Service(root, {"noop": "program: {type: no-op}\n"})
        service.start()
        base_url = f"http://127.0.0.1:{service.port}"
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                loads = [first_rows_ms(browser, base_url) for _ in range(options.loads)]
                print(f"web_first_rows_ms {loads[0]:.0f}")
                print(f"web_first_rows_warm_ms {statistics.median(loads[1:] or loads):.0f}")
                measure_busy_page(browser, base_url, service, options.rate, options.seconds)
                browser.close()
        finally:
            service.client.close()
            service.stop()


def measure_busy_page(
    browser: Browser, base_url: str, service: Service, rate: float, seconds: float
) -> None:
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/runs")
    page.wait_for_selector(ROW, timeout=60_000)
    page.wait_for_load_state("networkidle")
    print(f"web_js_heap_mib {heap_mib(page, collect=False):.1f}")
    print(f"web_js_heap_after_gc_mib {heap_mib(page, collect=True):.1f}")

    page.evaluate(
        """() => {
            window.__frames = [];
            let last = 0;
            const tick = (now) => {
                if (last) window.__frames.push(now - last);
                last = now;
                if (!window.__framesDone) requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
        }"""
    )
    maker = RunMaker(base_url, rate / TRANSITIONS_PER_NOOP_RUN)
    before = transitions_total(service.client)
    started = time.monotonic()
    maker.start()
    # The page's own event loop runs on; the wait here only lets time pass.
    page.wait_for_timeout(seconds * 1000)
    frames: list[float] = page.evaluate("() => { window.__framesDone = true; return __frames; }")
    maker.stopping.set()
    maker.join()
    elapsed = time.monotonic() - started
    made = transitions_total(service.client) - before
    print(f"web_transitions_per_s {made / elapsed:.1f}")
    ordered = sorted(frames)
    if ordered:
        print(f"web_frame_p50_ms {statistics.median(ordered):.1f}")
        print(f"web_frame_p99_ms {percentile(ordered, 0.99):.1f}")
        print(f"web_frame_max_ms {ordered[-1]:.1f}")
    # The newest run is at the top of the window, where the page is.
    shown = f'{ROW}[data-run-id="{maker.last_run_id}"]'
    try:
        page.wait_for_selector(shown, timeout=10_000)
        print(f"web_feed_lag_ms {(time.perf_counter() - maker.last_created) * 1000:.0f}")
    except PlaywrightTimeout:
        print("web_feed_lag_ms nan (not shown within 10 s)")
    context.close()


if __name__ == "__main__":
    main()
