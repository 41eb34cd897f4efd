"""Starting, reloading, shutting down and restarting the service process."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from live_service import APSISCTL, DEADLINE, Service, free_port, wait_for

MakeService = Callable[..., Service]

NO_OP = "program: {type: no-op}\n"


def job_ids(service: Service) -> list[str]:
    return [job["job_id"] for job in service.get("/jobs").json()]


def reload(service: Service, **params: str) -> tuple[int, dict[str, object]]:
    response = service.client.post("/api/control/reload_jobs", params=params)
    return response.status_code, response.json()


def test_reload_with_an_error_is_rejected_and_the_old_jobs_stay(
    make_service: MakeService,
) -> None:
    service = make_service({"kept": NO_OP})
    service.write_job("broken", "program: {type: no-op}\nschedule: {type: interval}\n")
    service.write_job("also/broken", "params: 5\nprogram: {type: shel}\n")
    status, body = reload(service)
    assert status == 400
    errors = body["errors"]
    assert isinstance(errors, list) and len(errors) >= 2
    assert any("broken.yaml: schedule" in line for line in errors), errors
    assert any("also/broken.yaml: program.type" in line for line in errors), errors
    assert job_ids(service) == ["kept"]


def test_reload_reports_added_changed_and_removed_and_dry_run_changes_nothing(
    make_service: MakeService,
) -> None:
    service = make_service({"kept": NO_OP, "changed": NO_OP, "removed": NO_OP})
    service.write_job("added", NO_OP)
    service.write_job("changed", "program: {type: no-op, duration: 1}\n")
    service.remove_job("removed")
    expected = {"added": ["added"], "removed": ["removed"], "changed": ["changed"]}

    assert reload(service, dry_run="true") == (200, {**expected, "dry_run": True})
    assert job_ids(service) == ["changed", "kept", "removed"]
    assert reload(service) == (200, {**expected, "dry_run": False})
    assert job_ids(service) == ["added", "changed", "kept"]
    run_id = service.schedule("added")
    service.wait_state(run_id, "success")


def test_restart_keeps_finished_runs_and_never_reuses_run_ids(
    make_service: MakeService,
) -> None:
    service = make_service({"echo": "program: {type: shell, command: echo kept}\n"})
    first = service.schedule("echo")
    service.wait_state(first, "success")
    service.wait_log(first, "success")
    assert service.stop() == 0

    service.start()
    run = service.run(first)
    assert run["state"] == "success"
    assert service.run_log(first)[-1] == "success"
    assert service.get(f"/runs/{first}/output/output").content == b"kept\n"
    second = service.schedule("echo")
    assert int(second[1:]) > int(first[1:])
    service.wait_state(second, "success")
    assert list(service.get("/runs").json()["runs"]) == [first, second]


def test_runs_older_than_the_lookback_are_read_from_the_store(
    make_service: MakeService,
) -> None:
    lookback = 0.2
    service = make_service({"echo": "program: {type: shell, command: echo old}\n"},
                           f"runs: {{lookback: {lookback}s}}\n")  # fmt: skip
    old = service.schedule("echo")
    finished = datetime.fromisoformat(service.wait_state(old, "success")["times"]["success"])
    service.wait_log(old, "success")
    assert service.stop() == 0
    wait_for(
        "the run to leave the lookback",
        lambda: datetime.now(UTC) - finished > timedelta(seconds=lookback) or None,
    )
    service.start()  # loads only the runs within the lookback

    new = service.schedule("echo")
    assert list(service.get("/runs").json()["runs"]) == [new]
    before = (finished - timedelta(minutes=1)).isoformat()
    runs = service.get("/runs", since=before).json()["runs"]
    assert list(runs) == [old, new]
    assert runs[old]["state"] == "success"
    assert runs[old]["program"]["str"] == "echo old"
    assert old not in service.get("/runs", since=before, state="failure").json()["runs"]
    assert list(service.get("/runs", run_id=[old, new]).json()["runs"]) == [old, new]
    assert service.run(old)["state"] == "success"
    assert service.get(f"/runs/{old}/output/output").content == b"old\n"
    service.wait_state(new, "success")


def test_shut_down_endpoint_stops_the_process_with_status_0(make_service: MakeService) -> None:
    service = make_service({"job": NO_OP})
    response = service.client.post("/api/control/shut_down")
    assert (response.status_code, response.json()) == (200, {})
    assert service.wait_exit() == 0


def test_shut_down_with_restart_starts_again_in_the_same_process(
    make_service: MakeService,
) -> None:
    service = make_service({"job": NO_OP})
    run_id = service.schedule("job")
    service.wait_state(run_id, "success")
    response = service.client.post("/api/control/shut_down", params={"restart": ""})
    assert response.status_code == 200
    wait_for("a second start", lambda: service.log.count("running: 1 jobs") == 2 or None)
    wait_for("the service to answer", service.answers)
    assert service.run(run_id)["state"] == "success"


def serve(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [APSISCTL, "serve", "--port", str(free_port()), *args],
        capture_output=True, text=True, timeout=DEADLINE, cwd=root,
    )  # fmt: skip


def test_serve_with_a_bad_config_exits_1_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("colour: red\n")
    result = serve(tmp_path, "--config", str(config))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"error: {config}: colour: unknown key"


def test_serve_refuses_auth_it_cannot_enforce_yet(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("server: {auth: {tokens_file: tokens}}\n")
    result = serve(tmp_path, "--config", str(config), "--create-db")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "error: server.auth: not supported yet; remove it to serve without it"
    )


def test_serve_with_job_errors_lists_every_one_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "a.yaml").write_text("program: {type: shel}\n")
    (tmp_path / "jobs" / "b.yaml").write_text("params: 5\n")
    (tmp_path / "config.yaml").write_text("job_dir: jobs\n")
    result = serve(tmp_path, "--config", str(tmp_path / "config.yaml"), "--create-db")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any("a.yaml: program.type" in line for line in lines), lines
    assert any("b.yaml:" in line for line in lines), lines
    assert lines[-1].startswith("error: ") and "errors in job directory" in lines[-1]
    assert not (tmp_path / "apsis.db").exists()


def test_serve_without_a_database_says_how_to_create_one(tmp_path: Path) -> None:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "config.yaml").write_text("job_dir: jobs\ndatabase: {path: state/apsis.db}\n")
    result = serve(tmp_path, "--config", str(tmp_path / "config.yaml"))
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "does not exist" in line and "apsisctl create" in line


def test_serve_on_a_taken_port_exits_1_with_one_line(
    make_service: MakeService, tmp_path: Path
) -> None:
    running = make_service({})
    result = subprocess.run(
        [APSISCTL, "serve", "--config", str(running.root / "config.yaml"),
         "--port", str(running.port)],
        capture_output=True, text=True, timeout=DEADLINE,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        f"error: cannot listen on 127.0.0.1:{running.port}"
    )


def test_requests_on_a_kept_alive_connection_answer_without_delayed_ack_waits(
    service: Service,
) -> None:
    # Without TCP_NODELAY on the service's sockets, each answer after the first on a
    # connection waits ~40 ms for the client's delayed ACK (head and body are two
    # writes): 20 requests would take 800 ms or more. One connection, reused:
    with httpx.Client(base_url=service.client.base_url) as client:
        client.get("/api/v1/alive")
        started = time.perf_counter()
        for _ in range(20):
            assert client.get("/api/v1/alive").status_code == 200
        elapsed = time.perf_counter() - started
    assert elapsed < 0.6, f"20 requests took {elapsed:.2f} s"
