"""Conditions gate runs, woken by the transitions they watch (SPEC §6)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from apsis.engine.clock import FakeClock

from .harness import (
    START,
    Concurrency,
    advance,
    idle,
    run_log,
    running_engine,
    settle,
    states,
    stored_run,
    wait_state,
    write_jobs,
)


def test_dependency_waits_for_the_run_with_the_same_args(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "a": "params: [date]\nprogram: {type: no-op}",
            "b": "params: [date]\nprogram: {type: no-op}\ncondition: {type: dependency, job_id: a}",
        },
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            b1 = engine.schedule("b", {"date": "2026-11-23"})
            b2 = engine.schedule("b", {"date": "2026-11-24"})
            await idle(engine)
            assert states([b1, b2]) == ["waiting", "waiting"]

            engine.schedule("a", {"date": "2026-11-23"})
            await idle(engine)
            assert states([b1, b2]) == ["success", "waiting"]

            engine.schedule("a", {"date": "2026-11-24"})
            await idle(engine)
            assert states([b1, b2]) == ["success", "success"]
            log = await run_log(engine, b1)
            assert log[:3] == [
                "scheduled: now",
                "waiting",
                "waiting until: dependency on a date=2026-11-23 in success",
            ]
            assert log[3:] == ["starting", "running", "success"]

    asyncio.run(body())


def test_dependency_is_not_met_by_a_failed_run(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "a": "program: 'exit 1'",
            "b": "program: {type: no-op}\ncondition: {type: dependency, job_id: a}",
        },
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            a = engine.schedule("a", {})
            await idle(engine)
            b = engine.schedule("b", {})
            await idle(engine)
            assert (a.state.value, b.state.value) == ("failure", "waiting")

    asyncio.run(body())


def test_dependency_with_exist_errors_at_once_when_no_run_exists(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "a": "params: [date]\nprogram: {type: no-op}",
            "b": (
                "params: [date]\nprogram: {type: no-op}\n"
                "condition: {type: dependency, job_id: a, exist: [success]}"
            ),
        },
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            # A run of another instance does not count.
            engine.schedule("a", {"date": "2026-11-22"})
            await idle(engine)
            b = engine.schedule("b", {"date": "2026-11-23"})
            await idle(engine)
            assert b.state.value == "error"
            reason = "error: no run of a date=2026-11-23 in success"
            assert (await run_log(engine, b))[-1] == reason
            assert (await stored_run(engine, b))["state"] == "error"

            engine.schedule("a", {"date": "2026-11-23"})
            await idle(engine)
            again = engine.schedule("b", {"date": "2026-11-23"})
            await idle(engine)
            assert again.state.value == "success"

    asyncio.run(body())


def test_max_running_releases_exactly_count_of_many_runs_freed_by_one_event(
    tmp_path: Path,
) -> None:
    write_jobs(
        tmp_path,
        {
            "a": "program: {type: no-op}",
            "b": (
                "program: 'sleep 0.15'\n"
                "condition:\n"
                "  - {type: dependency, job_id: a}\n"
                "  - {type: max_running, count: 2}\n"
            ),
        },
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            active = Concurrency(engine, {"b"})
            bs = [engine.schedule("b", {}) for _ in range(5)]
            await idle(engine)
            assert set(states(bs)) == {"waiting"}

            engine.schedule("a", {})
            await idle(engine)
            assert states(bs) == ["success"] * 5
            assert active.max == 2
            # The one event (a's success) released exactly two; each of the other three
            # started only once enough others had finished to leave it a place.
            finished_before = [active.finished_before(b) for b in bs]
            assert finished_before[:2] == [0, 0]
            assert all(done >= i - 1 for i, done in enumerate(finished_before))
            logs = [await run_log(engine, b) for b in bs[2:]]
            assert all("waiting until: at most 2 running" in log for log in logs)

    asyncio.run(body())


def test_max_running_never_exceeded_by_runs_due_together(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {"job": "program: 'sleep 0.1'\ncondition: {type: max_running, count: 2}"},
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            active = Concurrency(engine, {"job"})
            runs = [engine.schedule("job", {}) for _ in range(5)]
            await idle(engine)
            assert states(runs) == ["success"] * 5
            assert active.max == 2

    asyncio.run(body())


def test_skip_duplicate_skips_a_second_run_naming_the_first(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {"job": "params: [date]\nprogram: 'sleep 0.3'\ncondition: {type: skip_duplicate}"},
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            first = engine.schedule("job", {"date": "2026-11-23"})
            await wait_state(engine, first, "running")
            second = engine.schedule("job", {"date": "2026-11-23"})
            other = engine.schedule("job", {"date": "2026-11-24"})
            await idle(engine)
            assert states([first, second, other]) == ["success", "skipped", "success"]
            assert (await run_log(engine, second))[-1] == f"skipped: {first.run_id} is running"

    asyncio.run(body())


def test_skip_duplicate_lets_exactly_one_of_runs_released_together_go(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "a": "program: {type: no-op}",
            "b": (
                "program: {type: no-op}\n"
                "condition:\n"
                "  - {type: dependency, job_id: a}\n"
                "  - {type: skip_duplicate, check_states: [starting, running]}\n"
            ),
        },
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            bs = [engine.schedule("b", {}) for _ in range(3)]
            await idle(engine)
            engine.schedule("a", {})
            await idle(engine)
            assert states(bs) == ["success", "skipped", "skipped"]
            for b in bs[1:]:
                assert (await run_log(engine, b))[-1] == f"skipped: {bs[0].run_id} is starting"

    asyncio.run(body())


def test_a_run_waiting_longer_than_max_time_errors(tmp_path: Path) -> None:
    write_jobs(
        tmp_path, {"never": "program: {type: no-op}\ncondition: {type: const, value: false}"}
    )

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock, "waiting: {max_time: 1 min}") as engine:
            run = engine.schedule("never", {})
            await advance(engine, clock, START + timedelta(seconds=59), timedelta(seconds=30))
            assert run.state.value == "waiting"
            await advance(engine, clock, START + timedelta(seconds=60), timedelta(seconds=1))
            assert run.state.value == "error"
            assert run.times["error"] == START + timedelta(seconds=60)
            log = await run_log(engine, run)
            assert log[-2:] == ["waiting until: const false", "error: waiting: timeout after 60 s"]
            assert (await stored_run(engine, run))["state"] == "error"

    asyncio.run(body())


def test_a_resource_shared_by_two_jobs_is_held_by_one_run_at_a_time(tmp_path: Path) -> None:
    resource = "condition: {type: resource, name: db}\n"
    write_jobs(
        tmp_path,
        {
            "hourly": f"program: 'sleep 0.15'\n{resource}",
            "rebuild": f"program: 'sleep 0.15'\n{resource}",
            "other": "program: 'sleep 0.15'\ncondition: {type: resource, name: cache}",
        },
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            active = Concurrency(engine, {"hourly", "rebuild"})
            both = Concurrency(engine, {"hourly", "rebuild", "other"})
            runs = [engine.schedule(job_id, {}) for job_id in ("rebuild", "hourly", "rebuild")]
            other = engine.schedule("other", {})
            await idle(engine)
            assert states([*runs, other]) == ["success"] * 4
            assert active.max == 1
            assert [active.finished_before(run) for run in runs] == [0, 1, 2]
            # Another resource's holder is not held back.
            assert both.max == 2
            log = await run_log(engine, runs[1])
            assert "waiting until: resource db (at most 1 at once)" in log

    asyncio.run(body())


def test_poll_releases_the_run_once_the_file_exists(tmp_path: Path) -> None:
    flag, attempts = tmp_path / "arrived", tmp_path / "attempts"
    command = f"echo . >> {attempts}; test -e {flag}"
    write_jobs(
        tmp_path,
        {"job": f"program: {{type: no-op}}\ncondition: {{type: poll, command: '{command}'}}"},
    )

    def count() -> int:
        return len(attempts.read_text()) // 2 if attempts.exists() else 0

    async def body() -> None:
        clock = FakeClock(START)
        async with running_engine(tmp_path, clock) as engine:
            run = engine.schedule("job", {})
            await settle(lambda: count() == 1, message="the first attempt")
            # The next attempt waits for the interval on the engine's clock.
            await asyncio.sleep(0.2)
            assert (count(), run.state.value) == (1, "waiting")
            clock.set(START + timedelta(minutes=1))
            await settle(lambda: count() == 2, message="the second attempt")
            assert run.state.value == "waiting"
            flag.touch()
            # Move the clock a minute at a time until an attempt sees the file (one in
            # flight when the clock moves sleeps a minute from its end).
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while run.state.value == "waiting" and loop.time() < deadline:
                clock.set(clock.now() + timedelta(minutes=1))
                await asyncio.sleep(0.05)
            await wait_state(engine, run, "success")
            assert f"waiting until: poll every 60s: {command}" in await run_log(engine, run)

    asyncio.run(body())
