"""Processes through a real agent over HTTPS: output, exits, signals, stop, timeout,
events, release, and what the agent refuses."""

from __future__ import annotations

import base64
import json
import ssl
import time
from pathlib import Path

import httpx
import pytest
from live_agent import Agent, alive, wait_for

from apsis.agent.protocol import API, ProcessInfo
from apsis.agent.tls import ensure_certificate, pinned_context


def test_process_succeeds_with_its_output_status_and_rusage(shared_agent: Agent) -> None:
    info = shared_agent.run(["sh", "-c", "echo out; echo err >&2"], run_id="r42")
    assert (info.state, info.run_id, info.pgid) == ("running", "r42", info.pid)
    done = shared_agent.wait_exit(info.proc_id)
    assert done.status == 0
    assert done.rusage is not None and "ru_utime" in done.rusage and "ru_maxrss" in done.rusage
    assert done.end is not None and done.elapsed is not None and done.elapsed >= 0
    assert shared_agent.output(info.proc_id) == b"out\nerr\n"
    assert done.output_length == 8


def test_exit_code_is_the_status(shared_agent: Agent) -> None:
    info = shared_agent.run(["sh", "-c", "exit 3"])
    assert shared_agent.wait_exit(info.proc_id).status == 3


def test_environment_and_cwd_are_exactly_as_given(shared_agent: Agent, tmp_path: Path) -> None:
    info = shared_agent.run(["/bin/sh", "-c", "pwd; env | sort"], env={"A": "1"}, cwd=str(tmp_path))
    shared_agent.wait_exit(info.proc_id)
    lines = shared_agent.output(info.proc_id).decode().splitlines()
    assert lines[0] == str(tmp_path)
    assert "A=1" in lines and not any(line.startswith("HOME=") for line in lines)


def test_signal_by_name_kills_the_process_and_a_bad_one_is_refused(shared_agent: Agent) -> None:
    info = shared_agent.run(["sleep", "30"])
    bad = shared_agent.request("POST", f"/processes/{info.proc_id}/signal/SIGNOPE")
    assert bad.status_code == 400 and "SIGNOPE" in bad.json()["error"]
    sent = shared_agent.request("POST", f"/processes/{info.proc_id}/signal/USR1")
    assert sent.status_code == 200
    assert shared_agent.wait_exit(info.proc_id).status == -10


def test_stop_sends_sigkill_after_the_grace_period(shared_agent: Agent) -> None:
    script = "trap 'echo term' TERM; echo ready; while true; do sleep 0.05; done"
    info = shared_agent.run(["bash", "-c", script], grace_period=0.5)
    wait_for("the trap", lambda: shared_agent.output(info.proc_id) == b"ready\n" or None)
    began = time.monotonic()
    stopping = ProcessInfo.model_validate_json(
        shared_agent.request("POST", f"/processes/{info.proc_id}/stop").content
    )
    assert (stopping.state, stopping.ending) == ("running", "stop")
    done = shared_agent.wait_exit(info.proc_id)
    assert time.monotonic() - began >= 0.5
    assert (done.status, done.ending) == (-9, "stop")
    assert b"term" in shared_agent.output(info.proc_id)


def test_timeout_ends_the_process_with_its_signal(shared_agent: Agent) -> None:
    info = shared_agent.run(["sleep", "30"], timeout=0.2, timeout_signal="SIGINT")
    done = shared_agent.wait_exit(info.proc_id)
    assert (done.status, done.ending) == (-2, "timeout")
    assert done.elapsed is not None and done.elapsed < 5


def test_long_poll_returns_at_the_exit_with_the_output(shared_agent: Agent) -> None:
    seq = shared_agent.events(0)["seq"]
    info = shared_agent.run(["sh", "-c", "sleep 0.2; echo bye"])
    began = time.monotonic()
    events: list[dict[str, object]] = []
    while not any(e["type"] == "exit" and e["proc_id"] == info.proc_id for e in events):
        answer = shared_agent.events(seq, timeout=10)
        events += answer["events"]
        seq = answer["seq"]
    assert time.monotonic() - began < 3
    exit_ = next(e for e in events if e["type"] == "exit" and e["proc_id"] == info.proc_id)
    assert base64.b64decode(str(exit_["output"])) == b"bye\n"
    assert exit_["output_length"] == 4
    assert exit_["process"]["status"] == 0  # type: ignore[index]


def test_long_poll_times_out_empty(shared_agent: Agent) -> None:
    seq = shared_agent.events(0)["seq"]
    began = time.monotonic()
    answer = shared_agent.events(seq, timeout=0.3)
    assert time.monotonic() - began >= 0.3
    assert (answer["events"], answer["seq"], answer["reset"]) == ([], seq, False)


