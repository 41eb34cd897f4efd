"""The connection indicator: a restart of the service shows as a lost connection, and
the page reconnects by itself and shows what changed meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from live_service import Service
from playwright.sync_api import Page, expect


def test_indicator_shows_lost_connection_across_restart_then_fresh_data(
    page: Page, service: Service
) -> None:
    # An hour away: it waits, scheduled, through the restart.
    waiting = service.schedule(
        "noop", schedule=(datetime.now(UTC) + timedelta(hours=1)).isoformat()
    )
    page.goto("/runs?q=job:noop")
    indicator = page.get_by_test_id("connection")
    expect(indicator).to_have_attribute("data-state", "connected")
    waiting_row = page.locator(f'[data-testid="run-row"][data-run-id="{waiting}"]')
    expect(waiting_row).to_have_attribute("data-state", "scheduled")

    port = service.port
    assert service.stop() == 0, service.log
    expect(indicator).to_have_attribute("data-state", "lost")

    service.start(port)
    expect(indicator).to_have_attribute("data-state", "connected")
    # Changes made by the new process reach the page through the new feed.
    assert service.post(f"/runs/{waiting}/skip").status_code == 200
    fresh = service.schedule("noop")
    expect(waiting_row).to_have_attribute("data-state", "skipped")
    expect(page.locator(f'[data-testid="run-row"][data-run-id="{fresh}"]')).to_have_attribute(
        "data-state", "success"
    )
