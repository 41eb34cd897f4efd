"""The service's connection to one agent, shared by every run on its (host, user).

1. The first request launches the agent (or finds it: `launcher.py`), then opens an
   HTTPS connection pool that trusts exactly the certificate the agent printed.
2. One task long-polls the agent's events for every process followed here, and hands
   each event to that process's `Follower`; an execution waits on its follower, so a
   run costs no request of its own while it runs. A short run's exit event carries its
   output: a trivial run costs its start request, a share of one poll and a share of
   one batched release.
3. On an epoch change or a reset (the agent restarted, or we fell behind its ring of
   events), one `GET /processes` tells every follower where its process is now.
4. When a request or the poll fails, the agent may have restarted with a new port and
   token, so the launcher is run again, with exponential back-off, for at most
   `agent.reconnect_timeout`; then every follower learns that the agent is gone, with
   the last error. An agent never reached at all fails at once: a run that cannot
   start says so now rather than minutes later. With nobody to follow, a lost
   connection is simply dropped, so that an agent past its idle timeout may exit.
5. Starts are sent in batches: those asked for in one event-loop turn, and those asked
   for while earlier batches are in flight, go in one request (runs fall due together).
6. Events that arrive for a process before its start request has answered (the poll
   and the start travel on different connections) are kept until it answers; a reset
   during a start makes that start ask about its process itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import httpx
from pydantic import ValidationError

from ..program.local import ProcessSpec
from .follower import Follower
from .launcher import AgentKey, Found, Launcher, LaunchError
from .protocol import (
    API,
    OUTPUT_LENGTH_HEADER,
    Event,
    Events,
    ProcessInfo,
    ReleaseRequest,
    StartBatch,
    StartRequest,
    StartResult,
    StartResults,
)
from .tls import pinned_context

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30.0
"""How long one events poll waits for an event; the read timeout allows a margin."""
REQUEST_TIMEOUT = 30.0
COALESCE = 0.03
"""After a poll that brought events, how long to wait before the next one."""
CONNECTIONS = 8
"""Connections per agent, one of them the events poll's; requests beyond wait in front
of them. The agent serves one request at a time, so more would only cost handshakes;
a few in flight keep it busy while this side prepares the next."""
FIRST_BACKOFF = 0.1
MAX_BACKOFF = 5.0
START_BATCH = 50
STARTS_IN_FLIGHT = 2
"""Start batches sent at once: while the agent spawns one, this side prepares the next."""
RELEASE_BATCH = 1000
RELEASE_DELAY = 0.1
"""Releases wait this long to go in one request with others: nothing waits for them."""
NO_EPOCH = "-"
"""An epoch no agent has: asking with it answers `reset` with the agent's own."""


class AgentUnavailable(Exception):
    """The agent cannot be reached; the message names it and says why."""


class StartRefused(Exception):
    """The agent answered that it cannot (400) or may not (403) start the process."""


class UnknownProcess(Exception):
    """The agent has no such process (404): released, or its state directory lost."""


class BadAnswer(Exception):
    """The agent answered something the protocol does not allow."""


class _Closed(BadAnswer):
    """The connection a request was to go on closed before it was sent."""


