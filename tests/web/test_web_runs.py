"""The Runs page: filters and the time window live in the URL and survive a reload;
repeated runs of one instance fold into one row; upcoming runs show in the window's
future; the timeline draws runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from live_service import Service
from playwright.sync_api import Locator, Page, expect

ROWS = '[data-testid="run-row"]'


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def rows(page: Page) -> Locator:
    return page.get_by_test_id("runs-table").locator(ROWS)


def row(page: Page, run_id: str) -> Locator:
    return page.get_by_test_id("runs-table").locator(f'{ROWS}[data-run-id="{run_id}"]')


def click_for_url(page: Page, test_id: str) -> str:
    """Click the control and wait until the page's URL changes (the app routes in
    the page, so this is no navigation to wait for); the new URL."""
    old = page.url
    page.get_by_test_id(test_id).click()
    page.wait_for_function("old => location.href !== old", arg=old)
    return page.url


def window_at(url: str) -> datetime:
    """The time the Runs page's window is at, from its URL (now when it has none)."""
    at = query(url).get("at")
    return datetime.fromisoformat(at[0]) if at else datetime.now(UTC)


def test_filter_text_goes_into_url_and_survives_reload(page: Page, service: Service) -> None:
    failed = service.schedule("fail")
    succeeded = service.schedule("noop")
    service.wait_state(failed, "failure")
    service.wait_state(succeeded, "success")
    page.goto("/runs")
    expect(row(page, succeeded)).to_be_visible()

    text = "state:failure job:fail"
    page.get_by_test_id("runs-filter").fill(text)
    page.get_by_test_id("runs-filter").press("Enter")
    expect(row(page, failed)).to_be_visible()
    expect(row(page, succeeded)).to_have_count(0)
    assert query(page.url)["q"] == [text]

    page.reload()
    expect(page.get_by_test_id("runs-filter")).to_have_value(text)
    expect(row(page, failed)).to_be_visible()
    expect(row(page, succeeded)).to_have_count(0)
    for state in rows(page).evaluate_all("rows => rows.map(row => row.dataset.state)"):
        assert state == "failure"


def test_repeated_toggle_shows_every_run_of_an_instance(page: Page, service: Service) -> None:
    run_ids = [service.schedule("reports/weekly") for _ in range(3)]
    for run_id in run_ids:
        service.wait_state(run_id, "success")
    page.goto("/runs?q=job:reports/weekly")
    expect(page.get_by_test_id("runs-repeated")).not_to_be_checked()
    # Folded: one row for the instance, its newest run.
    expect(rows(page)).to_have_count(1)
    expect(row(page, run_ids[-1])).to_be_visible()

    page.get_by_test_id("runs-repeated").check()
    expect(rows(page)).to_have_count(3)
    assert query(page.url)["repeated"] == ["1"]
    page.reload()
    expect(page.get_by_test_id("runs-repeated")).to_be_checked()
    expect(rows(page)).to_have_count(3)


def test_earlier_and_later_move_the_window_in_the_url(page: Page, service: Service) -> None:
    page.goto("/runs")
    expect(page.get_by_test_id("runs-table")).to_be_visible()
    now = window_at(page.url)

    earlier = window_at(click_for_url(page, "runs-earlier"))
    assert earlier < now
    assert window_at(click_for_url(page, "runs-earlier")) < earlier
    assert window_at(click_for_url(page, "runs-later")) == earlier

    page.reload()
    assert window_at(page.url) == earlier
    assert "at" not in query(click_for_url(page, "runs-now"))


def test_run_row_links_open_the_run_and_its_job(page: Page, service: Service) -> None:
    run_id = service.schedule("noop")
    service.wait_state(run_id, "success")
    page.goto("/runs?q=job:noop")
    row(page, run_id).get_by_test_id("run-link").click()
    expect(page).to_have_url(re.compile(rf"/runs/{run_id}$"))
    expect(page.get_by_test_id("run-state")).to_have_attribute("data-state", "success")
    page.go_back()
    row(page, run_id).get_by_test_id("job-link").click()
    expect(page).to_have_url(re.compile(r"/job/noop$"))


