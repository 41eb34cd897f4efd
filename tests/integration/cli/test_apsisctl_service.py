"""`apsisctl reload-jobs`, `shut-down`, `restart`, `version` and `sanity`: the real
executable against a real service (SPEC §9.3), addressed through `APSIS_HOST` or
`--host`/`--port`, as `apsis` is."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_service import Service, free_port, wait_for

from apsis import __version__

APSISCTL = str(Path(sys.executable).parent / "apsisctl")

JOBS = {
    "noop": """
        program: {type: no-op}
    """,
    "old": """
        program: {type: no-op}
    """,
    "etl/load": """
        params: [date]
        program: {type: no-op}
    """,
    "etl/report": """
        params: [date]
        condition: {type: dependency, job_id: etl/load}
        program: {type: no-op}
    """,
}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Service]:
    service = Service(tmp_path / "service", JOBS)
    service.start()
    yield service
    service.finish()


def apsisctl(live: Service | None, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `apsisctl ARGS`, addressed to `live` through APSIS_HOST."""
    environment = {k: v for k, v in os.environ.items() if k != "APSIS_HOST"}
    if live is not None:
        environment["APSIS_HOST"] = f"127.0.0.1:{live.port}"
    return subprocess.run(
        [APSISCTL, *args], capture_output=True, text=True, env=environment, timeout=60
    )


def test_version_prints_both_versions(live: Service) -> None:
    result = apsisctl(None, "version", "--host", "127.0.0.1", "--port", str(live.port))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"apsisctl {__version__}",
        f"service {__version__} at http://127.0.0.1:{live.port}",
    ]


def test_an_unreachable_service_is_a_one_line_error() -> None:
    port = free_port()
    for command in ("version", "reload-jobs", "shut-down", "restart", "sanity"):
        result = apsisctl(None, command, "--host", f"127.0.0.1:{port}")
        assert result.returncode == 1, command
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"error: cannot reach Apsis at http://127.0.0.1:{port}: "), line


def test_reload_jobs_dry_run_reports_changes_and_keeps_the_jobs(live: Service) -> None:
    live.write_job("new", "program: {type: no-op}\n")
    live.remove_job("old")
    live.write_job("noop", "metadata: {description: changed}\nprogram: {type: no-op}\n")
    result = apsisctl(live, "reload-jobs", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "added: new",
        "removed: old",
        "changed: noop",
        "dry run: nothing changed",
    ]
    jobs = [job["job_id"] for job in live.get("/jobs").json()]
    assert jobs == ["etl/load", "etl/report", "noop", "old"]

    result = apsisctl(live, "reload-jobs")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["added: new", "removed: old", "changed: noop"]
    jobs = [job["job_id"] for job in live.get("/jobs").json()]
    assert jobs == ["etl/load", "etl/report", "new", "noop"]

    again = apsisctl(live, "reload-jobs")
    assert again.stdout.splitlines() == ["added: -", "removed: -", "changed: -"]


def test_a_refused_reload_prints_every_error_and_changes_nothing(live: Service) -> None:
    live.write_job("bad/one", "program: {type: shel, command: x}\n")
    live.write_job(
        "bad/two", "program: {type: no-op}\nschedule: {type: daily, tz: UTC, daytime: '25:00'}\n"
    )
    result = apsisctl(live, "reload-jobs")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert "bad/one.yaml: program.type" in lines[0]
    assert "bad/two.yaml: schedule" in lines[1]
    assert result.stderr == "error: 2 errors in the job directory; nothing reloaded\n"
    assert len(live.get("/jobs").json()) == len(JOBS)


def test_sanity_passes_then_reports_a_run_waiting_too_long(live: Service) -> None:
    live.wait_state(live.schedule("noop"), "success")
    result = apsisctl(live, "sanity")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok: 0 unfinished runs, no problems\n"

    run_id = live.schedule("etl/report", {"date": "2026-11-21"})
    live.wait_state(run_id, "waiting")
    assert apsisctl(live, "sanity").returncode == 0  # no --max-waiting: waiting is fine

    def reported() -> subprocess.CompletedProcess[str] | None:
        result = apsisctl(live, "sanity", "--max-waiting", "0.2s")
        return result if result.returncode == 1 else None

    result = wait_for("sanity to report the waiting run", reported)
    pattern = rf"{run_id}: waiting: waiting since \S+Z, \d+\.\ds ago \(etl/report date=2026-11-21\)"
    assert re.fullmatch(pattern, result.stdout.strip()), result.stdout
    assert result.stderr == "error: 1 problem in 1 unfinished run\n"


def test_shut_down_waits_until_the_service_has_stopped(live: Service) -> None:
    result = apsisctl(live, "shut-down")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"stopped: http://127.0.0.1:{live.port}\n"
    assert live.wait_exit() == 0, live.log


def test_restart_waits_until_the_service_runs_again(live: Service) -> None:
    run_id = live.schedule("noop")
    live.wait_state(run_id, "success")
    result = apsisctl(live, "restart")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"restarted: http://127.0.0.1:{live.port}\n"
    assert live.run(run_id)["state"] == "success"
    assert "restarting" in live.log
