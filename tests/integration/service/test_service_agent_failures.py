"""When the agent fails (SPEC §4, §10): killed, its state lost, unreachable, or unable to
start a process. Every run still ends, in error with a reason that says what happened."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Callable
from typing import Any

from live_service import FINISHED, Service, wait_for

MakeService = Callable[..., Service]

JOBS = {
    "two seconds": """
        program:
          type: shell
          command: 'echo start-$APSIS_RUN_ID; sleep 2; echo done-$APSIS_RUN_ID'
    """,
    "long": """
        program: {type: program, argv: [sleep, "60"]}
    """,
    "nowhere": """
        program: {type: shell, command: "true", cwd: /nonexistent/directory}
    """,
    "as nobody": """
        program: {type: shell, command: "true", user: apsis-no-such-user}
    """,
}


def wait_finished(service: Service, run_id: str) -> dict[str, Any]:
    return wait_for(
        f"{run_id} to finish",
        lambda: run if (run := service.run(run_id))["state"] in FINISHED else None,
    )


def error_line(service: Service, run_id: str) -> str:
    run = wait_finished(service, run_id)
    log = service.run_log(run_id)
    assert run["state"] == "error", log
    return next(line for line in log if line.startswith("error: "))


def kill_agent(service: Service) -> None:
    for pid in service.agent_pids():
        os.kill(pid, signal.SIGKILL)
    wait_for("the agent to die", lambda: True if not service.agent_pids() else None)


def kill_groups(pgids: list[int]) -> None:
    for pgid in pgids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)


def test_a_killed_agent_is_restarted_and_its_runs_end_with_the_exit_status_lost(
    make_service: MakeService,
) -> None:
    service = make_service(JOBS)
    run_ids = service.schedule_many("two seconds", 5)
    for run_id in run_ids:
        service.wait_state(run_id, "running")
    wait_for("first lines", lambda: all(service.output(r) for r in run_ids) or None)
    kill_agent(service)
    for run_id in run_ids:
        line = error_line(service, run_id)
        assert line == "error: exit status lost: the agent restarted while the process ran"
        # The new agent adopted the process and its spool: nothing of the output is lost.
        assert service.output(run_id) == f"start-{run_id}\ndone-{run_id}\n"
    assert service.agent_pids(), "the service started a new agent"


def test_an_agent_that_lost_its_state_directory_ends_the_runs_it_had_in_error(
    make_service: MakeService,
) -> None:
    service = make_service(JOBS)
    run_id = service.schedule("long")
    run = service.wait_state(run_id, "running")
    program = run["meta"]["program"]
    try:
        kill_agent(service)
        shutil.rmtree(service.agent_dir)
        line = error_line(service, run_id)
    finally:
        kill_groups([program["pid"]])
    assert line.startswith(
        f"error: lost: the agent on localhost has no process {program['proc_id']}"
    )


def test_an_unreachable_agent_is_sought_for_the_reconnect_timeout_then_its_runs_fail(
    make_service: MakeService,
) -> None:
    service = make_service(JOBS, "agent: {reconnect_timeout: 3s}\n")
    run_id = service.schedule("long")
    run = service.wait_state(run_id, "running")
    try:
        kill_agent(service)
        # A file where the state directory was: no agent can start there.
        shutil.rmtree(service.agent_dir)
        service.agent_dir.write_text("")
        began = time.monotonic()
        line = error_line(service, run_id)
        waited = time.monotonic() - began
    finally:
        kill_groups([run["meta"]["program"]["pid"]])
    assert line.startswith(
        "error: the agent on localhost could not be reached for 3 s: cannot start the agent"
    ), line
    assert 2.0 <= waited < 15, waited
    assert "retrying in" in service.log


def test_a_process_the_agent_cannot_start_ends_in_error_with_its_reason(
    make_service: MakeService,
) -> None:
    service = make_service(JOBS)
    run_id = service.schedule("nowhere")
    line = error_line(service, run_id)
    assert line.startswith("error: cannot start: [Errno 2] No such file or directory"), line
    assert "/nonexistent/directory" in line


def test_a_user_sudo_cannot_switch_to_ends_the_run_in_error_naming_the_user(
    make_service: MakeService,
) -> None:
    service = make_service(JOBS)
    run_id = service.schedule("as nobody")
    line = error_line(service, run_id)
    assert line.startswith("error: cannot start the agent on apsis-no-such-user@localhost"), line
    assert "apsis-no-such-user" in line.split(":", 2)[2]


def test_an_agent_gone_idle_is_started_again_for_the_next_run(
    make_service: MakeService,
) -> None:
    service = make_service({"echo": "program: {type: shell, command: 'echo $APSIS_RUN_ID'}"},
                           "agent: {idle_timeout: 1s}\n")  # fmt: skip
    first = service.schedule("echo")
    service.wait_state(first, "success")
    (pid,) = service.agent_pids()
    wait_for("the idle agent to exit", lambda: True if pid not in service.agent_pids() else None)
    second = service.schedule("echo")
    service.wait_state(second, "success")
    assert service.output(second) == f"{second}\n"
    assert service.agent_pids() and pid not in service.agent_pids()
