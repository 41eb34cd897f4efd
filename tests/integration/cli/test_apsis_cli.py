"""`apsis`, the real executable, against a real service (SPEC §9.3).

Every command runs as a subprocess with its output piped, as a script would run it:
tables are plain text, `--format json` parses, errors are one line and exit 1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import yaml
from live_service import Service, free_port, wait_for

APSIS = str(Path(sys.executable).parent / "apsis")
RUN_ID = re.compile(r"r\d+")

JOBS = {
    "echo": """
        params: [name]
        program: {type: shell, command: "echo hello {{ name }}"}
    """,
    "fail": """
        program: {type: shell, command: "echo failing; exit 3"}
    """,
    "sleep": """
        program: {type: program, argv: [sleep, "20"], stop: {grace_period: 5s}}
    """,
    "later": """
        program: {type: no-op}
    """,
    "ticks": """
        params: [gate]
        program:
          type: shell
          command: "while [ ! -e {{ gate }} ]; do echo tick; sleep 0.1; done; echo done"
    """,
    "match prefix": """
        program: {type: no-op}
    """,
    "match prefix suffix": """
        program: {type: no-op}
    """,
    "reports/daily summary": """
        metadata: {description: A report., labels: [reports]}
        schedule: {type: interval, interval: 1d, phase: 12h}
        program: {type: no-op}
    """,
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = Service(tmp_path_factory.mktemp("apsis-cli"), JOBS)
    service.start()
    yield service
    service.finish()


def apsis(
    live: Service | None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `apsis ARGS`, addressed to `live` through APSIS_HOST."""
    environment = {k: v for k, v in os.environ.items() if k not in ("APSIS_HOST", "TZ")}
    if live is not None:
        environment["APSIS_HOST"] = f"127.0.0.1:{live.port}"
    environment.update(env or {})
    return subprocess.run(
        [APSIS, *args], capture_output=True, text=True, env=environment, timeout=30
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert (result.returncode, result.stderr) == (0, ""), result
    return result.stdout


def error_line(result: subprocess.CompletedProcess[str], status: int = 1) -> str:
    """The one error line of a failed command."""
    assert result.returncode == status, result
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: "), line
    return line


def created(result: subprocess.CompletedProcess[str]) -> list[str]:
    run_ids = ok(result).split()
    assert run_ids and all(RUN_ID.fullmatch(run_id) for run_id in run_ids), run_ids
    return run_ids


def schedule(live: Service, *args: str) -> str:
    (run_id,) = created(apsis(live, "schedule", *args))
    return run_id


def details(text: str) -> dict[str, str]:
    """`key  value` lines of `apsis run`, up to the first blank line."""
    pairs = (line.partition("  ") for line in text.split("\n\n")[0].splitlines())
    return {key.strip(): value.strip() for key, _, value in pairs}


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- jobs ----------------------------------------------------------------------------


def test_jobs_table_is_plain_aligned_text_when_piped(live: Service) -> None:
    out = ok(apsis(live, "jobs"))
    assert "\x1b" not in out
    header, *rows = out.splitlines()
    assert header.split() == ["job", "params", "labels", "description"]
    assert all(line == line.rstrip() for line in out.splitlines())
    (echo,) = [row for row in rows if row.startswith("echo ")]
    assert echo.index("name") == header.index("params")
    (report,) = [row for row in rows if row.startswith("reports/daily summary")]
    assert report.split()[-3:] == ["reports", "A", "report."]
    assert report.index("reports", 5) == header.index("labels")


def test_jobs_json_and_yaml_are_the_api_list(live: Service) -> None:
    api = live.get("/jobs").json()
    assert json.loads(ok(apsis(live, "jobs", "--format", "json"))) == api
    assert yaml.safe_load(ok(apsis(live, "jobs", "--format", "yaml"))) == api
    labelled = json.loads(ok(apsis(live, "jobs", "--label", "reports", "--format", "json")))
    assert [job["job_id"] for job in labelled] == ["reports/daily summary"]


def test_job_resolves_a_short_id_on_the_server(live: Service) -> None:
    out = ok(apsis(live, "job", "daily sum"))
    assert details(out)["job"] == "reports/daily summary"
    assert details(out)["labels"] == "reports"
    assert out.rstrip().endswith("A report.")
    shown = json.loads(ok(apsis(live, "job", "daily sum", "--format", "json")))
    assert shown == live.get("/jobs/reports/daily summary").json()


def test_ambiguous_or_unknown_job_is_one_error_line(live: Service) -> None:
    line = error_line(apsis(live, "job", "match pre"))
    assert "ambiguous" in line and "match prefix suffix" in line
    assert error_line(apsis(live, "job", "nosuch")) == "error: no job 'nosuch'"
    assert "no job 'nosuch'" in error_line(apsis(live, "schedule", "now", "nosuch"))


# --- creating runs and waiting for them ----------------------------------------------


def test_schedule_now_then_wait_succeeds_and_output_is_the_programs(live: Service) -> None:
    run_id = schedule(live, "now", "echo", "name=world")
    assert ok(apsis(live, "wait", run_id)) == f"{run_id}: success\n"
    assert ok(apsis(live, "output", run_id)) == "hello world\n"
    assert ok(apsis(live, "output", run_id.removeprefix("r"))) == "hello world\n"


def test_schedule_in_a_second_then_wait_exits_1_on_failure(live: Service) -> None:
    before = datetime.now(UTC)
    run_id = schedule(live, "+1s", "fail")
    due = parse_time(live.run(run_id)["times"]["schedule"])
    assert before + timedelta(seconds=1) <= due <= datetime.now(UTC) + timedelta(seconds=1)
    result = apsis(live, "wait", run_id)
    assert (result.returncode, result.stdout) == (1, f"{run_id}: failure\n")
    assert parse_time(live.run(run_id)["times"]["running"]) >= due


def test_wait_on_several_runs_exits_0_only_if_all_succeeded(live: Service) -> None:
    good = schedule(live, "now", "echo", "name=a")
    other = schedule(live, "now", "echo", "name=b")
    bad = schedule(live, "now", "fail")
    assert sorted(ok(apsis(live, "wait", good, other)).splitlines()) == sorted(
        [f"{good}: success", f"{other}: success"]
    )
    result = apsis(live, "wait", good, bad)
    assert result.returncode == 1
    assert sorted(result.stdout.splitlines()) == sorted([f"{good}: success", f"{bad}: failure"])
    assert error_line(apsis(live, "wait", good, "r999999")) == "error: no run 'r999999'"


def test_schedule_count_stop_time_and_a_daytime(live: Service) -> None:
    first, second = created(
        apsis(live, "schedule", "+1h", "later", "--count", "2", "--stop-time", "2h")
    )
    for run_id in (first, second):
        times = live.run(run_id)["times"]
        assert parse_time(times["stop"]) - parse_time(times["schedule"]) == timedelta(hours=2)
    # A daytime is the next such local time; TZ puts the subprocess 5 h behind UTC.
    wall = (datetime.now(UTC) - timedelta(hours=5, minutes=-2)).replace(second=0, microsecond=0)
    (run_id,) = created(
        apsis(live, "schedule", wall.strftime("%H:%M"), "later", env={"TZ": "XST+5"})
    )
    assert parse_time(live.run(run_id)["times"]["schedule"]) == wall + timedelta(hours=5)
    assert ok(apsis(live, "skip", first, second, run_id)).count("skipped") == 3


def test_bad_arguments_are_one_error_line(live: Service) -> None:
    assert "'tomorrow' is not a time" in error_line(apsis(live, "schedule", "tomorrow", "later"))
    assert "'nameworld' is not NAME=VALUE" in error_line(
        apsis(live, "schedule", "now", "echo", "nameworld")
    )
    assert "missing args: name" in error_line(apsis(live, "schedule", "now", "echo"))
    assert "--stop-time" in error_line(
        apsis(live, "schedule", "now", "later", "--stop-time", "soon")
    )
    usage = apsis(live, "schedule", "now")
    assert usage.returncode == 2 and "Missing argument" in usage.stderr


def test_adhoc_runs_a_command_or_a_shell_command(live: Service) -> None:
    (plain,) = created(apsis(live, "adhoc", "now", "ls", "-d", "/"))
    (shell,) = created(apsis(live, "adhoc", "--shell", "now", "echo", "a;", "exit", "2"))
    live.wait_state(plain, "success")
    live.wait_state(shell, "failure")
    assert ok(apsis(live, "output", plain)) == "/\n"
    assert ok(apsis(live, "output", shell)) == "a\n"
    assert live.run(plain)["program"]["argv"] == ["ls", "-d", "/"]
    assert live.run(shell)["program"]["command"] == "echo a; exit 2"


# --- showing runs --------------------------------------------------------------------


def test_run_shows_details_and_verbose_adds_program_and_run_log(live: Service) -> None:
    run_id = schedule(live, "now", "echo", "name=details")
    live.wait_state(run_id, "success")
    live.wait_log(run_id, "success")
    shown = details(ok(apsis(live, "run", run_id)))
    assert (shown["run"], shown["state"], shown["job"]) == (run_id, "success", "echo")
    assert shown["args"] == "name=details"
    assert "running" in shown and "elapsed" in shown
    verbose = ok(apsis(live, "run", "-v", run_id))
    assert "\nprogram\n  echo hello details\n" in verbose
    log = verbose.split("\nrun log\n")[1]
    assert [line.split(None, 1)[1] for line in log.splitlines()[-2:]] == ["running", "success"]
    as_json = json.loads(ok(apsis(live, "run", run_id, "--format", "json")))
    assert as_json == {run_id: live.run(run_id)}


def test_runs_table_and_json_filter_by_job_and_state(live: Service) -> None:
    done = schedule(live, "now", "echo", "name=table")
    failed = schedule(live, "now", "fail")
    live.wait_state(done, "success")
    live.wait_state(failed, "failure")
    header, *rows = ok(apsis(live, "runs", "--job", "echo")).splitlines()
    assert header.split() == ["run", "state", "job", "args", "schedule", "elapsed"]
    (row,) = [row.split() for row in rows if row.startswith(f"{done} ")]
    assert row[:4] == [done, "success", "echo", "name=table"]
    assert RUN_ID.fullmatch(row[0]) and row[5].endswith("s")
    runs = json.loads(ok(apsis(live, "runs", "-j", "echo", "--format", "json")))
    assert done in runs and failed not in runs
    assert {run["job_id"] for run in runs.values()} == {"echo"}
    failures = json.loads(ok(apsis(live, "runs", "--state", "failure", "--format", "json")))
    assert failed in failures and {run["state"] for run in failures.values()} == {"failure"}


# --- operations ----------------------------------------------------------------------


def test_operations_print_the_new_state_and_fail_after_trying_every_run(live: Service) -> None:
    first = schedule(live, "+1h", "later")
    second = schedule(live, "+1h", "later")
    assert ok(apsis(live, "skip", first)) == f"{first}: skipped\n"
    result = apsis(live, "skip", first, second, "r999999")
    assert (result.returncode, result.stdout) == (1, f"{second}: skipped\n")
    errors = result.stderr.splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") for line in errors)
    assert first in errors[0] and "skipped" in errors[0]
    assert errors[1] == "error: no run 'r999999'"

    waiting = schedule(live, "+1h", "later")
    started = ok(apsis(live, "start", waiting))
    assert re.fullmatch(rf"{waiting}: (waiting|starting|running|success)\n", started)
    assert ok(apsis(live, "wait", waiting)) == f"{waiting}: success\n"


def test_mark_and_rerun_a_failed_run(live: Service) -> None:
    failed = schedule(live, "now", "fail")
    live.wait_state(failed, "failure")
    assert ok(apsis(live, "mark", "succ", failed)) == f"{failed}: success\n"
    assert "error" in error_line(apsis(live, "mark", "bogus", failed))
    (line,) = ok(apsis(live, "rerun", failed)).splitlines()
    rerun, rest = line.split(": ", 1)
    assert RUN_ID.fullmatch(rerun) and rest.endswith(f"(rerun of {failed})")
    assert live.run(rerun)["rerun_of"] == failed
    live.wait_state(rerun, "failure")


def test_stop_and_signal_a_running_run(live: Service) -> None:
    stopped = schedule(live, "now", "sleep")
    signalled = schedule(live, "now", "sleep")
    live.wait_state(stopped, "running")
    live.wait_state(signalled, "running")
    assert ok(apsis(live, "stop", stopped)) == f"{stopped}: stopping\n"
    assert re.fullmatch(rf"{signalled}: \w+\n", ok(apsis(live, "signal", "term", signalled)))
    live.wait_state(signalled, "failure")
    live.wait_state(stopped, "success")
    assert "is success" in error_line(apsis(live, "stop", stopped))


# --- following a run -----------------------------------------------------------------


def _follow_ticks(live: Service, tmp_path: Path, option: str) -> tuple[str, str]:
    """Follow a run that prints `tick` until a gate file exists, then `done`: start
    following once it has output, see one line arrive live, open the gate. The
    follower's output and the run's whole output."""
    gate = tmp_path / f"gate{option}"
    run_id = schedule(live, "now", "ticks", f"gate={gate}")
    wait_for(
        "output",
        lambda: any(o["output_len"] for o in live.get(f"/runs/{run_id}/outputs").json()) or None,
    )
    environment = {**os.environ, "APSIS_HOST": f"127.0.0.1:{live.port}"}
    with subprocess.Popen(
        [APSIS, "output", option, run_id], stdout=subprocess.PIPE, env=environment
    ) as follower:
        assert follower.stdout is not None
        first = follower.stdout.readline()
        assert follower.poll() is None
        gate.touch()
        rest = follower.stdout.read()
        assert follower.wait(10) == 0
    live.wait_state(run_id, "success")
    return (first + rest).decode(), ok(apsis(live, "output", run_id))


def test_output_follow_prints_everything_until_the_run_finishes(
    live: Service, tmp_path: Path
) -> None:
    followed, whole = _follow_ticks(live, tmp_path, "--follow")
    assert followed == whole and whole.endswith("tick\ndone\n")


def test_output_follow_new_prints_only_what_comes_after(live: Service, tmp_path: Path) -> None:
    followed, whole = _follow_ticks(live, tmp_path, "--follow-new")
    assert whole.endswith(followed) and len(followed) < len(whole)
    assert followed.endswith("tick\ndone\n")
    # A finished run has nothing new.
    run_id = schedule(live, "now", "echo", "name=new")
    live.wait_state(run_id, "success")
    assert ok(apsis(live, "output", "-F", run_id)) == ""


def test_watch_prints_the_run_log_and_exits_by_the_final_state(live: Service) -> None:
    good = schedule(live, "+1s", "echo", "name=watch")
    lines = ok(apsis(live, "watch", good, "--finish")).splitlines()
    assert [line.split(None, 1)[1] for line in lines[1:]] == ["starting", "running", "success"]
    assert lines[0].split(None, 1)[1].startswith("scheduled: ")
    bad = schedule(live, "now", "fail")
    result = apsis(live, "watch", bad)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1].endswith("  failure: exit code 3")


