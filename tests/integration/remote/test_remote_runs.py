"""Runs on other hosts, through ssh and the agent, and as other users, through sudo
(SPEC §4, §10), against the real service, a real sshd and a real local user."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from live_service import FINISHED, Service, wait_for
from local_user import NO_SUCH_USER
from sshd import HOSTS, POOL, UNREACHABLE, Sshd

MakeService = Callable[..., Service]

WHERE = r"""
# Which agent holds this process: the port of the ssh session its agent was started
# in, and the host alias that agent's state directory is named after.
p=$PPID
while [ "$p" -gt 1 ]; do
  e=$(tr "\0" "\n" < /proc/$p/environ)
  case "$e" in *SSH_CONNECTION=*)
    echo "$e" | sed -n -e "s/^SSH_CONNECTION=.* /port /p" -e "s,^APSIS_AGENT_DIR=.*/,via ,p"
    break;;
  esac
  p=$(sed -n "s/^PPid:\t//p" /proc/$p/status)
done
"""


def shell_job(host: str, command: str) -> str:
    """A shell job on `host` that runs `command`, then says which agent ran it."""
    script = f"{command}\n{WHERE}".replace("\n", "\n    ")
    return f"program:\n  type: shell\n  host: {host}\n  command: |\n    {script}\n"


JOBS = {
    "remote": shell_job("localhost", 'echo "run $APSIS_RUN_ID"; hostname; id -un'),
    "pooled": shell_job(POOL, 'echo "pooled $APSIS_RUN_ID"'),
    "slow": """
        program:
          type: shell
          host: apsis-test-host
          command: 'echo begin; sleep 4; echo end'
    """,
    "long": """
        program: {type: program, host: localhost, argv: [sleep, "120"], stop: {grace_period: 20s}}
    """,
    "stubborn": """
        program:
          type: shell
          host: localhost
          command: 'trap "" TERM; echo stubborn; sleep 120'
          stop: {grace_period: 1s}
    """,
    "unreachable": f"""
        program: {{type: shell, host: {UNREACHABLE}, command: "echo never"}}
    """,
    "as user": """
        program: {type: shell, user: apsis-test, command: 'id -un; echo "as $APSIS_RUN_ID"'}
    """,
    "as user there": """
        program: {type: shell, host: apsis-test-host, user: apsis-test, command: 'id -un'}
    """,
    "as nobody": f"""
        program: {{type: shell, user: {NO_SUCH_USER}, command: "echo never"}}
    """,
}


def output(service: Service, run_id: str) -> str:
    response = service.get(f"/runs/{run_id}/output/output")
    return response.text if response.status_code == 200 else ""


def program_meta(run: dict[str, Any]) -> dict[str, Any]:
    return dict(run.get("meta", {}).get("program") or {})


def ran(service: Service, run_id: str) -> tuple[list[str], dict[str, str]]:
    """The output lines of a `shell_job` run before its WHERE part, and that part."""
    lines, where = [], {}
    for line in output(service, run_id).splitlines():
        key, _, value = line.partition(" ")
        if key in ("port", "via"):
            where[key] = value
        else:
            lines.append(line)
    return lines, where


def wait_finished(service: Service, run_id: str) -> dict[str, Any]:
    """The run once it has finished, in whichever state."""
    return wait_for(
        f"{run_id} to finish",
        lambda: run if (run := service.run(run_id))["state"] in FINISHED else None,
    )


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3] != b"Z"


@pytest.fixture(scope="module")
def service(module_remote_service: MakeService) -> Service:
    """One service for the tests that neither restart it nor leave a run running."""
    return module_remote_service(JOBS)


def test_shell_job_on_a_host_runs_through_ssh_and_names_the_host(
    service: Service, sshd: Sshd
) -> None:
    run_id = service.schedule("remote")
    run = service.wait_state(run_id, "success")
    lines, where = ran(service, run_id)
    assert lines == [f"run {run_id}", os.uname().nodename, sshd.user]
    # The agent that holds the process was started through the test's sshd, as
    # `localhost` of its ssh config.
    assert where == {"port": str(sshd.port), "via": "localhost"}
    meta = program_meta(run)
    assert meta["hostname"] == os.uname().nodename
    assert meta["username"] == sshd.user
    assert meta["return_code"] == 0
    assert meta.get("host") == "localhost", meta


def test_host_group_spreads_consecutive_runs_over_its_hosts(service: Service) -> None:
    run_ids = [service.schedule("pooled") for _ in range(4)]
    for run_id in run_ids:
        service.wait_state(run_id, "success")
    hosts = []
    for run_id in run_ids:
        lines, where = ran(service, run_id)
        assert lines == [f"pooled {run_id}"]
        hosts.append(where["via"])
    # Round-robin over the two hosts: four consecutive picks land twice on each (the
    # runs may start in any order, so which run got which host is not fixed).
    assert sorted(hosts) == sorted(HOSTS * 2), hosts
    assert [program_meta(service.run(run_id)).get("host") for run_id in run_ids] == hosts


def test_remote_run_survives_a_service_crash_and_ends_with_its_whole_output(
    remote_service: MakeService,
) -> None:
    service = remote_service(JOBS)
    run_id = service.schedule("slow")
    service.wait_state(run_id, "running")
    wait_for("the run's first line", lambda: True if "begin" in output(service, run_id) else None)
    pid = program_meta(service.run(run_id))["pid"]
    assert service.process is not None
    service.process.send_signal(signal.SIGKILL)
    assert service.wait_exit() == -signal.SIGKILL

    service.start()
    run = service.wait_state(run_id, "success")
    assert output(service, run_id) == "begin\nend\n"
    assert program_meta(run)["pid"] == pid


def test_stopping_a_remote_run_ends_it_in_success_when_the_stop_signal_ends_it(
    service: Service,
) -> None:
    run_id = service.schedule("long")
    run = service.wait_state(run_id, "running")
    pid = program_meta(run)["pid"]
    assert pid_alive(pid)
    began = time.monotonic()
    response = service.post(f"/runs/{run_id}/stop")
    assert response.status_code == 200, response.text
    run = service.wait_state(run_id, "success")
    assert time.monotonic() - began < 10  # SIGTERM ended it, not the 20 s SIGKILL
    assert "stopping" in run["times"]
    assert "stopping: stopped by user" in service.run_log(run_id)
    wait_for("the stopped process to go", lambda: True if not pid_alive(pid) else None)


def test_stopping_a_remote_run_that_ignores_the_signal_kills_it_after_the_grace_period(
    service: Service,
) -> None:
    run_id = service.schedule("stubborn")
    service.wait_state(run_id, "running")
    wait_for("the trap to be set", lambda: True if "stubborn" in output(service, run_id) else None)
    pid = program_meta(service.run(run_id))["pid"]
    began = time.monotonic()
    assert service.post(f"/runs/{run_id}/stop").status_code == 200
    # The stop sequence (signal, grace period, SIGKILL) is what ended it: as for a local
    # process (local.process_finished), that counts as a stop, hence success.
    run = service.wait_state(run_id, "success")
    assert time.monotonic() - began >= 1.0
    meta = program_meta(run)
    assert (meta["signal"], meta["stopped"]) == ("SIGKILL", True), meta
    wait_for("the killed process to go", lambda: True if not pid_alive(pid) else None)


def test_unreachable_host_ends_the_run_in_error_naming_the_host(service: Service) -> None:
    run_id = service.schedule("unreachable")
    run = wait_finished(service, run_id)
    log = service.run_log(run_id)
    assert run["state"] == "error", log
    assert any(UNREACHABLE in line for line in log), log


def test_user_runs_the_process_as_that_user_through_sudo_here_and_on_a_host(
    service: Service, test_user: str
) -> None:
    here, there = service.schedule("as user"), service.schedule("as user there")
    run = service.wait_state(here, "success")
    assert output(service, here) == f"{test_user}\nas {here}\n"
    assert program_meta(run)["username"] == test_user
    run = service.wait_state(there, "success")
    assert output(service, there) == f"{test_user}\n"
    assert program_meta(run)["username"] == test_user
    assert program_meta(run)["host"] == "apsis-test-host"


def test_user_that_does_not_exist_ends_the_run_in_error_naming_the_user(service: Service) -> None:
    run_id = service.schedule("as nobody")
    run = wait_finished(service, run_id)
    log = service.run_log(run_id)
    assert run["state"] == "error", log
    assert any(NO_SUCH_USER in line for line in log), log
