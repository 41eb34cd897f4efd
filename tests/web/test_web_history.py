"""The Runs page stays usable over a large history: 100,000 stored runs, the last week
of them in the service's memory and in the live feed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from bench.web import store_history
from live_service import Service
from playwright.sync_api import Locator, Page, expect

STORED = 100_000
# What "usable" means here: each step shows its result within this, on a loaded
# 2-core machine.
STEP_DEADLINE_MS = 5_000
ROWS = '[data-testid="run-row"]'

# Writing the history takes a few seconds, charged to the first test.
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A service whose store holds STORED finished runs of 2,000 jobs over the last 30
    days (about 140 an hour), and one job of its own."""
    root = tmp_path_factory.mktemp("history")
    live = Service(root, {"noop": "program: {type: no-op}\n"})
    store_history(
        root / "apsis.db", STORED, datetime.now(UTC) - timedelta(minutes=1), timedelta(days=30)
    )
    live.start()
    yield live
    live.finish()


def rows(page: Page) -> Locator:
    return page.get_by_test_id("runs-table").locator(ROWS)


def row_ids(page: Page) -> list[str]:
    ids: list[str] = rows(page).evaluate_all("rows => rows.map(row => row.dataset.runId)")
    return ids


def scroll_table(page: Page, fraction: float) -> None:
    """Scroll whatever scrolls the runs table (its own box, or the page) to `fraction`
    of its height."""
    page.get_by_test_id("runs-table").evaluate(
        """(table, fraction) => {
            const scrolls = (e) => e.scrollHeight > e.clientHeight + 1
                && /(auto|scroll)/.test(getComputedStyle(e).overflowY);
            const inside = [table, ...table.querySelectorAll("*")];
            const around = [];
            for (let e = table.parentElement; e; e = e.parentElement) around.push(e);
            const box = [...inside, ...around].find(scrolls) || document.scrollingElement;
            box.scrollTop = (box.scrollHeight - box.clientHeight) * fraction;
            box.dispatchEvent(new Event("scroll"));
        }""",
        fraction,
    )


def test_runs_page_shows_first_rows_within_deadline(page: Page, service: Service) -> None:
    page.goto("/runs", wait_until="commit")
    expect(rows(page).first).to_be_visible(timeout=STEP_DEADLINE_MS)


def test_runs_table_scrolls_filters_and_opens_a_run_within_deadline(
    page: Page, service: Service
) -> None:
    page.goto("/runs")
    expect(rows(page).first).to_be_visible(timeout=STEP_DEADLINE_MS)
    top = row_ids(page)
    # Virtualised: the page holds the rows in view, not every run of the window.
    assert len(top) < 1_000, f"{len(top)} rows in the page"

    scroll_table(page, 1.0)
    page.wait_for_function(
        """(top) => {
            const ids = [...document.querySelectorAll('[data-testid="run-row"]')]
                .map(row => row.dataset.runId);
            return ids.length > 0 && ids.some(id => !top.includes(id));
        }""",
        arg=top,
        timeout=STEP_DEADLINE_MS,
    )

    page.get_by_test_id("runs-filter").fill("job:group07/")
    page.get_by_test_id("runs-filter").press("Enter")
    page.wait_for_function(
        """() => {
            const rows = [...document.querySelectorAll('[data-testid="run-row"]')];
            return rows.length > 0 && rows.every(row => row.querySelector(
                '[data-testid="job-link"]').textContent.includes("group07/"));
        }""",
        timeout=STEP_DEADLINE_MS,
    )

    run_id = row_ids(page)[0]
    rows(page).and_(page.locator(f'[data-run-id="{run_id}"]')).get_by_test_id("run-link").click()
    expect(page).to_have_url(re.compile(rf"/runs/{run_id}$"), timeout=STEP_DEADLINE_MS)
    expect(page.get_by_test_id("run-state")).to_have_attribute(
        "data-state", service.run(run_id)["state"], timeout=STEP_DEADLINE_MS
    )
