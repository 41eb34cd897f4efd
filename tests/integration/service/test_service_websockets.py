"""The live feeds: /summary, a run's updates and its output, over real websockets."""

from __future__ import annotations

import base64
import json
import os
import socket
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from live_service import DEADLINE, Service, wait_for
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK
from websockets.sync.client import ClientConnection, connect

ORDER = ["scheduled", "waiting", "starting", "running", "success"]
GRADUAL = "echo one; sleep 1.2; echo two; sleep 1.2; echo three"
"""Slower than the agent's output events (one a second), so the output comes in pieces."""

Message = dict[str, Any]


def url(service: Service, path: str) -> str:
    return f"ws://127.0.0.1:{service.port}/api/v1{path}"


def read_until(ws: ClientConnection, done: Callable[[list[Message]], bool]) -> list[Message]:
    """Messages of the summary feed (JSON arrays), until `done` says enough."""
    messages: list[Message] = []
    while not done(messages):
        frame = json.loads(ws.recv(timeout=DEADLINE))
        assert isinstance(frame, list) and frame
        messages.extend(frame)
    return messages


def has(kind: str, run_id: str | None = None, state: str | None = None) -> Callable[..., bool]:
    def test(messages: list[Message]) -> bool:
        return any(
            m["type"] == kind
            and (run_id is None or m["run_summary"]["run_id"] == run_id)
            and (state is None or m["run_summary"]["state"] == state)
            for m in messages
        )

    return test


def adhoc(service: Service, command: str) -> str:
    response = service.post("/runs", {"job": {"program": {"type": "shell", "command": command}}})
    assert response.status_code == 200, response.text
    return str(next(iter(response.json()["runs"])))


def assert_in_order(states: list[str]) -> None:
    assert states == sorted(set(states), key=ORDER.index), states


def test_summary_feed_sends_init_then_each_transition_in_order(service: Service) -> None:
    with connect(url(service, "/summary?init")) as ws:
        init = read_until(ws, has("init_done"))
        assert init[-1] == {"type": "init_done"}
        jobs = sorted(m["job"]["job_id"] for m in init if m["type"] == "job")
        assert jobs == [job["job_id"] for job in service.get("/jobs").json()]
        run_id = service.schedule("echo", {"name": uuid.uuid4().hex})
        messages = read_until(ws, has("run_transition", run_id, "success"))
    states = [
        m["run_summary"]["state"]
        for m in messages
        if m["type"] == "run_transition" and m["run_summary"]["run_id"] == run_id
    ]
    assert states[0] == "scheduled" and "running" in states and states[-1] == "success"
    assert_in_order(states)
    final = next(m for m in reversed(messages) if m["type"] == "run_transition")
    assert (
        final["run_summary"]
        == service.get("/runs", run_id=run_id, summary="true").json()["runs"][run_id]
    )


def test_summary_feed_batches_a_burst_into_few_frames(service: Service) -> None:
    with connect(url(service, "/summary")) as ws:
        response = service.post("/runs", {"job_id": "match prefix"}, count=200)
        run_ids = set(response.json()["runs"])
        states: dict[str, list[str]] = {run_id: [] for run_id in run_ids}
        frames = 0
        while not all(seen and seen[-1] == "success" for seen in states.values()):
            frame = json.loads(ws.recv(timeout=DEADLINE))
            frames += 1
            for message in frame:
                summary = message["run_summary"]
                if summary["run_id"] in run_ids:
                    states[summary["run_id"]].append(summary["state"])
    for seen in states.values():
        assert_in_order(seen)
    messages = sum(len(seen) for seen in states.values())
    assert messages >= 600 and frames <= messages // 10, (frames, messages)


def test_summary_feed_announces_job_changes(make_service: Callable[..., Service]) -> None:
    jobs = {"kept": "program: {type: no-op}\n", "gone": "program: {type: no-op}\n"}
    live = make_service(jobs)
    with connect(url(live, "/summary")) as ws:
        live.write_job("added", "program: {type: no-op}\n")
        live.write_job("kept", "program: {type: shell, command: 'true'}\n")
        live.remove_job("gone")
        assert live.client.post("/api/control/reload_jobs").status_code == 200
        messages = read_until(ws, lambda messages: len(messages) >= 3)
    by_type = {m["type"]: m for m in messages}
    assert by_type["job_add"]["job"]["job_id"] == "added"
    assert by_type["job"]["job"]["program"]["type"] == "shell"
    assert by_type["job_delete"] == {"type": "job_delete", "job_id": "gone"}


def test_reconnecting_with_init_gives_every_run_as_it_is(service: Service) -> None:
    run_id = service.schedule("echo", {"name": uuid.uuid4().hex})
    service.wait_state(run_id, "success")
    before = service.get("/runs", summary="true").json()["runs"]
    for _ in range(2):  # a reconnect sees the same
        with connect(url(service, "/summary?init")) as ws:
            init = read_until(ws, has("init_done"))
        runs = {m["run_summary"]["run_id"]: m["run_summary"] for m in init if "run_summary" in m}
        assert set(before) <= set(runs)
        assert runs[run_id] == before[run_id]
        for rid, summary in before.items():
            if summary["state"] in ("success", "failure", "error", "skipped"):
                assert runs[rid] == summary