def test_new_runs_appear_in_the_table_without_reload(page: Page, service: Service) -> None:
    page.goto("/runs?q=job:noop")
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "connected")
    run_id = service.schedule("noop")
    expect(row(page, run_id)).to_have_attribute("data-state", "success")


def test_timeline_draws_a_bar_per_run(page: Page, service: Service) -> None:
    run_id = service.schedule("greet", {"name": "timeline"})
    page.goto("/timeline")
    expect(page.get_by_test_id("timeline")).to_be_visible()
    bar = page.get_by_test_id("timeline").locator(
        f'[data-testid="timeline-bar"][data-run-id="{run_id}"]'
    )
    expect(bar).to_be_visible()
    service.wait_state(run_id, "success")


def upcoming_rows(page: Page) -> Locator:
    return page.get_by_test_id("runs-table").locator('[data-testid="upcoming-row"]')


# A day to come, whose reports/daily runs (06:00 region eu, 07:30 region us, UTC) the
# service has not created yet: the Runs page shows them as upcoming rows.
DAY = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()


def test_upcoming_runs_show_in_the_windows_future_until_turned_off(
    page: Page, service: Service
) -> None:
    page.goto(f"/runs?at={DAY}T07:00:00Z&span=6h")
    expect(page.get_by_test_id("runs-upcoming")).to_be_checked()
    upcoming = upcoming_rows(page)
    expect(upcoming).to_have_count(2)
    # Newest first, as the runs; no run ID, state "upcoming".
    assert upcoming.evaluate_all(
        "rows => rows.map(row => [row.dataset.jobId, row.dataset.time])"
    ) == [
        ["reports/daily", f"{DAY}T07:30:00Z"],
        ["reports/daily", f"{DAY}T06:00:00Z"],
    ]
    expect(upcoming.get_by_test_id("upcoming-args")).to_have_text(["region=us", "region=eu"])
    expect(upcoming.get_by_test_id("upcoming-state")).to_have_text(["upcoming", "upcoming"])
    expect(upcoming.get_by_test_id("run-link")).to_have_count(0)
    expect(upcoming.get_by_test_id("job-link").first).to_have_text("reports/daily")

    # The filter applies: args in the page, the job prefix in the service.
    page.get_by_test_id("runs-filter").fill("region=eu")
    page.get_by_test_id("runs-filter").press("Enter")
    expect(upcoming).to_have_count(1)
    expect(upcoming.get_by_test_id("upcoming-args")).to_have_text("region=eu")
    page.get_by_test_id("runs-filter").fill("job:etl/")
    page.get_by_test_id("runs-filter").press("Enter")
    expect(upcoming).to_have_count(0)
    page.get_by_test_id("runs-filter").fill("")
    page.get_by_test_id("runs-filter").press("Enter")
    expect(upcoming).to_have_count(2)

    page.get_by_test_id("runs-upcoming").uncheck()
    expect(upcoming).to_have_count(0)
    assert query(page.url)["upcoming"] == ["0"]
    page.reload()
    expect(page.get_by_test_id("runs-upcoming")).not_to_be_checked()
    expect(page.get_by_test_id("runs-status")).to_contain_text("all in this window")
    expect(upcoming).to_have_count(0)
    page.get_by_test_id("runs-upcoming").check()
    expect(upcoming).to_have_count(2)
    assert "upcoming" not in query(page.url)


def test_timeline_marks_upcoming_runs(page: Page, service: Service) -> None:
    page.goto(f"/timeline?at={DAY}T07:00:00Z&span=6h")
    marks = page.get_by_test_id("timeline").locator('[data-testid="timeline-upcoming"]')
    expect(marks).to_have_count(2)
    assert marks.evaluate_all("marks => marks.map(mark => mark.dataset.time)") == [
        f"{DAY}T06:00:00Z",
        f"{DAY}T07:30:00Z",
    ]
