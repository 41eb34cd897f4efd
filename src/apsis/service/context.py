"""What every route needs: the engine, the config and the service's lifecycle hooks.

Routes receive it through FastAPI's dependency injection (`ServiceDep`) rather than a
module global, so one process could serve two apps and a test can build an app over
any engine.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, cast

from fastapi import Depends, Request, WebSocket

from ..config import Config
from ..engine.engine import Engine
from .monitor import LoopMonitor, TransitionMetrics, process_stats


def _started() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


@dataclass
class Service:
    engine: Engine
    config: Config
    running: asyncio.Event = field(default_factory=_started)
    """Set once the engine has started; `GET /running` waits for it."""
    shut_down: Callable[[bool], None] | None = None
    """Asks the server for an orderly shutdown (True: and a restart); None if it cannot."""
    loop_monitor: LoopMonitor = field(default_factory=LoopMonitor)
    metrics: TransitionMetrics = field(init=False)
    _monitoring: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.metrics = TransitionMetrics(self.engine)

    def start(self) -> None:
        """Start measuring (before the engine starts, so its start-up counts too)."""
        self.metrics.attach()
        self.engine.housekeeping.stats_sources.append(self._stats)
        self._monitoring = asyncio.create_task(self.loop_monitor.run(), name="loop monitor")

    async def close(self) -> None:
        if self._monitoring is not None:
            self._monitoring.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitoring

    def _stats(self) -> dict[str, Any]:
        return {"event_loop": self.loop_monitor.stats(), "process": process_stats()}


def get_service(request: Request) -> Service:
    return cast(Service, request.app.state.service)


def get_ws_service(websocket: WebSocket) -> Service:
    return cast(Service, websocket.app.state.service)


ServiceDep = Annotated[Service, Depends(get_service)]
WsServiceDep = Annotated[Service, Depends(get_ws_service)]
"""The service, for websocket routes (which have no Request)."""
