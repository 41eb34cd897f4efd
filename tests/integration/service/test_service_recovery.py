"""The service after a crash, and the job directory watched for changes."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from live_service import Service, wait_for

MakeService = Callable[..., Service]

TICK = """
    params: [time]
    program: {type: no-op}
    schedule: {type: interval, interval: 1s}
"""
LOAD = "program: {type: shell, command: 'sleep 0.2; echo loaded'}\n"


def tick_runs(service: Service) -> list[dict]:
    runs = service.get("/runs", job_id="tick", since="2000-01-01T00:00:00Z").json()["runs"]
    return sorted(runs.values(), key=lambda run: int(run["run_id"][1:]))


def test_sigkill_mid_load_then_restart_loses_and_repeats_no_scheduled_time(
    make_service: MakeService,
) -> None:
    service = make_service({"tick": TICK, "load": LOAD})
    wait_for("a few ticks", lambda: len(tick_runs(service)) >= 3 or None)
    for _ in range(30):
        service.schedule("load")
    numbers_before = {int(run["run_id"][1:]) for run in tick_runs(service)}
    assert service.process is not None
    service.process.send_signal(signal.SIGKILL)
    assert service.wait_exit() == -signal.SIGKILL
    time.sleep(2.5)  # the service is down across a few scheduled times

    service.start()
    wait_for("ticks after the restart", lambda: len(tick_runs(service)) >= 10 or None)
    runs = tick_runs(service)
    times = [datetime.fromisoformat(run["times"]["schedule"]) for run in runs]
    # Every second from the first tick on has exactly one run: nothing missed while
    # down was lost (catchup: all), nothing stored before the crash was created twice.
    assert sorted(times) == [times[0] + timedelta(seconds=i) for i in range(len(times))]
    numbers = [int(run["run_id"][1:]) for run in runs]
    assert len(set(numbers)) == len(numbers)
    new_numbers = set(numbers) - numbers_before
    assert new_numbers and min(new_numbers) > max(numbers_before)
    loads = service.get("/runs", job_id="load").json()["runs"]
    assert len(loads) == 30
    # Load runs caught mid-flight by the crash end in error, the rest in success.
    for run_id in loads:
        final = service.wait_state(run_id, "success", "error")
        if final["state"] == "error":
            assert any("lost at restart" in line for line in service.run_log(run_id))


def test_watched_job_directory_reloads_on_change_and_keeps_jobs_on_error(
    make_service: MakeService,
) -> None:
    service = make_service({"first": "program: {type: no-op}\n"}, config="jobs: {watch: true}\n")
    service.write_job("second", "program: {type: no-op}\n")
    wait_for("the new job", lambda: service.get("/jobs/second").status_code == 200 or None)
    service.write_job("broken", "program: {type: nope}\n")
    service.write_job("third", "program: {type: no-op}\n")
    wait_for(
        "the watcher to report the bad directory",
        lambda: "job directory changed; not reloaded" in service.log or None,
    )
    assert service.get("/jobs/third").status_code == 404
    assert service.get("/jobs/second").status_code == 200
