"""`webhook` actions against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import apsis.actions.webhook
from apsis.actions import WebhookAction
from apsis.config import SmtpConfig
from apsis.errors import ApsisError
from apsis.model.run import Run
from apsis.model.state import State
from apsis.program.noop import NoOpProgram

T0 = datetime(2026, 11, 21, 10, tzinfo=UTC)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    """What the server got, and the statuses it answers with, in order (then 200)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def _receive(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            rec = holder[0]
            rec.requests.append(Received(self.command, self.path, dict(self.headers), body))
            status = rec.statuses.pop(0) if rec.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = do_PATCH = _receive

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll interval makes shutdown() quick.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    holder.append(Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/apsis"))
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apsis.actions.webhook, "RETRY_DELAYS", (0.05, 0.1))


class Context:
    smtp = SmtpConfig()

    async def schedule_run(self, *args: Any, **kwargs: Any) -> str:
        raise AssertionError("not used")

    def consecutive(self, run: Run, states: frozenset[State]) -> int:
        raise AssertionError("not used")

    async def output_tail(self, run: Run, size: int) -> bytes:
        raise AssertionError("not used")


RUN = Run(
    run_id="r7",
    job_id="etl/load",
    args={"date": "2026-11-21"},
    state=State.failure,
    times={"schedule": T0, "running": T0.replace(minute=1), "failure": T0.replace(minute=2)},
    program=NoOpProgram(success=False),
    labels=["etl"],
)


def call(action: WebhookAction) -> str | None:
    return asyncio.run(action.perform(RUN, Context()))


def test_webhook_posts_the_run_json_with_its_headers(receiver: Receiver) -> None:
    action = WebhookAction(url=receiver.url, headers={"Authorization": "Bearer t0k", "X-Env": "p"})
    assert call(action) == f"action: webhook POST {receiver.url}: HTTP 200"
    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/hooks/apsis")
    assert request.body == RUN.to_jso()
    assert request.body["state"] == "failure"
    assert request.headers["Authorization"] == "Bearer t0k"
    assert request.headers["X-Env"] == "p"
    assert request.headers["Content-Type"] == "application/json"


def test_webhook_uses_its_method(receiver: Receiver) -> None:
    call(WebhookAction(url=receiver.url, method="PUT"))
    assert [r.method for r in receiver.requests] == ["PUT"]


def test_webhook_retries_a_server_error_then_succeeds(receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    started = time.monotonic()
    assert call(WebhookAction(url=receiver.url)) == f"action: webhook POST {receiver.url}: HTTP 200"
    assert time.monotonic() - started >= 0.15  # both back-off delays were waited
    assert len(receiver.requests) == 3
    assert all(r.body == RUN.to_jso() for r in receiver.requests)


def test_webhook_retries_too_many_requests(receiver: Receiver) -> None:
    receiver.statuses = [429]
    call(WebhookAction(url=receiver.url))
    assert len(receiver.requests) == 2


def test_webhook_fails_after_three_attempts(receiver: Receiver) -> None:
    receiver.statuses = [500, 500, 502]
    with pytest.raises(ApsisError) as info:
        call(WebhookAction(url=receiver.url))
    assert str(info.value) == f"webhook POST {receiver.url}: HTTP 502 after 3 attempts"
    assert len(receiver.requests) == 3


def test_webhook_does_not_retry_a_client_error(receiver: Receiver) -> None:
    receiver.statuses = [404]
    with pytest.raises(ApsisError) as info:
        call(WebhookAction(url=receiver.url))
    assert str(info.value) == f"webhook POST {receiver.url}: HTTP 404 after 1 attempt"
    assert len(receiver.requests) == 1


def test_webhook_retries_when_it_cannot_connect() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/x"  # bound, not listening: refused
        with pytest.raises(ApsisError) as info:
            call(WebhookAction(url=url))
    message = str(info.value)
    assert message.startswith(f"webhook POST {url}: ")
    assert message.endswith(" after 3 attempts")
