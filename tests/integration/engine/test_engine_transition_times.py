"""A transition may say when it happened (a run's program started before the service
heard of it); its time stays between the previous state's and now."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from apsis.engine.clock import FakeClock
from apsis.model.state import State
from apsis.timespec import format_time

from .harness import START, running_engine, settle, stored_run, write_jobs

JOBS = {"never": "program: {type: no-op}\ncondition: {type: const, value: false}"}


def test_a_reported_time_is_kept_between_the_previous_state_and_now(tmp_path: Path) -> None:
    write_jobs(tmp_path, JOBS)
    clock = FakeClock(START)

    async def scenario() -> None:
        async with running_engine(tmp_path, clock) as engine:
            run = engine.schedule("never", {})
            await settle(lambda: run.state == State.waiting, message="waiting")
            waiting = run.times["waiting"]
            clock.set(START + timedelta(seconds=10))
            # Before the previous state: the previous state's time.
            engine.transition(run, State.starting, at=waiting - timedelta(seconds=5))
            assert run.times["starting"] == waiting
            # Within: as reported.
            engine.transition(run, State.running, at=START + timedelta(seconds=4))
            assert run.times["running"] == START + timedelta(seconds=4)
            # After now: now.
            await engine.transition(run, State.success, at=START + timedelta(seconds=60))
            assert run.times["success"] == START + timedelta(seconds=10)
            assert run.meta["elapsed"] == 6.0
            stored = await stored_run(engine, run)
            assert stored["times"]["running"] == format_time(START + timedelta(seconds=4))

    asyncio.run(scenario())