_Failure = (httpx.HTTPError, OSError, BadAnswer, ValidationError)


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"])
    except (ValueError, KeyError, TypeError):
        return response.text or f"HTTP {response.status_code}"


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code == 404:
        raise UnknownProcess(_error_text(response))
    if response.status_code >= 300:
        raise BadAnswer(f"HTTP {response.status_code}: {_error_text(response)}")
    return response


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class AgentClient:
    """The connection to the agent of one (host, user); see the module docstring."""

    def __init__(self, key: AgentKey, launcher: Launcher, reconnect_timeout: float) -> None:
        self.key = key
        self._launcher = launcher
        self._reconnect_timeout = reconnect_timeout
        self._http: httpx.AsyncClient | None = None
        self._user = ""
        """The agent's user, which every start request must name."""
        self._epoch = NO_EPOCH
        self._seq = 0
        self._resets = 0
        self._ever_connected = False
        self._ready: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._gate = asyncio.Semaphore(CONNECTIONS - 1)  # one connection stays the poll's
        self._followers: dict[str, Follower] = {}
        self._starting = 0
        self._early: dict[str, list[Event]] = {}
        self._start_queue: list[tuple[StartRequest, asyncio.Future[StartResult]]] = []
        self._start_flusher: asyncio.Task[None] | None = None
        self._start_slots = asyncio.Semaphore(STARTS_IN_FLIGHT)
        self._start_sends: set[asyncio.Task[None]] = set()
        self._releases: list[str] = []
        self._releasing: asyncio.Task[None] | None = None
        self._unsynced: list[Follower] = []
        self._syncing: asyncio.Task[None] | None = None

    # --- what executions ask -----------------------------------------------------------

    async def start(self, spec: ProcessSpec) -> tuple[ProcessInfo, Follower]:
        """Start a process and follow it; StartRefused, or AgentUnavailable."""
        self._starting += 1
        try:
            while True:
                await self._connection()
                resets = self._resets
                body = StartRequest(
                    run_id=spec.run_id,
                    user=self._user,
                    argv=spec.argv,
                    env=spec.env,
                    cwd=spec.cwd,
                    stop_signal=spec.stop_signal.name,
                    grace_period=spec.grace_period,
                    timeout=spec.timeout,
                    timeout_signal=spec.timeout_signal.name,
                    key=spec.start_key,
                )
                try:
                    result = await self._start_batched(body)
                    break
                except _Closed:
                    continue  # Reconnecting: wait for the new connection.
                except (*_Failure, UnknownProcess) as exc:
                    raise AgentUnavailable(
                        f"lost the agent on {self.key} while starting (the process may have "
                        f"started): {_describe(exc)}"
                    ) from None
            if result.status in (400, 403):
                raise StartRefused(result.error or f"HTTP {result.status}")
            if result.process is None:
                raise AgentUnavailable(
                    f"the agent on {self.key}: start answered {result.status}: {result.error}"
                )
            info = result.process
            follower = self._follow(info.proc_id)
            for event in self._early.pop(info.proc_id, []):
                follower.apply(event)
            if self._resets != resets:
                # A reset answered while we started: it may have passed our exit by.
                with contextlib.suppress(*_Failure, UnknownProcess):
                    follower.learn(await self.info(info.proc_id))
            return info, follower
        finally:
            self._starting -= 1

    def follow(self, proc_id: str) -> Follower:
        """Follow a process started before (by an earlier service); connects if need be.

        Its follower learns where the process is once the agent answers: the processes
        followed in one event-loop turn (every run found at start-up) share one request.
        """
        follower = self._follow(proc_id)
        self._unsynced.append(follower)
        if self._syncing is None or self._syncing.done():
            self._syncing = asyncio.create_task(self._sync_new(), name=f"agent {self.key} sync")
        return follower

    async def info(self, proc_id: str) -> ProcessInfo:
        http = await self._connection()
        response = await self._request(http, "GET", f"/processes/{proc_id}")
        return ProcessInfo.model_validate_json(_check(response).content)

    async def output(self, proc_id: str, offset: int) -> tuple[bytes, int]:
        """Output from `offset` (as much as one answer holds), and the whole length."""
        http = await self._connection()
        response = _check(
            await self._request(
                http, "GET", f"/processes/{proc_id}/output", params={"offset": offset}
            )
        )
        try:
            total = int(response.headers[OUTPUT_LENGTH_HEADER])
        except (KeyError, ValueError):
            raise BadAnswer(f"no {OUTPUT_LENGTH_HEADER} header") from None
        return response.content, total

    async def stop(self, proc_id: str) -> None:
        http = await self._connection()
        _check(await self._request(http, "POST", f"/processes/{proc_id}/stop"))

    async def signal(self, proc_id: str, signal: str) -> None:
        http = await self._connection()
        _check(await self._request(http, "POST", f"/processes/{proc_id}/signal/{signal}"))

    def release(self, proc_id: str) -> None:
        """Let the agent forget a process, in a batch with the others of this moment."""
        self._followers.pop(proc_id, None)
        self._releases.append(proc_id)
        if self._releasing is None or self._releasing.done():
            self._releasing = asyncio.create_task(self._flush_releases(), name="agent release")

    async def close(self) -> None:
        """Send the releases still queued, then close; the processes are not touched."""
        if self._releasing is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._releasing), 2.0)
            self._releasing.cancel()
        for task in (self._start_flusher, *self._start_sends, self._syncing, self._task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._disconnect()

    # --- the connection ----------------------------------------------------------------

    async def _request(
        self, http: httpx.AsyncClient, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        async with self._gate:
            if http.is_closed:
                raise _Closed("the connection to the agent was closed; not sent")
            return await http.request(method, path, **kwargs)

    async def _start_batched(self, body: StartRequest) -> StartResult:
        future: asyncio.Future[StartResult] = asyncio.get_running_loop().create_future()
        self._start_queue.append((body, future))
        if self._start_flusher is None or self._start_flusher.done():
            self._start_flusher = asyncio.create_task(
                self._flush_starts(), name=f"agent {self.key} starts"
            )
        return await future

    async def _flush_starts(self) -> None:
        await asyncio.sleep(0)  # Gather the starts of this event-loop turn.
        while self._start_queue:
            await self._start_slots.acquire()
            batch = self._start_queue[:START_BATCH]
            del self._start_queue[:START_BATCH]
            send = asyncio.create_task(self._send_starts(batch), name="agent start batch")
            self._start_sends.add(send)
            send.add_done_callback(self._start_sends.discard)

    async def _send_starts(
        self, batch: list[tuple[StartRequest, asyncio.Future[StartResult]]]
    ) -> None:
        try:
            http = self._http
            if http is None:
                raise _Closed("not connected to the agent; not sent")
            content = StartBatch(processes=[body for body, _ in batch]).model_dump_json()
            response = await self._request(http, "POST", "/processes/batch", content=content)
            results = StartResults.model_validate_json(_check(response).content).results
            if len(results) != len(batch):
                raise BadAnswer(f"{len(results)} answers to {len(batch)} starts")
        except (*_Failure, UnknownProcess) as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
        else:
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
        finally:
            self._start_slots.release()
            for _, future in batch:
                future.cancel()  # Only those still waiting: cancelled with this task.

    def _follow(self, proc_id: str) -> Follower:
        follower = self._followers.get(proc_id)
        if follower is None:
            follower = self._followers[proc_id] = Follower(proc_id)
        return follower

    def _ensure_task(self) -> asyncio.Future[None]:
        if self._task is None or self._task.done():
            self._ready = asyncio.get_running_loop().create_future()
            self._ready.add_done_callback(_retrieve)
            self._task = asyncio.create_task(self._run(), name=f"agent {self.key}")
        assert self._ready is not None
        return self._ready

    async def _connection(self) -> httpx.AsyncClient:
        """The connection pool, once the agent answers; AgentUnavailable if it will not."""
        while True:
            await asyncio.shield(self._ensure_task())
            if self._http is not None:
                return self._http

    async def _run(self) -> None:
        """Connect, then poll events until the connection fails; again while needed."""
        try:
            while True:
                await self._establish()
                try:
                    await self._poll()
                except (*_Failure, UnknownProcess) as exc:
                    message = _describe(exc)
                # Before any await: nobody may take the closing pool for a live one.
                if not self._followers and not self._starting:
                    log.info("agent on %s: connection closed (%s)", self.key, message)
                    self._task = None  # The next request connects afresh.
                    await self._disconnect()
                    return
                log.warning("agent on %s: connection lost: %s; reconnecting", self.key, message)
                self._ready = asyncio.get_running_loop().create_future()
                self._ready.add_done_callback(_retrieve)
                await self._disconnect()
        except AgentUnavailable as exc:
            reason = str(exc)
            log.error("%s", reason)
            assert self._ready is not None
            if not self._ready.done():
                self._ready.set_exception(AgentUnavailable(reason))
            followers, self._followers = self._followers, {}
            for follower in followers.values():
                follower.fail(reason)
            await self._disconnect()

    async def _establish(self) -> None:
        """Launch or find the agent and catch up with its events, retrying with back-off
        if it was reached before or has processes to follow."""
        loop = asyncio.get_running_loop()
        patient = self._ever_connected or bool(self._followers)
        deadline = loop.time() + self._reconnect_timeout
        delay = FIRST_BACKOFF
        while True:
            try:
                found = await self._launcher.launch(self.key)
                await self._open(found)
                return
            except (LaunchError, *_Failure, UnknownProcess) as exc:
                await self._disconnect()
                error = _describe(exc)
                if not patient:
                    raise AgentUnavailable(error) from None
                if loop.time() + delay > deadline:
                    raise AgentUnavailable(
                        f"the agent on {self.key} could not be reached for "
                        f"{self._reconnect_timeout:g} s: {error}"
                    ) from None
                log.warning("agent on %s: %s; retrying in %.1f s", self.key, error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    async def _open(self, found: Found) -> None:
        info = found.info
        host = f"[{found.address}]" if ":" in found.address else found.address
        self._http = httpx.AsyncClient(
            base_url=f"https://{host}:{info.port}{API}",
            verify=pinned_context(info.cert),
            headers={"Authorization": f"Bearer {info.token}", "Content-Type": "application/json"},
            timeout=httpx.Timeout(REQUEST_TIMEOUT, pool=None),
            limits=httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS),
        )
        self._user = info.user
        await self._apply(await self._events(0.0))
        self._ever_connected = True
        log.info(
            "agent on %s: connected (pid %d, port %d%s)",
            self.key, info.pid, info.port, ", started" if info.started else "",
        )  # fmt: skip
        assert self._ready is not None
        if not self._ready.done():
            self._ready.set_result(None)

    async def _disconnect(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def _events(self, timeout: float) -> Events:
        assert self._http is not None
        response = await self._http.get(
            "/events",
            params={"after": self._seq, "epoch": self._epoch, "timeout": timeout},
            timeout=httpx.Timeout(REQUEST_TIMEOUT + timeout, pool=None),
        )
        return Events.model_validate_json(_check(response).content)

    async def _poll(self) -> None:
        while True:
            events = await self._events(POLL_TIMEOUT)
            await self._apply(events)
            if events.events:
                # Events come one at a time when many runs end: waiting a moment lets
                # the next poll bring several, at the price of that moment's latency.
                await asyncio.sleep(COALESCE)

    async def _apply(self, events: Events) -> None:
        self._epoch, self._seq = events.epoch, events.seq
        if events.reset:
            await self._resync()
            return
        for event in events.events:
            follower = self._followers.get(event.proc_id)
            if follower is not None:
                follower.apply(event)
            elif self._starting:
                self._early.setdefault(event.proc_id, []).append(event)
        if not self._starting:
            self._early.clear()

    async def _resync(self, followers: list[Follower] | None = None) -> None:
        """Tell `followers` (after a reset: all) where their processes are now."""
        if followers is None:
            self._resets += 1
            followers = list(self._followers.values())
        if not followers:
            return
        assert self._http is not None
        response = await self._request(self._http, "GET", "/processes")
        listed = _check(response).json()["processes"]
        infos = {info.proc_id: info for info in map(ProcessInfo.model_validate, listed)}
        for follower in followers:
            info = infos.get(follower.proc_id)
            if info is None:
                follower.lose()
            else:
                follower.learn(info)

    async def _sync_new(self) -> None:
        await asyncio.sleep(0)  # Gather the follows of this event-loop turn.
        while self._unsynced:
            try:
                await self._connection()
            except AgentUnavailable:
                self._unsynced.clear()  # `_run` has told them.
                return
            batch, self._unsynced = self._unsynced, []
            try:
                await self._resync([f for f in batch if f.failure is None])
            except (*_Failure, UnknownProcess) as exc:
                log.info("agent on %s: %s; asking again", self.key, _describe(exc))
                self._unsynced.extend(batch)
                await asyncio.sleep(FIRST_BACKOFF)

    async def _flush_releases(self) -> None:
        await asyncio.sleep(RELEASE_DELAY)
        while self._releases:
            batch = self._releases[:RELEASE_BATCH]
            del self._releases[:RELEASE_BATCH]
            http = self._http
            if http is None:
                log.debug("agent on %s: not connected; %d releases dropped", self.key, len(batch))
                continue
            body = ReleaseRequest(proc_ids=batch).model_dump_json()
            try:
                _check(await self._request(http, "POST", "/release", content=body))
            except (*_Failure, UnknownProcess) as exc:
                log.warning("agent on %s: release failed: %s", self.key, _describe(exc))


def _retrieve(future: asyncio.Future[None]) -> None:
    """Mark a connection failure as seen: a start may not have been waiting for it."""
    if not future.cancelled():
        future.exception()
