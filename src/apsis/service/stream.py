"""Websockets: the machinery every live stream shares, and `/api/v1/summary`, the feed
of run transitions and job changes for UIs (SPEC §9.1; Apsis's protocol in
research/apsis-reference.md §4.5).

Every stream is an engine `Events` subscription with a bounded queue
(`server.subscriber_queue`), read in batches: an event wakes the stream, which then
gathers what follows for up to `COALESCE` seconds and sends it as one frame, so a
burst of transitions at the top of the hour is a few frames, not thousands. A client
that reads too slowly makes the service's sends wait; meanwhile its queue fills, and
once it is full the client is disconnected with close code 1013 (try again later) and
a reason. It reconnects and reloads; it never grows the service's memory (DESIGN.md §1
principles 4 and 5).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, ItemsView, Iterable, Mapping
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from ..engine.engine import Engine
from ..engine.events import Event, Subscription
from ..errors import ApsisError
from .context import WsServiceDep

router = APIRouter(tags=["streams"])
log = logging.getLogger(__name__)

COALESCE = 0.1
"""Seconds a stream gathers events after the first before it sends them."""
FRAME_MESSAGES = 1000
FRAME_BYTES = 512 * 1024
"""Bounds of one frame of JSON messages, well under clients' default message size."""
CLOSE_TIMEOUT = 5.0
"""How long a close frame may wait for a client that does not read; then the
connection is just dropped."""
CLOSE_TOO_SLOW = 1013
CLOSE_REFUSED = 1008


class TooSlow(Exception):
    """The client fell `subscriber_queue` events behind."""


class Refused(Exception):
    """The stream cannot be served (an unknown run or output): close 1008 with this."""


