"""The FastAPI app, and the one place where errors become HTTP responses.

Routes raise the engine's and the loaders' own exceptions (`NoSuchRun`,
`OperationError`, `JobDirErrors`, ...) and never build error responses themselves, so
every error a client can cause is `{"error": message}` with the same status wherever
it arises (SPEC §9.1): 404 for what does not exist, 400 for everything else a client
got wrong. Anything else is a bug: 500 with a generic message, never the exception's
text, which could leak internals.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from .. import __version__
from ..config import Config
from ..engine.engine import Engine
from ..engine.operations import NoSuchRun
from ..errors import ApsisError, JobDirErrors, NoSuchJob, SpecErrors, format_location
from . import api, control, jobs, metrics, run_streams, runs, schema, stream, web
from .context import Service

_NOT_FOUND = (NoSuchRun, NoSuchJob)


def create_app(
    engine: Engine,
    config: Config,
    *,
    running: asyncio.Event | None = None,
    shut_down: Callable[[bool], None] | None = None,
) -> FastAPI:
    """The service's app over `engine`.

    `running` is set once the engine has started (default: already started);
    `shut_down(restart)` is how `/api/control/shut_down` stops the server.
    """
    app = FastAPI(
        title="Apsis",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    service = Service(engine, config, shut_down=shut_down)
    if running is not None:
        service.running = running
    app.state.service = service
    app.include_router(api.router, prefix="/api/v1")
    app.include_router(jobs.router, prefix="/api/v1")
    app.include_router(runs.router, prefix="/api/v1")
    app.include_router(metrics.stats_router, prefix="/api/v1")
    app.include_router(stream.router, prefix="/api/v1")
    app.include_router(run_streams.router, prefix="/api/v1")
    app.include_router(control.router, prefix="/api/control")
    app.include_router(metrics.router)
    web.install(app)
    schema.install(app)

    @app.middleware("http")
    async def durable_before_visible(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # SPEC §11: a change is stored before anyone hears of it. The response is
        # built, but not sent until the store has written everything so far.
        response = await call_next(request)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            await engine.writer.barrier()
        return response

    app.add_exception_handler(ApsisError, _apsis_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    # Reached through Starlette's outermost middleware, which re-raises after sending
    # this response, so the server logs the traceback with the request it failed.
    app.add_exception_handler(Exception, _internal_error)
    return app


def error_response(status: int, message: str, errors: Sequence[str] = ()) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if errors:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=status)


async def _apsis_error(request: Request, exc: Exception) -> JSONResponse:
    status = 404 if isinstance(exc, _NOT_FOUND) else 400
    if isinstance(exc, JobDirErrors | SpecErrors):
        # Several located errors: the lines as a list too, so a client need not split.
        lines = [error.message for error in exc.errors]
        summary = f"{len(lines)} errors" if len(lines) != 1 else lines[0]
        return error_response(status, summary, lines)
    return error_response(status, str(exc))


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    content_type = request.headers.get("content-type", "")
    if exc.errors() and exc.errors()[0]["loc"] == ("body",) and "json" not in content_type:
        # A JSON body sent as a form (`curl -d`) or text is not read: browsers send those
        # cross-site without asking, so reading them would let any web page act here.
        return error_response(
            400,
            f"the body must be JSON sent with Content-Type: application/json"
            f" (this request says {content_type or 'nothing'})",
        )
    reasons = [_reason(error) for error in exc.errors()]
    return error_response(400, "; ".join(reasons), reasons if len(reasons) > 1 else ())


def _reason(error: dict[str, Any]) -> str:
    """One validation error as `query.count: must be ≥ 1`-style text."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "json_invalid":
        return f"request body is not valid JSON: {ctx.get('error', error['msg'])}"
    if kind == "value_error":
        reason = str(ctx.get("error", error["msg"]))
    elif kind == "missing":
        reason = "missing"
    else:
        msg = str(error["msg"])
        reason = msg[:1].lower() + msg[1:]
    where = format_location([p for p in error["loc"] if isinstance(p, str | int)])
    return f"{where}: {reason}" if where else reason


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    # A path no route has is a page of the web UI (history-mode routing), unless the
    # path is the API's.
    if exc.status_code == 404 and (page := web.page_for(request)) is not None:
        return page
    response = error_response(exc.status_code, str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    return error_response(500, "internal error; the service log has the details")
