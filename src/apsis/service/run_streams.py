"""Websockets about one run: its updates, and its output as it grows (SPEC §9.1).

`/runs/{run_id}/updates`: one JSON object per frame. The first is the run as it is
now, `{"run", "meta", "run_log", "outputs"}`; then, as they become durable,
`{"run": summary, "meta"}` for each transition, `{"meta"}` for a metadata change,
`{"run_log_append": {"timestamp", "message"}}` for each run-log line, and
`{"outputs": {id: {...}}}` when output grows (at most one per batch).

`/runs/{run_id}/output/{output_id}/updates?start=N`: binary frames, each a JSON header
line `{"offset": N, "length": L}` then L bytes of output at that offset. The first frame
is the output so far from `start` (default 0), even when that is nothing; then each
new piece. Once the run has finished and the rest of its output is sent, the socket
closes (1000). Live output comes from the runner's buffer, stored output from the
store: the runner stores the whole output before the final transition, so whatever
the buffer had not shown yet is there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, WebSocket

from ..engine.engine import Engine
from ..engine.events import Event, Subscription
from ..engine.runner import OUTPUT_ID
from ..model.state import FINISHED
from ..timespec import format_time
from .context import WsServiceDep
from .runs import find_run
from .stream import Refused, drain, dumps, gather, send_or_drop, serve, shown_already

router = APIRouter(prefix="/runs/{run_id}", tags=["streams"])

OUTPUT_FRAME = 256 * 1024
"""The most output bytes in one frame; a long output so far is sent in several."""
_FINISHED = frozenset(state.value for state in FINISHED)
_CONTENT_TYPE = "application/octet-stream"


def _about(run_id: str, kinds: frozenset[str]) -> Callable[[Event], bool]:
    """An `accept` test for the events of one run."""

    def accept(event: Event) -> bool:
        if event["type"] not in kinds:
            return False
        return bool((event["run"] if event["type"] == "run" else event)["run_id"] == run_id)

    return accept


@router.websocket("/updates")
async def run_updates(websocket: WebSocket, service: WsServiceDep, run_id: str) -> None:
    engine = service.engine
    limit = service.config.server.subscriber_queue

    async def stream() -> None:
        await find_run(engine, run_id)  # NoSuchRun: refused before subscribing
        kinds = frozenset({"run", "run_log", "run_meta", "output"})
        subscription = engine.events.subscribe(limit, _about(run_id, kinds))
        try:
            await _run_updates(websocket, engine, run_id, subscription)
        finally:
            subscription.close()

    await serve(websocket, stream)


async def _run_updates(
    websocket: WebSocket, engine: Engine, run_id: str, subscription: Subscription
) -> None:
    # Subscribed first, then read: nothing that happens in between is missed. Lines
    # stored by then are in `lines`, and their events may still be queued or on their
    # way: those are recognised by time and text, and not sent twice.
    run = await find_run(engine, run_id)
    lines = await engine.writer.read(engine.store.get_run_log, run_id)
    run_log = [{"timestamp": format_time(time), "message": text} for time, text in lines]
    seen = Counter((line["timestamp"], line["message"]) for line in run_log)
    outputs = await _outputs(engine, run_id)
    jso = run.to_jso()
    first = {"run": jso, "meta": run.meta, "run_log": run_log, "outputs": outputs}
    await send_or_drop(subscription, websocket.send_text(dumps(first)))
    # As for the summary feed's initial state (`shown_already`).
    await engine.writer.barrier()
    events: list[Event] = []
    drain(subscription, events)
    shown = {run_id: jso["times"].items()}
    events = [event for event in events if not shown_already(event, shown)]
    while True:
        for message in _run_messages(engine, run_id, events, seen):
            await send_or_drop(subscription, websocket.send_text(dumps(message)))
        events = await gather(subscription)


def _run_messages(
    engine: Engine, run_id: str, events: list[Event], seen: Counter[tuple[str, str]]
) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    output_at: int | None = None
    for event in events:
        kind = event["type"]
        if kind == "run":
            run = engine.index.get(run_id)
            meta = run.meta if run is not None else None
            messages.append({"run": event["run"], **({"meta": meta} if meta is not None else {})})
        elif kind == "run_meta":
            messages.append({"meta": event["meta"]})
        elif kind == "run_log":
            key = (event["time"], event["message"])
            if seen[key] > 0:
                seen[key] -= 1
                continue
            messages.append({"run_log_append": {"timestamp": key[0], "message": key[1]}})
        elif kind == "output" and output_at is None:
            output_at = len(messages)
            messages.append({})  # filled in below, with the length after the batch
    if output_at is not None:
        live = engine.runner.outputs.get(run_id)
        length = len(live) if live is not None else max(
            e["offset"] + e["length"] for e in events if e["type"] == "output"
        )  # fmt: skip
        messages[output_at] = {"outputs": {OUTPUT_ID: _output_info(OUTPUT_ID, length)}}
    return messages


def _output_info(name: str, length: int) -> dict[str, Any]:
    return {"name": name, "length": length, "content_type": _CONTENT_TYPE}


async def _outputs(engine: Engine, run_id: str) -> dict[str, Any]:
    live = engine.runner.outputs.get(run_id)
    if live is not None:
        return {OUTPUT_ID: _output_info(OUTPUT_ID, len(live))}
    infos = await engine.writer.read(engine.store.get_outputs, run_id)
    return {
        i.output_id: {"name": i.name, "length": i.length, "content_type": i.content_type}
        for i in infos
    }


# --- output ------------------------------------------------------------------------


@router.websocket("/output/{output_id}/updates")
async def output_updates(
    websocket: WebSocket, service: WsServiceDep, run_id: str, output_id: str
) -> None:
    engine = service.engine
    limit = service.config.server.subscriber_queue
    start_text = websocket.query_params.get("start", "0")

    async def stream() -> None:
        if not start_text.isdigit():
            raise Refused(f"start: {start_text!r} is not an offset")
        run = await find_run(engine, run_id)
        subscription = engine.events.subscribe(limit, _about(run_id, frozenset({"run", "output"})))
        try:
            sender = _OutputSender(websocket, subscription, int(start_text))
            live = engine.runner.outputs.get(run_id) if output_id == OUTPUT_ID else None
            if live is None and run.finished:
                stored = await engine.writer.read(engine.store.get_output, run_id, output_id)
                if stored is None:
                    raise Refused(f"no output {output_id!r} of run {run_id}")
                await sender.send(stored, first=True)
                return
            await sender.send(live or b"", first=True)
            await _follow_output(engine, run_id, output_id, sender)
        finally:
            subscription.close()

    await serve(websocket, stream)


async def _follow_output(
    engine: Engine, run_id: str, output_id: str, sender: _OutputSender
) -> None:
    """Send what the live buffer gains until the run finishes; then the rest, from the
    buffer if it is still there, else from the store."""
    while True:
        events = await gather(sender.subscription)
        live = engine.runner.outputs.get(run_id) if output_id == OUTPUT_ID else None
        if live is not None:
            await sender.send(live)
        if any(e["type"] == "run" and e["run"]["state"] in _FINISHED for e in events):
            break
    rest: bytes | bytearray | None = engine.runner.outputs.get(run_id)
    if rest is None or output_id != OUTPUT_ID:
        rest = await engine.writer.read(engine.store.get_output, run_id, output_id)
    if rest is not None:
        await sender.send(rest)


class _OutputSender:
    """Sends an output's bytes from `position` on, in frames of at most OUTPUT_FRAME."""

    def __init__(self, websocket: WebSocket, subscription: Subscription, start: int) -> None:
        self.websocket = websocket
        self.subscription = subscription
        self.position = start

    async def send(self, data: bytes | bytearray, *, first: bool = False) -> None:
        """Send `data[position:]`: the whole output so far, of which the client has
        what comes before `position`. The first frame is sent even when empty."""
        while first or self.position < len(data):
            piece = bytes(data[self.position : self.position + OUTPUT_FRAME])
            header = dumps({"offset": self.position, "length": len(piece)})
            frame = header.encode() + b"\n" + piece
            await send_or_drop(self.subscription, self.websocket.send_bytes(frame))
            self.position += len(piece)
            first = False
