"""Every operation where SPEC §2 allows it, and rejected with 400 where it does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from live_service import Service


def later() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


def assert_rejected(response: httpx.Response, *words: str) -> None:
    assert response.status_code == 400, response.text
    message = response.json()["error"]
    for word in words:
        assert word in message, message


def test_running_run_rejects_skip_start_mark_and_rerun_then_stops_as_success(
    service: Service,
) -> None:
    run_id = service.schedule("sleep")
    service.wait_state(run_id, "running")
    assert_rejected(service.post(f"/runs/{run_id}/skip"), run_id, "running", "skip")
    assert_rejected(service.post(f"/runs/{run_id}/start"), run_id, "running", "start")
    assert_rejected(service.post(f"/runs/{run_id}/mark/success"), run_id, "running")
    assert_rejected(service.post(f"/runs/{run_id}/rerun"), run_id, "running", "rerun")

    stopped = service.post(f"/runs/{run_id}/stop")
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["runs"][run_id]["state"] == "stopping"
    service.wait_state(run_id, "success")
    assert "stopping: stopped by user" in service.wait_log(run_id, "success")


def test_signal_reaches_the_process_and_bad_signals_are_400(service: Service) -> None:
    run_id = service.schedule("sleep")
    service.wait_state(run_id, "running")
    assert_rejected(service.post(f"/runs/{run_id}/signal/NOSUCH"), "NOSUCH", "not a signal")
    response = service.post(f"/runs/{run_id}/signal/TERM")
    assert (response.status_code, response.json()) == (200, {})
    # Killed by a signal that was not a stop: a failure (SPEC §4).
    service.wait_state(run_id, "failure")
    assert "sent SIGTERM by user" in service.wait_log(run_id, "sent SIGTERM by user")


def test_finished_run_rejects_skip_start_stop_and_signal(service: Service) -> None:
    run_id = service.schedule("later")
    service.wait_state(run_id, "success")
    for operation in ("skip", "start", "stop", "signal/TERM"):
        assert_rejected(service.post(f"/runs/{run_id}/{operation}"), run_id, "success")


def test_mark_a_finished_run_another_finished_state(service: Service) -> None:
    run_id = service.schedule("fail")
    service.wait_state(run_id, "failure")
    response = service.post(f"/runs/{run_id}/mark/success")
    assert (response.status_code, response.json()) == (200, {})
    assert service.run(run_id)["state"] == "success"
    assert "marked as success" in service.wait_log(run_id, "marked as success")
    assert_rejected(service.post(f"/runs/{run_id}/mark/success"), "already")
    assert_rejected(service.post(f"/runs/{run_id}/mark/running"), "not a finished state")
    assert_rejected(service.post(f"/runs/{run_id}/mark/bogus"), "bogus", "not a run state")


def test_rerun_creates_a_new_run_that_records_the_original(service: Service) -> None:
    run_id = service.schedule("fail")
    service.wait_state(run_id, "failure")
    response = service.post(f"/runs/{run_id}/rerun")
    assert response.status_code == 200, response.text
    ((new_id, new),) = response.json()["runs"].items()
    assert new_id != run_id
    assert (new["job_id"], new["rerun_of"]) == ("fail", run_id)
    service.wait_state(new_id, "failure")
    assert f"rerun as {new_id}" in service.wait_log(run_id, f"rerun as {new_id}")


def test_start_a_future_run_now(service: Service) -> None:
    run_id = service.schedule("later", schedule=later())
    assert service.run(run_id)["state"] == "scheduled"
    response = service.post(f"/runs/{run_id}/start")
    assert (response.status_code, response.json()) == (200, {})
    service.wait_state(run_id, "success")
    assert "started by user" in service.wait_log(run_id, "started by user")


def test_skip_a_scheduled_run(service: Service) -> None:
    run_id = service.schedule("later", schedule=later())
    assert service.post(f"/runs/{run_id}/skip").json() == {}
    assert service.run(run_id)["state"] == "skipped"
    assert_rejected(service.post(f"/runs/{run_id}/skip"), "skipped")


def test_start_a_waiting_run_ignores_its_conditions(service: Service) -> None:
    run_id = service.schedule("chain/b", {"date": "never-a-run-of-a"})
    service.wait_state(run_id, "waiting")
    assert service.post(f"/runs/{run_id}/start").status_code == 200
    service.wait_state(run_id, "success")


def test_operations_answer_put_as_apsis_clients_send_it(service: Service) -> None:
    run_id = service.schedule("fail")
    service.wait_state(run_id, "failure")
    response = service.client.put(f"/api/v1/runs/{run_id}/mark/error")
    assert (response.status_code, response.json()) == (200, {})
    assert service.run(run_id)["state"] == "error"
