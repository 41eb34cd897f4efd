"""`apsisctl serve`: the service process (SPEC §9.3).

Everything that can be wrong with what the operator gave us (config, job directory,
database, address) is checked before the event loop starts and reported in plain
lines with exit status 1; the service never starts half-configured.

Then uvicorn and the engine share one event loop: the server listens first, so
`/alive` answers while the engine loads its runs, and `/running` answers once the
engine has started. SIGTERM and SIGINT (and `/api/control/shut_down`) stop it in
order: stop accepting requests, finish those in flight, close the engine (which
flushes every pending write to the store), close the connections to the agents, close
the store, exit 0. Running programs are not touched: their agents keep them, and the
next start of the service follows them again (SPEC §10).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import uvicorn

from ..agent.pool import AgentPool
from ..config import Config, load_config
from ..engine.engine import Engine
from ..errors import ApsisError, JobDirErrors
from ..jobs import JobDir
from ..jobs.watch import JobDirWatcher
from ..store import Store, create_store, open_store
from .app import create_app
from .context import Service
from .control import load_jobs, reload_jobs_in_force
from .tuning import tune_gc

log = logging.getLogger(__name__)

GRACEFUL_SECONDS = 5
"""How long requests in flight may take to finish once a shutdown has begun."""


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal handling.

    uvicorn re-raises a captured SIGTERM once it has stopped, which would kill the
    process before the engine is closed; `_serve` handles the signals instead.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _fail(*lines: str) -> int:
    *details, last = lines
    sys.stderr.write("".join(f"{line}\n" for line in details) + f"error: {last}\n")
    return 1


def _address(bind: str, host: str | None, port: int | None) -> tuple[str, int]:
    """`server.bind` (HOST:PORT, `[::1]:PORT` for IPv6), overridden by the CLI flags."""
    bind_host, _, bind_port = bind.rpartition(":")
    if not bind_host or not bind_port.isdigit():
        raise ApsisError(f"server.bind: {bind!r} is not HOST:PORT")
    return host or bind_host.strip("[]"), int(bind_port) if port is None else port


def _listen(host: str, port: int) -> socket.socket:
    """Bind before anything starts, so a taken port is a one-line error, not a
    traceback from inside the server."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ApsisError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    # Accepted connections inherit this. asyncio sets it only on sockets made with
    # proto=IPPROTO_TCP, which create_server's are not (proto 0); without it a response
    # written in two pieces (head, body) waits for the client's delayed ACK: 40 ms for
    # every request but the first on a keep-alive connection.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _check_supported(config: Config) -> None:
    """Refuse settings not implemented yet rather than serve without them: a service
    configured for TLS or tokens must not quietly answer plain, unauthenticated HTTP."""
    for key in ("tls", "auth"):
        if getattr(config.server, key) is not None:
            raise ApsisError(f"server.{key}: not supported yet; remove it to serve without it")


def _open_store(config: Config, create: bool) -> Store:
    if config.database.url is not None:
        raise ApsisError("database.url: only SQLite files (database.path) are supported yet")
    path = config.database_path
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        create_store(path)
        log.info("created database %s", path)
    return open_store(path, config.database.timeout)


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request to the agents at INFO: thousands of lines a minute.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def main(
    config_path: Path | None,
    overrides: Iterable[str] = (),
    host: str | None = None,
    port: int | None = None,
    create_db: bool = False,
) -> int:
    """Run the service until it is told to stop; the process's exit status."""
    configure_logging()
    try:
        config = load_config(config_path, overrides)
    except ApsisError as exc:
        return _fail(str(exc))
    tune_gc(config.python.gc)
    try:
        _check_supported(config)
        jobs = load_jobs(config)
        address = _address(config.server.bind, host, port)
        store = _open_store(config, create_db)
    except JobDirErrors as exc:
        lines = [error.message for error in exc.errors]
        count = f"{len(lines)} error{'s' if len(lines) != 1 else ''}"
        return _fail(*lines, f"{count} in job directory {config.job_dir}")
    except ApsisError as exc:
        return _fail(str(exc))
    try:
        sock = _listen(*address)
        restart = asyncio.run(_serve(config, jobs, store, sock))
    except ApsisError as exc:
        return _fail(str(exc))
    finally:
        store.close()
    if restart:
        log.info("restarting")
        logging.shutdown()
        os.execv(sys.executable, sys.orig_argv)
    log.info("stopped")
    return 0


async def _serve(config: Config, jobs: JobDir, store: Store, sock: socket.socket) -> bool:
    """Serve until shut down; whether a restart was asked for."""
    host, port = sock.getsockname()[:2]
    agents = AgentPool(config)
    engine = Engine(config, jobs, store, agents=agents)
    running = asyncio.Event()
    restart = False

    def shut_down(again: bool) -> None:
        nonlocal restart
        log.info("%s requested over HTTP", "restart" if again else "shutdown")
        restart = restart or again
        server.should_exit = True

    app = create_app(engine, config, running=running, shut_down=shut_down)
    server = _Server(
        uvicorn.Config(
            app, host=host, port=port, lifespan="off", log_config=None, access_log=False,
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
        )
    )  # fmt: skip

    def on_signal(signum: signal.Signals) -> None:
        log.info("%s: shutting down", signum.name)
        # A second signal cuts the wait for requests in flight short.
        server.force_exit = server.should_exit
        server.should_exit = True

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    serving = asyncio.create_task(server.serve(sockets=[sock]), name="http")
    log.info("listening on http://%s:%d", host, port)
    service: Service = app.state.service
    service.start()
    try:
        await engine.start()
    except BaseException:
        server.should_exit = True
        await serving
        await service.close()
        await engine.close()
        await agents.close()
        raise
    running.set()
    log.info("running: %d jobs from %s", len(jobs), jobs.path)
    watching = None
    if config.jobs.watch:
        watcher = JobDirWatcher(config.job_dir, lambda: reload_jobs_in_force(engine, config))
        watching = asyncio.create_task(watcher.run(), name="watch jobs")
    await serving
    if watching is not None:
        watching.cancel()
    await service.close()
    await engine.close()
    await agents.close()
    return restart
