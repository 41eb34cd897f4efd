"""The agent itself: `serve` is its whole life (`launch.py` starts it).

`serve` holds the lock for its whole life, takes over the process table, listens, and
only then writes agent.json: whoever reads agent.json can connect at once. It removes
agent.json when it exits (on `POST /shutdown`, SIGTERM, or once idle); its processes go
on and the next agent re-adopts them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import UTC, datetime

import uvicorn

from .. import __version__
from ..program.local import hostname, username
from ..timespec import format_time
from .events import EventLog
from .launch import LOCK_HELD
from .processes import Processes
from .protocol import AgentStatus
from .server import make_app
from .state import AgentFile, StateDir
from .table import Table
from .tls import ensure_certificate

log = logging.getLogger(__name__)

ABORT_AFTER = 0.2
"""How long an exiting agent lets its last answers go out before it drops connections."""


def serve(state: StateDir, bind: str, port: int, idle_timeout: float) -> int:
    """Be the agent of `state` until told to exit; the process's exit status."""
    state.create()
    lock = state.lock()
    if lock is None:
        log.error("%s: another agent holds this state directory", state.path)
        return LOCK_HELD
    try:
        os.chdir(state.path)
        ensure_certificate(state.cert_file, state.key_file)
        asyncio.run(_serve(state, bind, port, idle_timeout))
    finally:
        agent = state.read_agent()
        if agent is not None and agent.pid == os.getpid():
            state.agent_file.unlink(missing_ok=True)
        os.close(lock)
    return 0


class _Server(uvicorn.Server):
    """uvicorn's server, but one that does not wait for idle clients to hang up.

    A TLS close waits for the client's close_notify, which a client idling in its
    keep-alive pool never sends, so uvicorn would wait out its whole graceful timeout on
    every exit. The agent's answers are all quick once the long polls are woken
    (`on_exit`), so after a moment to send them every connection is aborted.
    """

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._on_exit()
        abort = asyncio.create_task(self._abort_connections(ABORT_AFTER))
        try:
            await super().shutdown(sockets)
        finally:
            abort.cancel()

    async def _abort_connections(self, delay: float) -> None:
        await asyncio.sleep(delay)
        for connection in list(self.server_state.connections):
            transport = getattr(connection, "transport", None)
            if isinstance(transport, asyncio.Transport):
                transport.abort()


def _listen(bind: str, port: int) -> socket.socket:
    family, type_, proto, _, address = socket.getaddrinfo(
        bind, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, type_, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


async def _serve(state: StateDir, bind: str, port: int, idle_timeout: float) -> None:
    events = EventLog()
    host, user, token = hostname(), username(), secrets.token_urlsafe(32)
    start = format_time(datetime.now(UTC))

    def exit_() -> None:
        server.should_exit = True

    processes = Processes(
        Table(state.table_file),
        state.spool,
        events,
        host=host,
        user=user,
        idle_timeout=idle_timeout,
        on_idle=exit_,
    )

    def status() -> AgentStatus:
        total, running = processes.counts()
        return AgentStatus(
            version=__version__,
            pid=os.getpid(),
            host=host,
            user=user,
            epoch=events.epoch,
            start=start,
            processes=total,
            running=running,
        )

    config = uvicorn.Config(
        make_app(processes, events, token, status, exit_),
        ssl_certfile=str(state.cert_file),
        ssl_keyfile=str(state.key_file),
        access_log=False,
        log_level="warning",
        log_config=None,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    server = _Server(config, on_exit=events.wake)
    with contextlib.closing(_listen(bind, port)) as sock:
        processes.open()
        try:
            state.write_agent(
                AgentFile(
                    version=__version__,
                    pid=os.getpid(),
                    host=host,
                    user=user,
                    bind=bind,
                    port=sock.getsockname()[1],
                    token=token,
                    epoch=events.epoch,
                    start=start,
                )
            )
            log.info("agent %d serving on %s port %d", os.getpid(), bind, sock.getsockname()[1])
            await server.serve(sockets=[sock])
        finally:
            processes.close()
    log.info("agent %d exited", os.getpid())
