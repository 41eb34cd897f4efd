"""The agent's HTTPS API (`protocol.py` is the contract): a Starlette app over `Processes`.

Starlette rather than FastAPI: the agent must start a thousand processes a second
through one connection pool, and each layer of dependency injection and response
validation is paid per request. Bodies are validated with the protocol's pydantic
models, as FastAPI would; responses are those models, serialised by pydantic.

The token is checked by a plain ASGI middleware before any route runs, with a constant
time comparison, so a wrong token learns nothing, not even whether the path exists.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .events import EventLog
from .processes import CannotStart, Forbidden, Processes, signal_number
from .protocol import (
    API,
    MAX_POLL,
    OUTPUT_LENGTH_HEADER,
    AgentStatus,
    ReleaseRequest,
    StartBatch,
    StartRequest,
    StartResult,
    StartResults,
)

MAX_OUTPUT_READ = 16 * 1024 * 1024
"""The most one output request returns: a client reads a longer output in pieces."""


def _json(model: BaseModel, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code, media_type="application/json")


def _error(message: str, status_code: int) -> Response:
    return JSONResponse({"error": message}, status_code)


class TokenCheck:
    """Answer 403 to any request without `Authorization: Bearer TOKEN`."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
            if not hmac.compare_digest(given, self.expected):
                await _error("missing or wrong token", 403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _read(path: Path, offset: int, length: int) -> tuple[bytes, int]:
    """Up to `length` bytes of `path` from `offset`, and its whole length."""
    try:
        with path.open("rb") as file:
            total = os.fstat(file.fileno()).st_size
            file.seek(offset)
            return file.read(length), total
    except FileNotFoundError:
        return b"", 0


def make_app(
    processes: Processes,
    events: EventLog,
    token: str,
    status: Callable[[], AgentStatus],
    shutdown: Callable[[], None],
) -> ASGIApp:
    """The API; `status()` describes the agent, `shutdown()` makes it exit."""

    async def agent(request: Request) -> Response:
        return _json(status())

    async def start(request: Request) -> Response:
        try:
            body = StartRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return _error(f"bad request: {exc}", 400)
        result = start_one(body)
        if result.process is None:
            return _error(result.error or "cannot start", result.status)
        return _json(result.process)

    def start_one(body: StartRequest) -> StartResult:
        try:
            return StartResult(process=processes.start(body))
        except CannotStart as exc:
            return StartResult(error=str(exc), status=400)
        except Forbidden as exc:
            return StartResult(error=str(exc), status=403)

    async def start_batch(request: Request) -> Response:
        try:
            body = StartBatch.model_validate_json(await request.body())
        except ValidationError as exc:
            return _error(f"bad request: {exc}", 400)
        return _json(StartResults(results=[start_one(one) for one in body.processes]))

    async def list_(request: Request) -> Response:
        body = {"processes": [p.model_dump(mode="json") for p in processes.infos()]}
        return Response(json.dumps(body), media_type="application/json")

    def unknown(proc_id: str) -> Response:
        return _error(f"no process {proc_id}", 404)

    async def get(request: Request) -> Response:
        proc_id = request.path_params["proc_id"]
        try:
            return _json(processes.info(proc_id))
        except KeyError:
            return unknown(proc_id)

    async def output(request: Request) -> Response:
        proc_id = request.path_params["proc_id"]
        try:
            path = processes.spool_path(proc_id)
            offset = int(request.query_params.get("offset", 0))
            length = int(request.query_params.get("length", MAX_OUTPUT_READ))
        except KeyError:
            return unknown(proc_id)
        except ValueError:
            return _error("offset and length must be integers", 400)
        if offset < 0 or length < 0:
            return _error("offset and length must not be negative", 400)
        data, total = await asyncio.to_thread(_read, path, offset, min(length, MAX_OUTPUT_READ))
        return Response(
            data,
            media_type="application/octet-stream",
            headers={OUTPUT_LENGTH_HEADER: str(total)},
        )

    async def stop(request: Request) -> Response:
        proc_id = request.path_params["proc_id"]
        try:
            return _json(processes.stop(proc_id))
        except KeyError:
            return unknown(proc_id)

    async def signal(request: Request) -> Response:
        proc_id = request.path_params["proc_id"]
        try:
            signum = signal_number(request.path_params["signal"])
        except ValueError as exc:
            return _error(str(exc), 400)
        try:
            return _json(processes.send(proc_id, signum))
        except KeyError:
            return unknown(proc_id)

    async def delete(request: Request) -> Response:
        proc_id = request.path_params["proc_id"]
        try:
            processes.release(proc_id)
        except KeyError:
            return unknown(proc_id)
        return Response(status_code=204)

    async def release(request: Request) -> Response:
        try:
            body = ReleaseRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return _error(f"bad request: {exc}", 400)
        released = 0
        for proc_id in body.proc_ids:
            try:
                processes.release(proc_id)
            except KeyError:
                continue
            released += 1
        return JSONResponse({"released": released})

    async def events_(request: Request) -> Response:
        try:
            after = int(request.query_params.get("after", 0))
            timeout = float(request.query_params.get("timeout", 0))
        except ValueError:
            return _error("after must be an integer and timeout a number", 400)
        epoch = request.query_params.get("epoch")
        return _json(await events.poll(after, max(0.0, min(timeout, MAX_POLL)), epoch))

    async def shutdown_(request: Request) -> Response:
        shutdown()
        return Response(status_code=204)

    routes = [
        Route(f"{API}/agent", agent, methods=["GET"]),
        Route(f"{API}/processes", start, methods=["POST"]),
        Route(f"{API}/processes", list_, methods=["GET"]),
        Route(f"{API}/processes/batch", start_batch, methods=["POST"]),
        Route(f"{API}/processes/{{proc_id}}", get, methods=["GET"]),
        Route(f"{API}/processes/{{proc_id}}", delete, methods=["DELETE"]),
        Route(f"{API}/processes/{{proc_id}}/output", output, methods=["GET"]),
        Route(f"{API}/processes/{{proc_id}}/stop", stop, methods=["POST"]),
        Route(f"{API}/processes/{{proc_id}}/signal/{{signal}}", signal, methods=["POST"]),
        Route(f"{API}/release", release, methods=["POST"]),
        Route(f"{API}/events", events_, methods=["GET"]),
        Route(f"{API}/shutdown", shutdown_, methods=["POST"]),
    ]
    return TokenCheck(Starlette(routes=routes), token)