async def serve(websocket: WebSocket, stream: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Accept, run `stream` until it ends or the client goes away, then close: 1000
    when it ended, 1013 when the client was too slow, 1008 when it was refused."""
    await websocket.accept()
    streaming = asyncio.create_task(stream())
    listening = asyncio.create_task(_until_disconnect(websocket))
    try:
        await asyncio.wait({streaming, listening}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (streaming, listening):
            task.cancel()
        await asyncio.gather(streaming, listening, return_exceptions=True)
    if listening.done() and not listening.cancelled():
        return  # the client left
    try:
        streaming.result()
    except TooSlow as exc:
        log.warning("websocket %s dropped: %s", websocket.url.path, exc)
        await _close(websocket, CLOSE_TOO_SLOW, str(exc))
    except (Refused, ApsisError) as exc:
        await _close(websocket, CLOSE_REFUSED, str(exc))
    except (WebSocketDisconnect, asyncio.CancelledError):
        pass
    except Exception:
        log.exception("websocket %s failed", websocket.url.path)
        await _close(websocket, 1011, "internal error; the service log has the details")
    else:
        await _close(websocket, 1000, "")


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it disconnects."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    # A close reason is at most 123 bytes of UTF-8.
    reason = reason.encode()[:123].decode(errors="ignore")
    with contextlib.suppress(WebSocketDisconnect, TimeoutError, RuntimeError):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await websocket.close(code, reason)


def dumps(message: Any) -> str:
    return json.dumps(message, separators=(",", ":"))


def too_slow(subscription: Subscription) -> TooSlow:
    return TooSlow(f"too slow: more than {subscription.limit} updates behind; reconnect")


async def send_or_drop(subscription: Subscription, send: Awaitable[None]) -> None:
    """Await `send`, unless the subscription is dropped first (the client stopped
    reading, so the send waits for buffer space that may never come): TooSlow."""
    sending = asyncio.ensure_future(send)
    lost = asyncio.ensure_future(subscription.lost.wait())
    try:
        done, _ = await asyncio.wait({sending, lost}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        sending.cancel()
        raise
    finally:
        lost.cancel()
    if sending not in done:
        sending.cancel()
        raise too_slow(subscription)
    sending.result()


async def send_messages(
    websocket: WebSocket, subscription: Subscription, messages: Iterable[dict[str, Any]]
) -> None:
    """Send `messages` as JSON arrays, each within FRAME_MESSAGES and FRAME_BYTES."""
    parts: list[str] = []
    size = 0
    for message in messages:
        text = dumps(message)
        if parts and (len(parts) >= FRAME_MESSAGES or size + len(text) > FRAME_BYTES):
            await send_or_drop(subscription, websocket.send_text(f"[{','.join(parts)}]"))
            parts, size = [], 0
        parts.append(text)
        size += len(text) + 1
    if parts:
        await send_or_drop(subscription, websocket.send_text(f"[{','.join(parts)}]"))


def drain(subscription: Subscription, into: list[Event]) -> None:
    """Move what is queued into `into`, without waiting; TooSlow if it was dropped."""
    queue = subscription.queue
    while not queue.empty():
        event = queue.get_nowait()
        if event is None:
            raise too_slow(subscription)
        into.append(event)


async def gather(subscription: Subscription, window: float = COALESCE) -> list[Event]:
    """The next batch: wait for an event, then take what else comes within `window`
    seconds (or until a frame's worth has come)."""
    first = await subscription.queue.get()
    if first is None:
        raise too_slow(subscription)
    events = [first]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + window
    while True:
        drain(subscription, events)
        remaining = deadline - loop.time()
        if remaining <= 0 or len(events) >= FRAME_MESSAGES:
            return events
        try:
            async with asyncio.timeout(remaining):
                event = await subscription.queue.get()
        except TimeoutError:
            return events
        if event is None:
            raise too_slow(subscription)
        events.append(event)


# --- /summary ------------------------------------------------------------------------

_SUMMARY_EVENTS = frozenset({"run", "job_added", "job_changed", "job_removed"})


@router.websocket("/summary")
async def summary_feed(websocket: WebSocket, service: WsServiceDep) -> None:
    """Run transitions and job changes; with `?init`, first every job and every run in
    memory, then `{"type": "init_done"}`. Frames are JSON arrays of messages."""
    init = "init" in websocket.query_params
    engine = service.engine
    limit = service.config.server.subscriber_queue

    async def stream() -> None:
        subscription = engine.events.subscribe(limit, lambda e: e["type"] in _SUMMARY_EVENTS)
        try:
            pending: list[Event] = []
            if init:
                await _send_init(websocket, engine, subscription, pending)
            while True:
                if not pending:
                    pending = await gather(subscription)
                messages = [m for e in pending if (m := _summary_message(engine, e))]
                pending = []
                await send_messages(websocket, subscription, messages)
        finally:
            subscription.close()

    await serve(websocket, stream)


async def _send_init(
    websocket: WebSocket, engine: Engine, subscription: Subscription, pending: list[Event]
) -> None:
    """Every job and every run in memory, a frame at a time, letting the loop run
    between frames; events that arrive meanwhile are kept in `pending`, to follow."""
    jobs = sorted(engine.jobs.jobs.values(), key=lambda job: job.job_id)
    await send_messages(
        websocket, subscription, ({"type": "job", "job": job.to_jso()} for job in jobs)
    )
    runs = list(engine.index)
    for start in range(0, len(runs), FRAME_MESSAGES):
        chunk = [run.summary_jso() for run in runs[start : start + FRAME_MESSAGES]]
        messages = ({"type": "run_summary", "run_summary": summary} for summary in chunk)
        await send_messages(websocket, subscription, messages)
        await engine.writer.barrier()
        drain(subscription, pending)
        if len(pending) > subscription.limit:
            raise too_slow(subscription)
        shown = {summary["run_id"]: summary["times"].items() for summary in chunk}
        pending[:] = [event for event in pending if not shown_already(event, shown)]
        await asyncio.sleep(0)
    await send_messages(websocket, subscription, [{"type": "init_done"}])


def shown_already(event: Event, shown: Mapping[str, ItemsView[str, str]]) -> bool:
    """Whether `event` is a transition the client has been shown the run at or past.

    An initial state is read from memory, which may be a step ahead of the store: a
    transition made but not yet stored is in it, and its event comes later. Waiting
    for the store (`writer.barrier()`) after reading brings every such event in, and
    this drops those the client has seen, and those of states before it (a run's times
    only gain states), so a client never sees a run step back. Every other event about
    the run is newer than what was shown.
    """
    if event["type"] != "run":
        return False
    times = shown.get(event["run"]["run_id"])
    return times is not None and event["run"]["times"].items() <= times


def _summary_message(engine: Engine, event: Event) -> dict[str, Any] | None:
    """An engine event as Apsis's summary message; None for a job gone since."""
    kind = event["type"]
    if kind == "run":
        return {"type": "run_transition", "run_summary": event["run"]}
    if kind == "job_removed":
        return {"type": "job_delete", "job_id": event["job_id"]}
    job = engine.jobs.jobs.get(event["job_id"])
    if job is None:
        return None
    return {"type": "job_add" if kind == "job_added" else "job", "job": job.to_jso()}