# --- addressing the service ----------------------------------------------------------


def test_apsis_host_and_the_flags_choose_the_service(live: Service) -> None:
    dead = f"127.0.0.1:{free_port()}"
    api = live.get("/jobs").json()
    as_json = ("jobs", "--format", "json")
    port = str(live.port)
    assert json.loads(ok(apsis(None, *as_json, env={"APSIS_HOST": f"127.0.0.1:{port}"}))) == api
    flags = apsis(None, "--host", "127.0.0.1", "--port", port, *as_json, env={"APSIS_HOST": dead})
    assert json.loads(ok(flags)) == api
    port_flag = apsis(None, "--port", port, *as_json, env={"APSIS_HOST": "127.0.0.1"})
    assert json.loads(ok(port_flag)) == api
    url = f"http://127.0.0.1:{port}"
    assert json.loads(ok(apsis(None, *as_json, env={"APSIS_HOST": url}))) == api


def test_an_unreachable_service_is_one_error_line() -> None:
    port = free_port()
    line = error_line(apsis(None, "--port", str(port), "runs"))
    assert line.startswith(f"error: cannot reach Apsis at http://localhost:{port}: ")
    line = error_line(apsis(None, "jobs", env={"APSIS_HOST": f"127.0.0.1:{port}"}))
    assert line.startswith(f"error: cannot reach Apsis at http://127.0.0.1:{port}: ")


def test_schedule_preview_or_a_clear_refusal(live: Service) -> None:
    paths = live.client.get("/api/openapi.json").json()["paths"]
    supported = any(p.startswith("/api/v1/jobs/") and p.endswith("/schedule") for p in paths)
    result = apsis(live, "schedule-preview", "daily sum", "-n", "3", "--format", "json")
    if not supported:
        assert "does not support schedule preview" in error_line(result)
        return
    items = json.loads(ok(result))
    times = [parse_time(item["time"]) for item in items]
    assert len(times) == 3 and times == sorted(times)
    assert all(t.time() == time(12) for t in times)
    lines = ok(apsis(live, "schedule-preview", "daily sum", "--from", "2026-01-01T00:00:00Z"))
    assert lines.splitlines()[0] == "2026-01-01T12:00:00Z"
