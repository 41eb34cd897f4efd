"""Creating runs, following them to the end, and reading what they left behind."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from live_service import Service, wait_for


def unique() -> str:
    """An arg value no other test uses, so runs of the shared service stay apart."""
    return uuid.uuid4().hex[:12]


def test_shell_run_succeeds_with_its_log_and_output(service: Service) -> None:
    name = unique()
    run_id = service.schedule("echo", {"name": name})
    run = service.wait_state(run_id, "success")
    assert run["args"] == {"name": name}
    assert {"schedule", "starting", "running", "success"} <= run["times"].keys()
    assert run["program"]["command"] == f"echo hello {name}; echo to stderr >&2"
    assert "elapsed" in run["meta"]

    lines = service.wait_log(run_id, "success")
    assert lines[0] == "scheduled: now"
    assert lines[-1] == "success"
    log = service.get(f"/runs/{run_id}/log").json()["run_log"]
    assert all(line["timestamp"].endswith("Z") for line in log)

    expected = f"hello {name}\nto stderr\n".encode()
    outputs = service.get(f"/runs/{run_id}/outputs").json()
    assert outputs == [
        {"output_id": "output", "output_len": len(expected), "name": "output",
         "content_type": "application/octet-stream"},
    ]  # fmt: skip
    output = service.get(f"/runs/{run_id}/output/output")
    assert output.content == expected
    assert output.headers["content-type"] == "application/octet-stream"


def test_failing_run_records_its_exit_code(service: Service) -> None:
    run_id = service.schedule("fail")
    service.wait_state(run_id, "failure")
    assert "failure: exit code 3" in service.wait_log(run_id, "failure: exit code 3")


def test_runs_filters_by_job_state_args_and_id(service: Service) -> None:
    name = unique()
    first = service.schedule("echo", {"name": name})
    second = service.schedule("echo", {"name": name})
    failed = service.schedule("fail")
    for run_id in (first, second):
        service.wait_state(run_id, "success")
    service.wait_state(failed, "failure")

    by_arg = service.get("/runs", job_id="ech", name=name).json()
    assert set(by_arg) == {"when", "runs"}
    assert list(by_arg["runs"]) == [first, second]
    assert by_arg["runs"][first]["program"]["type"] == "shell"  # full by default

    summary = service.get("/runs", run_id=[first, failed], summary="true").json()["runs"]
    assert list(summary) == [first, failed]
    assert "program" not in summary[first]

    failures = service.get("/runs", state="failure").json()["runs"]
    assert failed in failures and first not in failures
    assert all(run["state"] == "failure" for run in failures.values())


def test_runs_since_filters_on_schedule_time(service: Service) -> None:
    run_id = service.schedule("echo", {"name": unique()})
    schedule = service.run(run_id)["times"]["schedule"]
    later = (datetime.fromisoformat(schedule) + timedelta(seconds=1)).isoformat()
    assert run_id in service.get("/runs", since=schedule).json()["runs"]
    assert run_id not in service.get("/runs", since=later).json()["runs"]
    service.wait_state(run_id, "success")


def test_post_runs_count_creates_that_many(service: Service) -> None:
    response = service.post("/runs", {"job_id": "later", "times": {"schedule": _in(3600)}},
                            count=3)  # fmt: skip
    runs = response.json()["runs"]
    assert len(runs) == 3
    assert {run["state"] for run in runs.values()} == {"scheduled"}
    for run_id in runs:
        assert service.post(f"/runs/{run_id}/skip").status_code == 200


def test_stop_time_as_a_duration_counts_from_the_schedule_time(service: Service) -> None:
    run_id = service.schedule("later", schedule=_in(3600), stop="90s")
    times = service.run(run_id)["times"]
    stop = datetime.fromisoformat(times["schedule"]) + timedelta(seconds=90)
    assert datetime.fromisoformat(times["stop"]) == stop
    service.post(f"/runs/{run_id}/skip")


def test_adhoc_job_runs_and_can_be_looked_up_exactly(service: Service) -> None:
    body = {"job": {"program": {"type": "shell", "command": "echo ad hoc"}}}
    response = service.post("/runs", body)
    assert response.status_code == 200, response.text
    ((run_id, run),) = response.json()["runs"].items()
    job_id = run["job_id"]
    assert job_id.startswith("adhoc-") and len(job_id) == len("adhoc-") + 12
    service.wait_state(run_id, "success")
    assert service.get(f"/runs/{run_id}/output/output").content == b"ad hoc\n"
    job = service.get(f"/jobs/{job_id}").json()
    assert (job["job_id"], job["ad_hoc"]) == (job_id, True)
    assert job_id not in [job["job_id"] for job in service.get("/jobs").json()]


def test_dependency_waits_for_matching_args(service: Service) -> None:
    date, other = unique(), unique()
    b = service.schedule("chain/b", {"date": date})
    b_other = service.schedule("chain/b", {"date": other})
    service.wait_state(b, "waiting")
    service.wait_state(b_other, "waiting")
    deps = service.get(f"/runs/{b}/dependencies").json()
    assert deps == [{"job_id": "chain/a", "args": {"date": date}, "runs": []}]

    a = service.schedule("chain/a", {"date": date})
    service.wait_state(a, "success")
    service.wait_state(b, "success")
    # The run waiting on another date's instance was not released.
    assert service.run(b_other)["state"] == "waiting"
    deps = service.get(f"/runs/{b}/dependencies").json()
    assert deps == [{"job_id": "chain/a", "args": {"date": date}, "runs": [a]}]
    assert service.post(f"/runs/{b_other}/skip").status_code == 200


def test_output_of_a_running_run_is_served_live(service: Service) -> None:
    body = {"job": {"program": {"type": "shell", "command": "echo started; exec sleep 20"}}}
    (run_id,) = service.post("/runs", body).json()["runs"]
    service.wait_state(run_id, "running")
    wait_for(
        "the live output",
        lambda: service.get(f"/runs/{run_id}/output/output").content == b"started\n" or None,
    )
    assert service.get(f"/runs/{run_id}/outputs").json()[0]["output_len"] == len(b"started\n")
    assert service.post(f"/runs/{run_id}/stop").status_code == 200
    service.wait_state(run_id, "success")


def _in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()
