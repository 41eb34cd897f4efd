"""What every route needs: the engine, the config and the service's lifecycle hooks.

Routes receive it through FastAPI's dependency injection (`ServiceDep`) rather than a
module global, so one process could serve two apps and a test can build an app over
any engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, cast

from fastapi import Depends, Request

from ..config import Config
from ..engine.engine import Engine


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


def get_service(request: Request) -> Service:
    return cast(Service, request.app.state.service)


ServiceDep = Annotated[Service, Depends(get_service)]
