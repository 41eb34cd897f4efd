"""What a user may do to a run from each state, and what is refused (SPEC §2)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from apsis.calendars import CalendarLookup
from apsis.engine.clock import FakeClock
from apsis.engine.engine import Engine
from apsis.engine.operations import OperationError
from apsis.errors import ApsisError
from apsis.jobs import load_job_dir
from apsis.model.run import Run

from .harness import (
    START,
    advance,
    idle,
    output_of,
    run_log,
    running_engine,
    runs_of,
    settle,
    stored_run,
    wait_state,
    write_jobs,
)

JOBS = {
    "quick": "program: {type: no-op}",
    "fails": "program: 'exit 1'",
    "long": "program: 'sleep 30'",
    "never": "program: {type: no-op}\ncondition: {type: const, value: false}",
    # Ignores the stop signal, so it stays `stopping` until SIGKILL.
    "stubborn": (
        "program:\n"
        "  type: shell\n"
        "  command: \"trap '' TERM; echo ready; while true; do sleep 0.05; done\"\n"
        "  stop: {grace_period: 30}\n"
    ),
}


def rejected(run: Run, operation: str) -> re.Pattern[str]:
    """The rejection message names the run, its state and the operation."""
    return re.compile(rf"cannot {operation} {run.run_id}: it is {run.state.value} \(")


def test_start_runs_a_future_scheduled_run_now(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            run = engine.schedule("quick", {}, START + timedelta(hours=1))
            await idle(engine)
            assert run.state.value == "scheduled"
            engine.ops.start(run)
            await idle(engine)
            assert run.state.value == "success"
            assert run.times["success"] == START
            log = await run_log(engine, run)
            assert log == [
                "scheduled: 2026-11-23T01:00:00Z",
                "started by user",
                "starting",
                "running",
                "success",
            ]

    asyncio.run(body())


def test_start_of_a_scheduled_run_still_checks_its_conditions(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            run = engine.schedule("never", {}, START + timedelta(hours=1))
            engine.ops.start(run)
            await idle(engine)
            assert run.state.value == "waiting"

    asyncio.run(body())


def test_start_of_a_waiting_run_ignores_its_conditions(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            run = engine.schedule("never", {})
            await idle(engine)
            assert run.state.value == "waiting"
            engine.ops.start(run)
            await idle(engine)
            assert run.state.value == "success"
            assert (await run_log(engine, run))[-4:] == [
                "started by user",
                "starting",
                "running",
                "success",
            ]

    asyncio.run(body())


def test_start_is_rejected_for_running_and_finished_runs(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            long = engine.schedule("long", {})
            await wait_state(engine, long, "running")
            with pytest.raises(OperationError, match=rejected(long, "start")):
                engine.ops.start(long)
            done = engine.schedule("quick", {})
            await wait_state(engine, done, "success")
            with pytest.raises(OperationError, match=rejected(done, "start")):
                engine.ops.start(done)
            await engine.ops.stop(long)

    asyncio.run(body())


def test_skip_moves_scheduled_and_waiting_runs_to_skipped(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            scheduled = engine.schedule("quick", {}, START + timedelta(hours=1))
            waiting = engine.schedule("never", {})
            await idle(engine)
            engine.ops.skip(scheduled)
            engine.ops.skip(waiting)
            await idle(engine)
            for run in (scheduled, waiting):
                assert run.state.value == "skipped"
                assert (await run_log(engine, run))[-1] == "skipped: skipped by user"
                assert (await stored_run(engine, run))["state"] == "skipped"
            # Its time coming does not revive it.
            await advance(engine, clock, START + timedelta(hours=2), timedelta(hours=1))
            assert scheduled.state.value == "skipped"

    asyncio.run(body())


def test_skip_is_rejected_for_a_running_run(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            run = engine.schedule("long", {})
            await wait_state(engine, run, "running")
            with pytest.raises(OperationError, match=rejected(run, "skip")):
                engine.ops.skip(run)
            assert run.state.value == "running"
            await engine.ops.stop(run)

    asyncio.run(body())


def test_stop_ends_a_running_process_in_success(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            run = engine.schedule("long", {})
            await wait_state(engine, run, "running")
            await engine.ops.stop(run)
            assert run.state.value == "stopping"
            await idle(engine)
            assert run.state.value == "success"
            assert run.meta["program"]["stopped"] is True
            assert run.meta["program"]["signal"] == "SIGTERM"
            log = await run_log(engine, run)
            assert log[-2:] == ["stopping: stopped by user", "success"]

    asyncio.run(body())


def test_stop_is_rejected_unless_running(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            scheduled = engine.schedule("quick", {}, START + timedelta(hours=1))
            with pytest.raises(OperationError, match=rejected(scheduled, "stop")):
                await engine.ops.stop(scheduled)
            done = engine.schedule("quick", {})
            await idle(engine)
            with pytest.raises(OperationError, match=rejected(done, "stop")):
                await engine.ops.stop(done)
            assert (scheduled.state.value, done.state.value) == ("scheduled", "success")

    asyncio.run(body())


def test_signal_reaches_a_running_process(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            run = engine.schedule("long", {})
            await wait_state(engine, run, "running")
            await engine.ops.signal(run, "usr1")
            await idle(engine)
            assert run.state.value == "failure"
            log = await run_log(engine, run)
            assert log[-2:] == ["sent SIGUSR1 by user", "failure: killed by SIGUSR1"]

    asyncio.run(body())


def test_signal_reaches_a_stopping_process(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            run = engine.schedule("stubborn", {})
            await wait_state(engine, run, "running")
            # Not before the shell ignores SIGTERM.
            await settle(lambda: b"ready" in engine.runner.outputs[run.run_id], message="ready")
            await engine.ops.stop(run)
            await asyncio.sleep(0.1)
            assert run.state.value == "stopping"
            await engine.ops.signal(run, "SIGKILL")
            await idle(engine)
            # Killed while stopping, as the stop would have done after the grace period.
            assert run.state.value == "success"
            assert "sent SIGKILL by user" in await run_log(engine, run)

    asyncio.run(body())


def test_signal_is_rejected_for_a_finished_run_and_a_bad_name(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            done = engine.schedule("quick", {})
            await idle(engine)
            with pytest.raises(OperationError, match=rejected(done, "signal")):
                await engine.ops.signal(done, "TERM")
            run = engine.schedule("long", {})
            await wait_state(engine, run, "running")
            with pytest.raises(ApsisError, match="'SIGBOGUS' is not a signal"):
                await engine.ops.signal(run, "SIGBOGUS")
            assert run.state.value == "running"
            await engine.ops.stop(run)

    asyncio.run(body())


def test_mark_forces_a_finished_run_into_another_finished_state(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            run = engine.schedule("quick", {})
            await idle(engine)
            clock.set(START + timedelta(minutes=5))
            engine.ops.mark(run, "failure")
            await idle(engine)
            assert run.state.value == "failure"
            assert run.times["failure"] == START + timedelta(minutes=5)
            assert (await run_log(engine, run))[-1] == "marked as failure"
            stored = await stored_run(engine, run)
            assert stored["state"] == "failure"
            engine.ops.mark(run, "success")
            await idle(engine)
            assert (await stored_run(engine, run))["state"] == "success"

    asyncio.run(body())


def test_mark_is_rejected_for_unfinished_runs_same_and_unfinished_states(
    tmp_path: Path,
) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            waiting = engine.schedule("never", {})
            await idle(engine)
            with pytest.raises(OperationError, match=rf"{waiting.run_id}: it is waiting"):
                engine.ops.mark(waiting, "success")
            done = engine.schedule("fails", {})
            await idle(engine)
            with pytest.raises(OperationError, match=rf"{done.run_id} failure: it already is"):
                engine.ops.mark(done, "failure")
            with pytest.raises(OperationError, match="not a finished state"):
                engine.ops.mark(done, "running")
            with pytest.raises(ApsisError, match="'bogus' is not a run state"):
                engine.ops.mark(done, "bogus")
            assert (waiting.state.value, done.state.value) == ("waiting", "failure")

    asyncio.run(body())


def replace_job(engine: Engine, root: Path, job_id: str, text: str) -> None:
    write_jobs(root, {job_id: text})
    engine.replace_jobs(load_job_dir(root / "jobs", CalendarLookup(None)))


def test_rerun_uses_the_current_job_definition_and_keeps_the_stop_time(
    tmp_path: Path,
) -> None:
    at = START + timedelta(hours=1)
    schedule = (
        "schedule:\n"
        f"  start: {{type: explicit, times: '{at.isoformat()}'}}\n"
        "  stop: {type: duration, duration: 2h}\n"
    )
    write_jobs(tmp_path, {"job": f"program: 'echo first; exit 1'\n{schedule}"})

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            await advance(engine, clock, at, timedelta(hours=1))
            (original,) = runs_of(engine, "job")
            assert original.state.value == "failure"
            replace_job(engine, tmp_path, "job", f"program: 'echo second'\n{schedule}")
            clock.set(at + timedelta(minutes=30))
            rerun = engine.ops.rerun(original)
            await idle(engine)
            assert rerun.rerun_of == original.run_id
            assert rerun.number > original.number
            assert rerun.args == original.args
            assert rerun.state.value == "success"
            assert rerun.schedule_time == at + timedelta(minutes=30)
            assert rerun.times["stop"] == original.times["stop"] == at + timedelta(hours=2)
            assert await output_of(engine, rerun) == b"second\n"
            assert (await stored_run(engine, rerun))["rerun_of"] == original.run_id
            assert (await run_log(engine, original))[-1] == f"rerun as {rerun.run_id}"
            rerun_log = await run_log(engine, rerun)
            assert rerun_log[0] == f"scheduled: now; rerun of {original.run_id}"

    asyncio.run(body())


def test_rerun_is_rejected_for_unfinished_runs(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            waiting = engine.schedule("never", {})
            running = engine.schedule("long", {})
            await wait_state(engine, running, "running")
            for run in (waiting, running):
                with pytest.raises(OperationError, match=rejected(run, "rerun")):
                    engine.ops.rerun(run)
            assert len(runs_of(engine, "never")) == len(runs_of(engine, "long")) == 1
            await engine.ops.stop(running)

    asyncio.run(body())
