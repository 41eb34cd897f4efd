"""`shell` and `program` run as real local processes: output, exit, signals, stop, timeout."""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from apsis.model.state import State
from apsis.program import ArgvProgram, ProcessProgram, ShellProgram
from apsis.program.base import (
    Execution,
    Finished,
    Output,
    ProgramLost,
    ProgramUpdate,
    RunContext,
    Running,
)
from apsis.program.local import CHUNK_SIZE, hostname, username

CONTEXT = RunContext(
    run_id="r7", job_id="etl/load", schedule_time=datetime(2026, 11, 21, 10, tzinfo=UTC)
)

React = Callable[[Execution, ProgramUpdate], Awaitable[None]]


async def collect(execution: Execution, react: React | None = None) -> list[ProgramUpdate]:
    updates = []
    async for update in execution.updates():
        updates.append(update)
        if react is not None:
            await react(execution, update)
    return updates


def run(program: ProcessProgram, react: React | None = None) -> list[ProgramUpdate]:
    return asyncio.run(collect(program.start(CONTEXT), react))


def output(updates: list[ProgramUpdate]) -> bytes:
    return b"".join(u.data for u in updates if isinstance(u, Output))


def finished(updates: list[ProgramUpdate]) -> Finished:
    assert isinstance(updates[0], Running)
    assert all(isinstance(u, Output) for u in updates[1:-1])
    last = updates[-1]
    assert isinstance(last, Finished)
    return last


def stop_when_ready(execution: Execution, update: ProgramUpdate) -> Awaitable[None]:
    """Stop once the program says `ready`, i.e. after it has set up its traps."""
    if isinstance(update, Output) and b"ready" in update.data:
        return execution.stop()
    return asyncio.sleep(0)


