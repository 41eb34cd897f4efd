"""Fixtures for the web UI's tests: Debian's Chromium driven by Playwright against a
real service (tests/integration/service/live_service.py) serving the built UI.

Nothing here skips: a missing Chromium or a UI that does not build fails the tests.
The UI is built (`make web`) at collection time when its files are missing, so the
build's minute is not charged to the first test's timeout.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

REPO = Path(__file__).resolve().parent.parent.parent
for _path in (REPO, REPO / "tests" / "integration" / "service"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bench.web import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from live_service import Service  # noqa: E402

INDEX = REPO / "src" / "apsis" / "service" / "static" / "index.html"
# How long the UI may take to show what the service already knows. Generous for a
# loaded 2-core machine; a passing test waits only as long as the UI needs.
UI_DEADLINE_MS = 10_000

JOBS = {
    # Coloured output, then a pause long enough to watch the run running.
    "greet": r"""
        params: [name]
        metadata: {description: "Greets **someone** in green.", labels: [demo]}
        program:
          type: shell
          command: "printf '\\033[32mhello %s\\033[0m\\n' '{{ name }}'; sleep 1; echo done"
    """,
    "sleeper": """
        program: {type: program, argv: [sleep, "60"], stop: {grace_period: 5s}}
    """,
    "noop": """
        program: {type: no-op}
    """,
    "fail": """
        program: {type: shell, command: "echo failing; exit 3"}
    """,
    "reports/daily": """
        params: [region]
        metadata: {description: "The daily report, per region.", labels: [daily]}
        schedule:
          - {type: daily, tz: UTC, daytime: "06:00", args: {region: eu}}
          - {type: daily, tz: UTC, daytime: "07:30", args: {region: us}}
        program: {type: no-op}
    """,
    "reports/weekly": """
        metadata: {labels: [weekly]}
        program: {type: no-op}
    """,
    "etl/extract": """
        program: {type: no-op}
    """,
    "etl/load": """
        params: [date]
        condition: {type: dependency, job_id: etl/extract}
        program: {type: no-op}
    """,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    if INDEX.exists() or not any(here in Path(item.path).parents for item in items):
        return
    result = subprocess.run(["make", "web"], cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0 or not INDEX.exists():
        raise pytest.UsageError(
            f"the web UI does not build (`make web` exited {result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=UI_DEADLINE_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One service per module, over JOBS, for tests that only add runs: each test must
    find its own runs (by job or run ID) and stop what it leaves running."""
    live = Service(tmp_path_factory.mktemp("web"), JOBS)
    live.start()
    yield live
    live.finish()


@pytest.fixture
def context(browser: Browser, service: Service) -> Iterator[BrowserContext]:
    made = browser.new_context(base_url=f"http://127.0.0.1:{service.port}")
    made.set_default_timeout(UI_DEADLINE_MS)
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A fresh page of a fresh context (no storage shared between tests); the test
    fails if the UI raised an uncaught JavaScript error meanwhile."""
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}"))
    yield opened
    assert not errors, f"uncaught errors in the page: {errors}"
