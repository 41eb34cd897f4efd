"""The Job and Run pages: scheduling a run from the UI, following it live, and every
operation button with its confirmation, checked in the page and through the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from live_service import Service
from playwright.sync_api import Page, expect

RUN_URL = re.compile(r"/runs/(r\d+)$")


def later() -> str:
    """A schedule time an hour away: the run waits, scheduled, for the test."""
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


def shown_run_id(page: Page) -> str:
    expect(page).to_have_url(RUN_URL)
    match = RUN_URL.search(page.url)
    assert match is not None
    return match.group(1)


def confirm(page: Page, button: str) -> None:
    page.get_by_test_id(button).click()
    expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
    page.get_by_test_id("confirm-ok").click()
    expect(page.get_by_test_id("confirm-dialog")).to_be_hidden()


def expect_state(page: Page, service: Service, run_id: str, state: str) -> None:
    """The Run page shows `state` (live: the test never reloads), and so does the API."""
    expect(page.get_by_test_id("run-state")).to_have_attribute("data-state", state)
    assert service.run(run_id)["state"] == state


def test_run_scheduled_from_job_page_reaches_success_live_with_coloured_output(
    page: Page, service: Service
) -> None:
    page.goto("/job/greet")
    form = page.get_by_test_id("schedule-form")
    form.get_by_test_id("schedule-arg-name").fill("world")
    expect(form.get_by_test_id("schedule-time")).to_have_value("now")
    form.get_by_test_id("schedule-submit").click()

    run_id = shown_run_id(page)
    # A mark that a reload would wipe: what follows must arrive over the live feeds.
    page.evaluate("() => { window.__sameDocument = true }")
    expect(page.get_by_test_id("run-state")).to_have_attribute("data-state", "running")
    output = page.get_by_test_id("run-output")
    expect(output).to_contain_text("hello world")
    expect(page.get_by_test_id("run-state")).to_have_attribute("data-state", "success")
    expect(output).to_contain_text("done")
    assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"

    # ANSI colours are rendered, not shown as escape codes.
    assert "[32m" not in output.inner_text()
    hello = output.get_by_text("hello world")
    colour = hello.evaluate("element => getComputedStyle(element).color")
    assert colour != output.evaluate("element => getComputedStyle(element).color")

    run = service.run(run_id)
    assert (run["job_id"], run["args"], run["state"]) == ("greet", {"name": "world"}, "success")
    expect(page.get_by_test_id("run-log")).to_contain_text("success")


def test_schedule_form_shows_error_for_bad_time_and_creates_nothing(
    page: Page, service: Service
) -> None:
    before = service.get("/runs", job_id="greet").json()["runs"]
    page.goto("/job/greet")
    page.get_by_test_id("schedule-arg-name").fill("nobody")
    page.get_by_test_id("schedule-time").fill("not a time")
    page.get_by_test_id("schedule-submit").click()
    expect(page.get_by_test_id("schedule-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/job/greet$"))
    assert service.get("/runs", job_id="greet").json()["runs"].keys() == before.keys()


def test_cancelled_skip_leaves_run_scheduled_and_confirmed_skip_skips_it(
    page: Page, service: Service
) -> None:
    run_id = service.schedule("noop", schedule=later())
    page.goto(f"/runs/{run_id}")
    expect(page.get_by_test_id("run-state")).to_have_attribute("data-state", "scheduled")

    page.get_by_test_id("op-skip").click()
    expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
    page.get_by_test_id("confirm-cancel").click()
    expect(page.get_by_test_id("confirm-dialog")).to_be_hidden()
    expect_state(page, service, run_id, "scheduled")

    confirm(page, "op-skip")
    expect_state(page, service, run_id, "skipped")
    assert "skipped" in " ".join(service.run_log(run_id))


def test_start_button_runs_a_scheduled_run_now(page: Page, service: Service) -> None:
    run_id = service.schedule("noop", schedule=later())
    page.goto(f"/runs/{run_id}")
    expect(page.get_by_test_id("run-state")).to_have_attribute("data-state", "scheduled")
    confirm(page, "op-start")
    expect_state(page, service, run_id, "success")


def test_stop_button_stops_a_running_run(page: Page, service: Service) -> None:
    run_id = service.schedule("sleeper")
    service.wait_state(run_id, "running")
    page.goto(f"/runs/{run_id}")
    expect(page.get_by_test_id("run-state")).to_have_attribute("data-state", "running")
    confirm(page, "op-stop")
    # An orderly stop asked for by a user ends as a success (SPEC §4), via stopping.
    expect_state(page, service, run_id, "success")
    assert "stopping" in service.run(run_id)["times"]


def test_rerun_button_opens_the_new_run_and_mark_changes_a_finished_state(
    page: Page, service: Service
) -> None:
    run_id = service.schedule("fail")
    service.wait_state(run_id, "failure")
    page.goto(f"/runs/{run_id}")
    expect(page.get_by_test_id("run-state")).to_have_attribute("data-state", "failure")

    page.get_by_test_id("op-mark").click()
    page.get_by_test_id("mark-state").select_option("success")
    page.get_by_test_id("confirm-ok").click()
    expect_state(page, service, run_id, "success")

    confirm(page, "op-rerun")
    expect(page).not_to_have_url(re.compile(rf"/runs/{run_id}$"))
    new_id = shown_run_id(page)
    assert service.run(new_id)["rerun_of"] == run_id
    expect(page.get_by_test_id("run-state")).to_have_attribute("data-state", "failure")
    assert service.run(run_id)["state"] == "success"


def test_time_zone_selector_changes_displayed_schedule_time(page: Page, service: Service) -> None:
    run_id = service.schedule("noop", schedule="2030-01-01T03:17:00Z")
    page.goto(f"/runs/{run_id}")
    body = page.locator("body")
    page.get_by_test_id("tz-select").select_option("UTC")
    expect(body).to_contain_text("03:17")
    expect(body).not_to_contain_text("12:17")

    page.get_by_test_id("tz-select").select_option("Asia/Tokyo")
    expect(body).to_contain_text("12:17")
    service.post(f"/runs/{run_id}/skip")
