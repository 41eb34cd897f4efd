"""Programs run through the agent and outlive the service (SPEC §4, §10): a service
killed or stopped while runs are running or stopping picks them up at its next start,
with their whole output."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from live_service import FINISHED, Service, wait_for

MakeService = Callable[..., Service]
APSIS_AGENT = str(Path(sys.executable).parent / "apsis-agent")

COUNT = 50
JOBS = {
    "two seconds": """
        program:
          type: shell
          command: 'echo start-$APSIS_RUN_ID; sleep 2; echo done-$APSIS_RUN_ID'
    """,
    "graceful": """
        program:
          type: shell
          command: |
            trap 'sleep 1; echo stopped-$APSIS_RUN_ID; exit 0' TERM
            echo start-$APSIS_RUN_ID
            sleep 30 & wait
    """,
}


def wait_all(service: Service, run_ids: list[str], *states: str) -> dict[str, dict[str, Any]]:
    """Every run once each is in one of `states` (failing at once if one finishes in
    another)."""
    return {run_id: service.wait_state(run_id, *states) for run_id in run_ids}


def wait_finished(service: Service, run_id: str) -> dict[str, Any]:
    return wait_for(
        f"{run_id} to finish",
        lambda: run if (run := service.run(run_id))["state"] in FINISHED else None,
    )


@pytest.mark.parametrize("kill", [signal.SIGKILL, signal.SIGTERM])
def test_running_programs_survive_the_service_and_end_with_their_whole_output(
    make_service: MakeService, kill: signal.Signals
) -> None:
    service = make_service(JOBS)
    run_ids = service.schedule_many("two seconds", COUNT)
    wait_all(service, run_ids, "running")
    wait_for(
        "every run's first line",
        lambda: all(service.output(r).startswith("start-") for r in run_ids) or None,
    )
    assert service.process is not None
    service.process.send_signal(kill)
    assert service.wait_exit() == (-signal.SIGKILL if kill == signal.SIGKILL else 0)

    service.start()
    runs = wait_all(service, run_ids, "success")
    for run_id, run in runs.items():
        assert service.output(run_id) == f"start-{run_id}\ndone-{run_id}\n"
        # From running before the restart to success after it: the whole run.
        assert run["meta"]["elapsed"] >= 2.0, run
        # The agent's own measure, from just after the spawn.
        assert run["meta"]["program"]["elapsed"] >= 1.95, run
        assert "reconnected after restart" in service.run_log(run_id)


def test_stopping_programs_carry_on_stopping_while_the_service_is_down(
    make_service: MakeService,
) -> None:
    service = make_service(JOBS)
    run_ids = service.schedule_many("graceful", 10)
    wait_all(service, run_ids, "running")
    wait_for(
        "every run's first line",
        lambda: all(service.output(r) for r in run_ids) or None,
    )
    for run_id in run_ids:
        assert service.post(f"/runs/{run_id}/stop").status_code == 200
    wait_all(service, run_ids, "stopping")
    assert service.process is not None
    service.process.send_signal(signal.SIGKILL)
    service.wait_exit()

    service.start()
    runs = wait_all(service, run_ids, "success")
    for run_id, run in runs.items():
        assert service.output(run_id) == f"start-{run_id}\nstopped-{run_id}\n"
        assert run["meta"]["program"]["stopped"] is True
        assert "stopping" in run["times"]


def test_a_process_released_while_the_service_was_down_ends_its_run_in_error(
    make_service: MakeService,
) -> None:
    service = make_service(JOBS)
    run_id = service.schedule("two seconds")
    run = service.wait_state(run_id, "running")
    proc_id = run["meta"]["program"]["proc_id"]
    assert service.process is not None
    service.process.send_signal(signal.SIGKILL)
    service.wait_exit()
    released = subprocess.run(
        [APSIS_AGENT, "clean", proc_id, "--state-dir", str(service.agent_dir)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert released.stdout == "released 1 of 1\n"

    service.start()
    run = wait_finished(service, run_id)
    assert run["state"] == "error"
    log = service.run_log(run_id)
    assert any(
        line.startswith("error: lost at restart: the agent on localhost has no process")
        and proc_id in line
        for line in log
    ), log


def test_a_run_caught_starting_is_started_once_after_the_restart(
    make_service: MakeService, tmp_path: Path
) -> None:
    """The first run of a new agent waits for it to start: the service is killed
    meanwhile, before the agent has answered, and the next service starts the run
    again; it runs once."""
    runs_file = tmp_path / "runs"
    jobs = {"counted": f"program: {{type: shell, command: 'echo $APSIS_RUN_ID >> {runs_file}'}}"}
    service = make_service(jobs)
    run_id = service.schedule("counted")
    assert service.run(run_id)["state"] == "starting"
    assert service.process is not None
    service.process.send_signal(signal.SIGKILL)
    service.wait_exit()

    service.start()
    run = wait_finished(service, run_id)
    assert run["state"] == "success", service.run_log(run_id)
    assert "starting again after restart (it starts once)" in service.run_log(run_id)
    assert runs_file.read_text() == f"{run_id}\n"
