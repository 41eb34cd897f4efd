"""The Jobs tree (expand, collapse, filter) and the Job page (description, schedule
preview, its runs)."""

from __future__ import annotations

import re

from live_service import Service
from playwright.sync_api import Locator, Page, expect


def job_item(page: Page, job_id: str) -> Locator:
    return page.locator(f'[data-testid="job-item"][data-job-id="{job_id}"]')


def job_dir(page: Page, path: str) -> Locator:
    return page.locator(f'[data-testid="job-dir"][data-path="{path}"]')


def test_job_dir_click_toggles_its_jobs(page: Page, service: Service) -> None:
    page.goto("/jobs")
    expect(job_item(page, "noop")).to_be_visible()
    folder, inside = job_dir(page, "reports"), job_item(page, "reports/daily")
    expect(folder).to_be_visible()
    was_open = inside.is_visible()

    for shown in (not was_open, was_open):
        folder.click()
        if shown:
            expect(inside).to_be_visible()
        else:
            expect(inside).to_be_hidden()
    # Other folders keep their own state.
    expect(job_dir(page, "etl")).to_be_visible()


def test_jobs_filter_keeps_matching_jobs(page: Page, service: Service) -> None:
    page.goto("/jobs")
    page.get_by_test_id("jobs-filter").fill("weekly")
    expect(job_item(page, "reports/weekly")).to_be_visible()
    expect(job_item(page, "etl/load")).to_have_count(0)
    expect(job_item(page, "greet")).to_have_count(0)


def test_job_item_opens_the_job_page(page: Page, service: Service) -> None:
    page.goto("/jobs")
    page.get_by_test_id("jobs-filter").fill("greet")
    job_item(page, "greet").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/job/greet$"))
    expect(page.get_by_test_id("job-description")).to_contain_text("Greets")


def test_job_page_shows_description_and_schedule_preview(page: Page, service: Service) -> None:
    page.goto("/job/reports/daily")
    page.get_by_test_id("tz-select").select_option("UTC")
    expect(page.get_by_test_id("job-description")).to_contain_text("The daily report")
    preview = page.get_by_test_id("job-schedule-preview")
    preview_rows = preview.get_by_test_id("schedule-preview-row")
    expect(preview_rows.first).to_be_visible()
    assert preview_rows.count() >= 2
    # The two schedules alternate, each with its region.
    expect(preview_rows.filter(has_text="06:00").first).to_contain_text("eu")
    expect(preview_rows.filter(has_text="07:30").first).to_contain_text("us")
    # In the service's order.
    expected = service.get("/jobs/reports/daily/schedule", count=2).json()["runs"]
    for run, text in zip(expected, preview_rows.all_inner_texts(), strict=False):
        assert run["args"]["region"] in text
    expect(page.get_by_test_id("job-runs")).to_be_visible()