def test_run_updates_stream_transitions_log_lines_and_meta(service: Service) -> None:
    run_id = adhoc(service, GRADUAL)
    with connect(url(service, f"/runs/{run_id}/updates")) as ws:
        first = json.loads(ws.recv(timeout=DEADLINE))
        assert set(first) == {"run", "meta", "run_log", "outputs"}
        assert first["run"]["run_id"] == run_id and "program" in first["run"]
        messages = [first]
        while not (
            any(m.get("run", {}).get("state") == "success" for m in messages)
            and any(m.get("run_log_append", {}).get("message") == "success" for m in messages)
        ):
            messages.append(json.loads(ws.recv(timeout=DEADLINE)))
    assert_in_order([m["run"]["state"] for m in messages if "run" in m])
    log = [line["message"] for line in first["run_log"]]
    log += [m["run_log_append"]["message"] for m in messages if "run_log_append" in m]
    assert log == service.run_log(run_id)  # every line once, in order
    final = next(m for m in reversed(messages) if "run" in m)
    assert final["meta"]["elapsed"] > 0.5
    grew = [m["outputs"]["output"]["length"] for m in messages if "outputs" in m]
    assert grew == sorted(grew) and grew[-1] == len(b"one\ntwo\nthree\n")


def read_output(ws: ClientConnection) -> tuple[list[tuple[int, bytes]], ConnectionClosed]:
    """Every (offset, bytes) frame until the service closes the socket."""
    frames: list[tuple[int, bytes]] = []
    while True:
        try:
            data = ws.recv(timeout=DEADLINE)
        except ConnectionClosed as closed:
            return frames, closed
        assert isinstance(data, bytes)
        header, _, body = data.partition(b"\n")
        meta = json.loads(header)
        assert meta["length"] == len(body)
        frames.append((meta["offset"], body))


def test_output_stream_sends_live_output_with_offsets_then_closes(service: Service) -> None:
    run_id = adhoc(service, GRADUAL)
    with connect(url(service, f"/runs/{run_id}/output/output/updates")) as ws:
        frames, closed = read_output(ws)
    assert isinstance(closed, ConnectionClosedOK) and closed.rcvd and closed.rcvd.code == 1000
    assert frames[0][0] == 0
    offset = 0
    for at, body in frames:
        assert at == offset
        offset += len(body)
    assert b"".join(body for _, body in frames) == b"one\ntwo\nthree\n"
    assert len([body for _, body in frames if body]) >= 2  # it came as it was written
    assert service.run(run_id)["state"] == "success"


def test_output_stream_of_a_finished_run_sends_it_from_start(service: Service) -> None:
    run_id = adhoc(service, "echo 0123456789")
    service.wait_state(run_id, "success")
    with connect(url(service, f"/runs/{run_id}/output/output/updates")) as ws:
        assert read_output(ws)[0] == [(0, b"0123456789\n")]
    with connect(url(service, f"/runs/{run_id}/output/output/updates?start=4")) as ws:
        assert read_output(ws)[0] == [(4, b"456789\n")]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/runs/r999999/updates", "no run 'r999999'"),
        ("/runs/r999999/output/output/updates", "no run 'r999999'"),
        ("/runs/nonsense/updates", "no run 'nonsense'"),
    ],
)
def test_streams_of_unknown_runs_close_with_1008(service: Service, path: str, reason: str) -> None:
    with connect(url(service, path)) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=DEADLINE)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, reason)


def _small_socket(service: Service) -> socket.socket:
    """A connection that takes in little until it is read: a slow client's."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", service.port))
    return sock


def test_a_client_that_stops_reading_is_dropped_and_the_service_goes_on(
    make_service: Callable[..., Service],
) -> None:
    service = make_service(
        {"blob": "params: [blob]\nprogram: {type: no-op}\n"}, "server: {subscriber_queue: 100}\n"
    )
    # One client never reads at all, not even the handshake's answer.
    silent = _small_socket(service)
    key = base64.b64encode(os.urandom(16)).decode()
    silent.sendall(
        f"GET /api/v1/summary HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        .encode()
    )  # fmt: skip
    # Another stops reading after the handshake, and reads again once dropped.
    with connect(url(service, "/summary"), sock=_small_socket(service), max_queue=1) as late:
        wait_for(
            "two subscribers", lambda: service.get("/stats").json()["subscribers"] == 2 or None
        )
        big = {"job_id": "blob", "args": {"blob": "x" * 20_000}}

        def dropped() -> bool | None:
            if service.get("/stats").json()["subscribers"] == 0:
                return True
            assert service.post("/runs", big, count=50).status_code == 200
            return None

        wait_for("both clients to be dropped", dropped)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                late.recv(timeout=DEADLINE)
    silent.close()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    assert "too slow: more than 100 updates behind" in closed.value.rcvd.reason
    # The service is well, and a new client gets the current state.
    assert service.get("/alive").status_code == 200
    with connect(url(service, "/summary?init")) as ws:
        init = read_until(ws, has("init_done"))
    assert len([m for m in init if m["type"] == "run_summary"]) >= 100