def gone(pid: int) -> bool:
    """Whether `pid` has died; a zombie counts, as this container's init may not reap."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def wait_until_gone(pid: int, deadline: float = 2.0) -> bool:
    end = time.monotonic() + deadline
    while not gone(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_success_captures_the_output_exactly_with_exit_metadata() -> None:
    updates = run(ShellProgram(command=r"printf 'one\ntwo\0three'"))
    running = updates[0]
    assert isinstance(running, Running)
    pid = running.run_state["pid"]
    assert running.run_state == {"pid": pid, "pgid": pid, "host": hostname(), "user": username()}
    assert set(running.meta) == {"hostname", "username", "pid", "start"}
    assert output(updates) == b"one\ntwo\0three"
    end = finished(updates)
    assert (end.state, end.reason) == (State.success, None)
    assert (end.meta["return_code"], end.meta["signal"]) == (0, None)
    assert end.meta["rusage"]["ru_maxrss"] > 0
    assert set(end.meta["rusage"]) >= {"ru_utime", "ru_stime", "ru_minflt", "ru_nvcsw"}
    assert 0 <= end.meta["elapsed"] < 2
    assert end.meta["end"].endswith("Z")


def test_large_output_arrives_whole_in_chunks_of_at_most_64_kib() -> None:
    updates = run(ArgvProgram(argv=["head", "-c", "300000", "/dev/urandom"]))
    chunks = [u.data for u in updates if isinstance(u, Output)]
    assert sum(map(len, chunks)) == 300_000
    assert max(map(len, chunks)) <= CHUNK_SIZE
    assert finished(updates).state == State.success


def test_a_nonzero_exit_is_a_failure_with_the_exit_code() -> None:
    end = finished(run(ShellProgram(command="echo partial; exit 3")))
    assert (end.state, end.reason, end.meta["return_code"]) == (State.failure, "exit code 3", 3)


def test_death_by_a_signal_is_a_failure_naming_it() -> None:
    end = finished(run(ShellProgram(command="kill -KILL $$")))
    assert (end.state, end.reason) == (State.failure, "killed by SIGKILL")
    assert (end.meta["return_code"], end.meta["signal"]) == (None, "SIGKILL")


def test_stdout_and_stderr_interleave_in_the_order_written() -> None:
    command = "echo 1; echo 2 >&2; echo 3; echo 4 >&2; echo 5"
    assert output(run(ShellProgram(command=command))) == b"1\n2\n3\n4\n5\n"


def test_environment_is_the_services_plus_env_plus_apsis_variables() -> None:
    program = ArgvProgram(argv=["/usr/bin/env"], env={"MODE": "full", "PORT": 8080})
    lines = output(run(program)).decode().splitlines()
    env = dict(line.split("=", 1) for line in lines if "=" in line)
    assert env["MODE"] == "full"
    assert env["PORT"] == "8080"
    assert env["APSIS_RUN_ID"] == "r7"
    assert env["APSIS_JOB_ID"] == "etl/load"
    assert env["APSIS_SCHEDULE_TIME"] == "2026-11-21T10:00:00Z"
    assert env["PATH"] == os.environ["PATH"]


def test_stdin_is_dev_null() -> None:
    assert output(run(ShellProgram(command="cat; echo end"))) == b"end\n"


def test_cwd_is_used_and_defaults_to_root(tmp_path: Path) -> None:
    assert output(run(ShellProgram(command="pwd", cwd=str(tmp_path)))) == f"{tmp_path}\n".encode()
    assert output(run(ShellProgram(command="pwd"))) == b"/\n"


@pytest.mark.parametrize(
    ("program", "reason"),
    [
        (
            ArgvProgram(argv=["nosuch"]),
            "cannot start: [Errno 2] No such file or directory: 'nosuch'",
        ),
        (
            ShellProgram(command="true", cwd="/nosuch"),
            "cannot start: [Errno 2] No such file or directory: '/nosuch'",
        ),
        (
            ArgvProgram(argv=["/tmp"]),
            "cannot start: [Errno 13] Permission denied: '/tmp'",
        ),
        (
            ShellProgram(command="true", user="nosuchuser"),
            "running as another user needs the agent (not available yet)",
        ),
        (
            ShellProgram(command="true", host="batch1.example.com"),
            "remote hosts need the agent (not available yet)",
        ),
    ],
)
def test_a_program_that_cannot_start_ends_in_error(program: ProcessProgram, reason: str) -> None:
    assert run(program) == [Finished(State.error, reason=reason)]


def test_this_host_and_user_may_be_named() -> None:
    for host in ("localhost", hostname()):
        program = ShellProgram(command="echo ok", host=host, user=username())
        assert output(run(program)) == b"ok\n"


def test_stop_kills_the_whole_process_group_and_counts_as_success() -> None:
    updates = run(
        ShellProgram(command="sleep 100 & echo ready $!; wait", stop={"grace_period": 5}),
        stop_when_ready,
    )
    grandchild = int(output(updates).split()[1])
    end = finished(updates)
    assert (end.state, end.reason) == (State.success, None)
    assert end.meta["stopped"] is True
    assert end.meta["signal"] == "SIGTERM"
    assert end.meta["elapsed"] < 2
    assert wait_until_gone(grandchild)


def test_stopping_a_plain_sleep_ends_it_as_success() -> None:
    async def stop_at_once(execution: Execution, update: ProgramUpdate) -> None:
        if isinstance(update, Running):
            await execution.stop()

    end = finished(run(ShellProgram(command="sleep 100"), stop_at_once))
    assert (end.state, end.meta["stopped"]) == (State.success, True)


def test_a_program_ignoring_the_stop_signal_is_killed_after_the_grace_period() -> None:
    command = "trap 'echo got TERM' TERM; echo ready; while :; do sleep 0.05; done"
    started = time.monotonic()
    updates = run(ShellProgram(command=command, stop={"grace_period": 0.3}), stop_when_ready)
    end = finished(updates)
    assert b"got TERM" in output(updates)
    assert (end.state, end.meta["stopped"], end.meta["signal"]) == (State.success, True, "SIGKILL")
    assert 0.3 <= time.monotonic() - started < 2


def test_a_stop_signal_reported_as_exit_code_128_plus_n_counts_as_stopped() -> None:
    command = "trap 'exit 143' TERM; echo ready; while :; do sleep 0.05; done"
    end = finished(run(ShellProgram(command=command), stop_when_ready))
    assert (end.state, end.meta["return_code"], end.meta["stopped"]) == (State.success, 143, True)


def test_an_error_exit_while_stopping_is_still_a_failure() -> None:
    command = "trap 'exit 2' TERM; echo ready; while :; do sleep 0.05; done"
    end = finished(run(ShellProgram(command=command), stop_when_ready))
    assert (end.state, end.reason, end.meta["stopped"]) == (State.failure, "exit code 2", True)


def test_stop_before_the_stream_starts_stops_the_process_once_running() -> None:
    async def main() -> list[ProgramUpdate]:
        execution = ShellProgram(command="sleep 100").start(CONTEXT)
        await execution.stop()
        return await collect(execution)

    end = finished(asyncio.run(main()))
    assert (end.state, end.meta["stopped"]) == (State.success, True)


def test_timeout_signals_the_group_and_is_a_failure() -> None:
    program = ShellProgram(command="sleep 100 & echo $!; wait", timeout={"duration": 0.2})
    updates = run(program)
    end = finished(updates)
    assert (end.state, end.reason, end.meta["signal"]) == (
        State.failure,
        "timeout after 0.2 s",
        "SIGTERM",
    )
    assert 0.2 <= end.meta["elapsed"] < 2
    assert wait_until_gone(int(output(updates)))


def test_timeout_escalates_to_sigkill_after_the_grace_period() -> None:
    command = "trap '' INT; sleep 100"
    program = ShellProgram(
        command=command, timeout={"duration": 0.1, "signal": "INT"}, stop={"grace_period": 0.2}
    )
    end = finished(run(program))
    assert (end.state, end.reason, end.meta["signal"]) == (
        State.failure,
        "timeout after 0.1 s",
        "SIGKILL",
    )
    assert 0.3 <= end.meta["elapsed"] < 2


def test_signal_reaches_the_program() -> None:
    async def send_usr1(execution: Execution, update: ProgramUpdate) -> None:
        if isinstance(update, Output) and b"ready" in update.data:
            await execution.signal(signal.SIGUSR1)

    command = "trap 'echo got USR1; exit 0' USR1; echo ready; while :; do sleep 0.05; done"
    updates = run(ShellProgram(command=command), send_usr1)
    # The group's `sleep` gets it too, and bash may report that ("User defined signal 1").
    assert output(updates).startswith(b"ready\n")
    assert output(updates).endswith(b"got USR1\n")
    assert finished(updates).state == State.success


def test_a_background_child_holding_the_output_does_not_hold_the_run() -> None:
    updates = run(ShellProgram(command="sleep 100 & echo $!"))
    straggler = int(output(updates))
    try:
        end = finished(updates)
        assert end.state == State.success
        assert end.meta["elapsed"] < 1
    finally:
        os.kill(straggler, signal.SIGKILL)


def test_abandoning_the_stream_kills_and_reaps_the_process() -> None:
    async def main() -> int:
        updates = ShellProgram(command="sleep 100").start(CONTEXT).updates()
        running = await anext(updates)
        assert isinstance(running, Running)
        await updates.aclose()  # type: ignore[attr-defined]
        return int(running.run_state["pid"])

    pid = asyncio.run(main())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # Reaped, not a zombie.


def test_cancelling_the_reader_kills_and_reaps_the_process() -> None:
    async def main() -> int:
        running: asyncio.Future[Running] = asyncio.get_running_loop().create_future()

        async def note_running(execution: Execution, update: ProgramUpdate) -> None:
            if isinstance(update, Running):
                running.set_result(update)

        reader = asyncio.create_task(
            collect(ShellProgram(command="sleep 100").start(CONTEXT), note_running)
        )
        pid = int((await running).run_state["pid"])
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader
        return pid

    pid = asyncio.run(main())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_without_pidfds_a_thread_reaps_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pidfd(pid: int, flags: int = 0) -> Any:
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(os, "pidfd_open", no_pidfd)
    updates = run(ShellProgram(command="echo hi; exit 4"))
    end = finished(updates)
    assert output(updates) == b"hi\n"
    assert (end.state, end.meta["return_code"]) == (State.failure, 4)
    assert end.meta["rusage"]["ru_maxrss"] > 0


def test_a_local_process_cannot_be_reconnected_after_a_restart() -> None:
    with pytest.raises(ProgramLost, match=r"^lost at restart: a local process \(pid 42\)"):
        ShellProgram(command="sleep 1").connect(CONTEXT, {"pid": 42, "pgid": 42})
