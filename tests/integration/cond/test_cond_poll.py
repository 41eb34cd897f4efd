"""`poll` runs its command for real: exit status, environment, hangs, cancellation."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

import apsis.cond.poll
from apsis.cond import Poll
from apsis.cond.base import Transition, Verdict
from apsis.model.run import Run
from apsis.model.state import State

RUN = Run(
    run_id="r5",
    job_id="etl/load",
    args={},
    state=State.waiting,
    times={"schedule": datetime(2026, 11, 21, tzinfo=UTC)},
)


def poll(command: str, interval: float = 5.0) -> Verdict | Transition:
    return asyncio.run(Poll(command=command, interval=interval).poll(RUN))


def test_poll_passes_when_the_command_exits_zero() -> None:
    assert poll("exit 0") is Verdict.PASS


def test_poll_waits_when_the_command_fails() -> None:
    assert poll("exit 3") is Verdict.WAIT
    assert poll("no-such-command-anywhere 2>/dev/null") is Verdict.WAIT


def test_poll_command_sees_the_run_in_its_environment() -> None:
    assert poll('test "$APSIS_RUN_ID $APSIS_JOB_ID" = "r5 etl/load"') is Verdict.PASS
    assert poll('test "$APSIS_RUN_ID" = "r6"') is Verdict.WAIT


def test_poll_passes_once_the_file_arrives(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    assert poll(f"test -f {path}") is Verdict.WAIT
    path.touch()
    assert poll(f"test -f {path}") is Verdict.PASS


def test_poll_command_that_cannot_start_errors_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apsis.cond.poll, "SHELL", "/nonexistent/bash")
    outcome = poll("true")
    assert isinstance(outcome, Transition)
    assert outcome.state is State.error
    assert outcome.reason.startswith("poll command cannot start: ")
    assert "/nonexistent/bash" in outcome.reason


def test_a_hung_poll_command_is_killed_and_waits(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(apsis.cond.poll, "MIN_ATTEMPT_TIME", 0.2)
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    assert poll(f"sleep 30 & echo $! > {pid_file}; wait", interval=0.2) is Verdict.WAIT
    assert time.monotonic() - started < 5
    assert_gone(int(pid_file.read_text()))


def test_cancelling_a_poll_kills_its_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"

    async def cancel_midway() -> None:
        task = asyncio.create_task(
            Poll(command=f"sleep 30 & echo $! > {pid_file}; wait", interval=60).poll(RUN)
        )
        while not pid_file.exists() or not pid_file.read_text().strip():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_midway())
    assert_gone(int(pid_file.read_text()))


def assert_gone(pid: int) -> None:
    """The background child of the command was killed with its group (and reaped by init)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if _is_zombie(pid):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} still alive")


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True
