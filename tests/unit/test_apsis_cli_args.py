"""What `apsis` makes of its arguments (TIME, --stop-time, --host, --port, APSIS_HOST)
and of a schedule preview the service answers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from apsis.cli.user.client import base_url
from apsis.cli.user.commands import preview_items
from apsis.cli.user.times import local_zone, parse_stop, parse_when

NOW = datetime(2026, 3, 7, 15, 30, 12, tzinfo=UTC)  # 10:30:12 in New York (EST)
NEW_YORK = ZoneInfo("America/New_York")


def test_now_is_left_to_the_service() -> None:
    assert parse_when(" NOW ", NOW) == "now"


def test_a_duration_after_plus_counts_from_now() -> None:
    assert parse_when("+10m", NOW) == "2026-03-07T15:40:12Z"
    assert parse_when("+1h 30m", NOW) == "2026-03-07T17:00:12Z"
    assert parse_when("+90", NOW) == "2026-03-07T15:31:42Z"


def test_an_iso_time_with_an_offset_is_that_instant() -> None:
    assert parse_when("2026-11-21T10:00:00+01:00", NOW) == "2026-11-21T09:00:00Z"
    assert parse_when("2026-11-21T10:00:00Z", NOW) == "2026-11-21T10:00:00Z"


def test_an_iso_time_without_an_offset_is_local() -> None:
    assert parse_when("2026-11-21T10:00", NOW, NEW_YORK) == "2026-11-21T15:00:00Z"


def test_a_daytime_is_the_next_such_local_time_today_or_tomorrow() -> None:
    assert parse_when("11:00", NOW, NEW_YORK) == "2026-03-07T16:00:00Z"
    assert parse_when("10:30", NOW, NEW_YORK) == "2026-03-08T14:30:00Z"  # tomorrow, EDT
    assert parse_when("10:30:12", NOW, NEW_YORK) == "2026-03-08T14:30:12Z"
    assert parse_when("10:30:13", NOW, NEW_YORK) == "2026-03-07T15:30:13Z"


def test_a_daytime_in_the_spring_gap_is_the_end_of_the_gap() -> None:
    night = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST, the day clocks go forward
    assert parse_when("02:30", night, NEW_YORK) == "2026-03-08T07:00:00Z"  # 03:00 EDT


@pytest.mark.parametrize("text", ["tomorrow", "25:00", "+", "+soon", "2026-13-01"])
def test_what_is_not_a_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        parse_when(text, NOW)


def test_a_stop_time_is_a_time_or_a_duration_after_the_schedule_time() -> None:
    assert parse_stop("+2h", NOW) == "2026-03-07T17:30:12Z"
    assert parse_stop("2026-11-21T10:00:00Z", NOW) == "2026-11-21T10:00:00Z"
    assert parse_stop(" 2h ", NOW) == "2h"
    assert parse_stop("90", NOW) == "90"
    with pytest.raises(ValueError, match="'soon' is not a time or duration"):
        parse_stop("soon", NOW)


@pytest.mark.parametrize(
    ("host", "port", "env", "url"),
    [
        (None, None, None, "http://localhost:5000"),
        (None, None, "apsis.example", "http://apsis.example:5000"),
        (None, None, "apsis.example:8080", "http://apsis.example:8080"),
        (None, 9000, "apsis.example:8080", "http://apsis.example:9000"),
        ("other", None, "apsis.example:8080", "http://other:5000"),
        ("other:7000", None, None, "http://other:7000"),
        ("[::1]:7000", None, None, "http://[::1]:7000"),
        ("[::1]", 7001, None, "http://[::1]:7001"),
        (None, None, "https://apsis.example/", "https://apsis.example"),
        (None, 8443, "https://apsis.example", "https://apsis.example:8443"),
    ],
)
def test_the_service_url_from_host_port_and_apsis_host(
    host: str | None, port: int | None, env: str | None, url: str
) -> None:
    assert base_url(host, port, env) == url


@pytest.mark.parametrize(
    ("tz", "key"),
    [("America/New_York", "America/New_York"), (":Europe/Paris", "Europe/Paris"),
     ("XST+5", None)],
)  # fmt: skip
def test_the_local_zone_comes_from_tz(
    monkeypatch: pytest.MonkeyPatch, tz: str, key: str | None
) -> None:
    monkeypatch.setenv("TZ", tz)
    zone = local_zone()
    assert (zone.key if zone else None) == key


def test_a_schedule_preview_is_read_bare_or_wrapped_and_a_job_is_not_one() -> None:
    items = [{"time": "2026-11-21T10:00:00Z", "args": {}}]
    assert preview_items(items) == items
    assert preview_items({"job_id": "etl/load", "runs": items}) == items
    # An older service reads `etl/load/schedule` as a fuzzy job ID and may find a job.
    job = {"job_id": "etl/load", "params": [], "program": {}, "schedule": [], "action": []}
    assert preview_items(job) is None
    assert preview_items({"error": "x"}) is None