def test_output_growth_is_an_event(shared_agent: Agent) -> None:
    seq = shared_agent.events(0)["seq"]
    info = shared_agent.run(["sh", "-c", "echo first; sleep 30"])

    def output_event() -> dict[str, object] | None:
        nonlocal seq
        answer = shared_agent.events(seq, timeout=5)
        seq = answer["seq"]
        return next((e for e in answer["events"] if e["proc_id"] == info.proc_id), None)

    event = wait_for("an output event", output_event)
    assert (event["type"], event["output_length"]) == ("output", 6)
    shared_agent.request("DELETE", f"/processes/{info.proc_id}")


def test_a_client_from_another_epoch_or_too_far_ahead_is_reset(shared_agent: Agent) -> None:
    answer = shared_agent.events(0)
    assert not answer["reset"]
    assert shared_agent.events(answer["seq"], epoch="not-this-one")["reset"]
    assert shared_agent.events(answer["seq"] + 100)["reset"]
    same = shared_agent.events(answer["seq"], epoch=answer["epoch"])
    assert not same["reset"]


def test_release_forgets_the_process_and_its_spool(shared_agent: Agent) -> None:
    info = shared_agent.run(["echo", "hi"])
    shared_agent.wait_exit(info.proc_id)
    spool = Path(shared_agent.state_dir / "spool" / f"{info.proc_id}.out")
    assert spool.exists()
    assert shared_agent.request("DELETE", f"/processes/{info.proc_id}").status_code == 204
    assert not spool.exists()
    journal = (shared_agent.state_dir / "procs.jsonl").read_text().splitlines()
    mentions = [json.loads(line) for line in journal if info.proc_id in line]
    assert mentions[-1] == {"forget": info.proc_id}
    assert shared_agent.request("GET", f"/processes/{info.proc_id}").status_code == 404
    running = shared_agent.run(["sleep", "30"])
    released = shared_agent.request(
        "POST", "/release", json={"proc_ids": [running.proc_id, info.proc_id]}
    )
    assert released.json() == {"released": 1}
    assert not (shared_agent.state_dir / "spool" / f"{running.proc_id}.out").exists()
    wait_for("the released process to die", lambda: None if alive(running.pid) else True)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"argv": ["/no/such/program"]}, "No such file"),
        ({"argv": ["true"], "cwd": "/no/such/dir"}, "No such file"),
        ({"argv": ["echo", "a\0b"]}, "null byte"),
        ({"argv": []}, "argv is empty"),
        ({"argv": ["true"], "stop_signal": "SIGNOPE"}, "SIGNOPE"),
    ],
)
def test_a_process_that_cannot_start_is_a_400(
    shared_agent: Agent, fields: dict[str, object], reason: str
) -> None:
    response = shared_agent.post_process(**fields)  # type: ignore[arg-type]
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("cannot start: ") and reason in error


def test_a_process_for_another_user_is_a_403(shared_agent: Agent) -> None:
    response = shared_agent.post_process(["true"], user="somebody-else")
    assert response.status_code == 403
    assert response.json()["error"].endswith("it cannot run processes as somebody-else")


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic x"])
def test_a_missing_or_wrong_token_is_a_403(shared_agent: Agent, header: str | None) -> None:
    assert shared_agent.info is not None
    headers = {} if header is None else {"Authorization": header}
    with httpx.Client(verify=pinned_context(shared_agent.info.cert)) as client:
        response = client.get(
            f"https://127.0.0.1:{shared_agent.info.port}{API}/agent", headers=headers
        )
    assert response.status_code == 403 and "token" in response.json()["error"]


def test_another_certificate_fails_verification(shared_agent: Agent, tmp_path: Path) -> None:
    assert shared_agent.info is not None
    other = ensure_certificate(tmp_path / "cert.pem", tmp_path / "key.pem")
    with (
        httpx.Client(verify=pinned_context(other)) as client,
        pytest.raises(httpx.ConnectError) as exc,
    ):
        client.get(f"https://127.0.0.1:{shared_agent.info.port}{API}/agent")
    assert "CERTIFICATE_VERIFY_FAILED" in str(exc.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_pinned_certificate_also_passes_a_host_name_check(
    shared_agent: Agent, host: str
) -> None:
    assert shared_agent.info is not None
    context = ssl.create_default_context(cadata=shared_agent.info.cert)
    assert context.check_hostname
    headers = {"Authorization": f"Bearer {shared_agent.info.token}"}
    with httpx.Client(verify=context, headers=headers) as client:
        response = client.get(f"https://{host}:{shared_agent.info.port}{API}/agent")
    assert response.status_code == 200
