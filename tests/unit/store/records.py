"""Run records as the engine writes them, for store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def record(
    number: int,
    job_id: str = "etl/load",
    state: str = "new",
    schedule: datetime = T0,
    args: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "run_id": f"r{number}",
        "job_id": job_id,
        "args": {} if args is None else args,
        "state": state,
        "times": {"schedule": schedule.isoformat(), state: schedule.isoformat()},
        "program": {"type": "shell", "command": f"echo {number}"},
        **extra,
    }


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
