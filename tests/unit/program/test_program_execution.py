"""Running `no-op` and the internal programs: their update streams, stop and connect."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from apsis.model.state import State
from apsis.program import ArchiveProgram, NoOpProgram, Program, StatsProgram, VacuumProgram
from apsis.program.base import (
    Execution,
    Finished,
    Output,
    ProgramLost,
    ProgramUpdate,
    RunContext,
    Running,
    Services,
)
from apsis.timespec import format_time, parse_time

SCHEDULED = datetime(2026, 11, 21, 10, tzinfo=UTC)


class FakeServices:
    """The engine's side of the internal programs, recording what they asked."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def stats(self) -> dict[str, Any]:
        self.calls.append(("stats", {}))
        return {"runs": {"running": 2}, "jobs": 10}

    async def archive(
        self,
        *,
        age: float,
        path: str,
        count: int,
        chunk_size: int | None,
        chunk_sleep: float | None,
    ) -> dict[str, Any]:
        args = dict(age=age, path=path, count=count, chunk_size=chunk_size, chunk_sleep=chunk_sleep)
        self.calls.append(("archive", args))
        if self.fail:
            raise OSError("disk full")
        return {"run count": 3}

    async def vacuum(self) -> dict[str, Any]:
        self.calls.append(("vacuum", {}))
        return {"time": 0.5}


def context(services: Services | None = None) -> RunContext:
    return RunContext(run_id="r1", job_id="j", schedule_time=SCHEDULED, services=services)


async def collect(execution: Execution, stop_when_running: bool = False) -> list[ProgramUpdate]:
    updates = []
    async for update in execution.updates():
        updates.append(update)
        if isinstance(update, Running) and stop_when_running:
            await execution.signal(signal.SIGUSR1)  # Ignored by every kind here.
            await execution.stop()
    return updates


def run(program: Program, services: Services | None = None) -> list[ProgramUpdate]:
    return asyncio.run(collect(program.start(context(services))))


def test_noop_records_its_start_and_succeeds_at_once() -> None:
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    updates = run(NoOpProgram())
    assert len(updates) == 2
    running, end = updates
    assert isinstance(running, Running)
    assert before <= parse_time(running.run_state["start"]) <= datetime.now(UTC)
    assert end == Finished(State.success)


@pytest.mark.parametrize(
    ("success", "end"),
    [
        (False, Finished(State.failure, reason="no-op failure")),
        (None, Finished(State.error, reason="no-op error")),
    ],
)
def test_noop_ends_as_its_success_key_says(success: bool | None, end: Finished) -> None:
    assert run(NoOpProgram(success=success))[-1] == end


def test_noop_waits_for_its_duration() -> None:
    started = time.monotonic()
    end = run(NoOpProgram(duration=0.1, success=False))[-1]
    assert end == Finished(State.failure, reason="no-op failure")
    assert time.monotonic() - started >= 0.1


def test_a_stopped_noop_ends_at_once_as_success() -> None:
    started = time.monotonic()
    execution = NoOpProgram(duration=30.0, success=False).start(context())
    updates = asyncio.run(collect(execution, stop_when_running=True))
    assert updates[-1] == Finished(State.success, meta={"stopped": True})
    assert time.monotonic() - started < 1


def test_a_connected_noop_waits_only_for_the_rest_of_its_duration() -> None:
    program = NoOpProgram(duration=0.3)
    start = datetime.now(UTC) - timedelta(seconds=0.2)
    started = time.monotonic()
    updates = asyncio.run(collect(program.connect(context(), {"start": format_time(start)})))
    assert updates == [Finished(State.success)]  # Already running: no second `Running`.
    assert 0.05 <= time.monotonic() - started < 0.25


def test_a_connected_noop_past_its_duration_ends_at_once() -> None:
    program = NoOpProgram(duration=60.0, success=None)
    execution = program.connect(context(), {"start": "2026-01-01T00:00:00Z"})
    assert asyncio.run(collect(execution)) == [Finished(State.error, reason="no-op error")]


def test_a_noop_without_a_start_time_cannot_be_connected() -> None:
    with pytest.raises(ProgramLost, match=r"^lost at restart: no start time"):
        NoOpProgram().connect(context(), {})


def test_stats_writes_the_statistics_as_json_output() -> None:
    updates = run(StatsProgram(), FakeServices())
    assert isinstance(updates[0], Running)
    assert updates[1:] == [
        Output(b'{"runs": {"running": 2}, "jobs": 10}\n'),
        Finished(State.success),
    ]


def test_stats_appends_one_line_per_run_to_its_path(tmp_path: Path) -> None:
    path = tmp_path / "stats.jsonl"
    for _ in range(2):
        assert run(StatsProgram(path=str(path)), FakeServices())[-1] == Finished(State.success)
    lines = path.read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"runs": {"running": 2}, "jobs": 10}] * 2


def test_stats_that_cannot_write_its_path_ends_in_error(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "stats.jsonl"
    end = run(StatsProgram(path=str(path)), FakeServices())[-1]
    assert end == Finished(State.error, reason=f"[Errno 2] No such file or directory: '{path}'")


def test_archive_passes_its_keys_to_the_service_and_reports_its_result() -> None:
    services = FakeServices()
    program = ArchiveProgram(age=86400.0, path="a.db", count=100, chunk_size=10, chunk_sleep=0.5)
    assert run(program, services)[-1] == Finished(State.success, {"run count": 3})
    assert services.calls == [
        (
            "archive",
            {"age": 86400.0, "path": "a.db", "count": 100, "chunk_size": 10, "chunk_sleep": 0.5},
        )
    ]


def test_vacuum_reports_the_services_result() -> None:
    assert run(VacuumProgram(), FakeServices())[-1] == Finished(State.success, {"time": 0.5})


def test_a_failing_service_duty_ends_in_error_rather_than_raising() -> None:
    program = ArchiveProgram(age=60.0, path="a.db", count=1)
    assert run(program, FakeServices(fail=True))[-1] == Finished(State.error, reason="disk full")


@pytest.mark.parametrize(
    "program", [StatsProgram(), ArchiveProgram(age=60.0, path="a.db", count=1), VacuumProgram()]
)
def test_internal_programs_need_the_service(program: Program) -> None:
    assert run(program) == [Finished(State.error, reason="internal programs need the service")]
