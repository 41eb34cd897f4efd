"""A process program's run through an agent (SPEC §4, §10).

The agent holds the process; this side starts it, then follows it through the client's
events: output as it grows, then the exit, mapped to the run's end exactly as for a
process run directly (`local.process_finished`). Nothing here polls: the execution
waits on its `Follower` until the client learns something.

After a restart of the service the same class follows a process by its `proc_id`, from
output offset 0: the agent's spool holds all of it, so the run's stored output is whole.
Abandoning the stream (the service shutting down) leaves the process running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import ValidationError

from ..model.state import State
from ..program.base import Execution, Finished, Output, ProgramUpdate, Running
from ..program.local import ProcessSpec, process_finished
from ..timespec import parse_time
from .client import AgentClient, AgentUnavailable, BadAnswer, StartRefused, UnknownProcess
from .follower import Follower

log = logging.getLogger(__name__)

RETRY = 1.0
"""After a failed output read, how long to wait for news before reading again."""

_Transient = (httpx.HTTPError, OSError, ValidationError, BadAnswer, AgentUnavailable)


class AgentExecution(Execution):
    """One process in the agent of `client`: started here, or followed by `proc_id`."""

    def __init__(
        self,
        client: AgentClient,
        spec: ProcessSpec,
        host: str | None,
        user: str | None,
        proc_id: str | None = None,
    ) -> None:
        self.client = client
        self.spec = spec
        self.host = host
        self.user = user
        self._proc_id = proc_id
        self._reconnected = proc_id is not None
        self._want_stop = False
        self._stop_sent = False

    async def updates(self) -> AsyncIterator[ProgramUpdate]:
        if self._proc_id is None:
            try:
                info, follower = await self.client.start(self.spec)
            except StartRefused as exc:
                reason = str(exc)
                if not reason.startswith("cannot start"):
                    reason = f"cannot start: {reason}"
                yield Finished(State.error, reason=reason)
                return
            except AgentUnavailable as exc:
                yield Finished(State.error, reason=str(exc))
                return
            proc_id = self._proc_id = info.proc_id
            log.info("%s: started %s (pid %d) on %s", self.spec.run_id, proc_id, info.pid,
                     self.client.key)  # fmt: skip
            yield Running(
                run_state={"host": self.host, "user": self.user, "proc_id": proc_id,
                           "pid": info.pid, "pgid": info.pgid},
                meta={"hostname": info.host, "username": info.user, "pid": info.pid,
                      "start": info.start, "proc_id": proc_id,
                      **({"host": self.host} if self.host is not None else {})},
                since=parse_time(info.start),
            )  # fmt: skip
        else:
            proc_id = self._proc_id
            follower = self.client.follow(proc_id)
        async for update in self._follow(proc_id, follower):
            yield update

    async def _follow(self, proc_id: str, follower: Follower) -> AsyncIterator[ProgramUpdate]:
        offset = 0
        while True:
            follower.changed.clear()
            if follower.failure is not None:
                yield Finished(State.error, reason=follower.failure)
                return
            if follower.lost:
                when = "lost at restart" if self._reconnected else "lost"
                yield Finished(
                    State.error,
                    reason=f"{when}: the agent on {self.client.key} has no process {proc_id}"
                    " (released, or its state directory was removed)",
                )
                return
            if self._want_stop and not self._stop_sent:
                await self._send_stop()
            exited = follower.exited
            if exited is not None and follower.inline is not None:
                if rest := follower.inline[offset:]:
                    yield Output(rest)
            elif exited is not None or follower.output_length > offset:
                data = await self._read(follower, offset)
                if data is None:
                    continue
                if data:
                    offset += len(data)
                    yield Output(data)
                if exited is None or (data and offset < exited.output_length):
                    continue
            else:
                await follower.changed.wait()
                continue
            meta: dict[str, Any] = {"elapsed": exited.elapsed, "end": exited.end}
            if exited.rusage is not None:
                meta["rusage"] = exited.rusage
            yield process_finished(exited.status, exited.ending, self.spec, meta)
            return

    async def _read(self, follower: Follower, offset: int) -> bytes | None:
        """Output from `offset`; None if it could not be read now (try again)."""
        try:
            data, _ = await self.client.output(follower.proc_id, offset)
        except UnknownProcess:
            follower.lose()
            return None
        except _Transient as exc:
            log.info("%s: output not read: %s", self.spec.run_id, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(follower.changed.wait(), RETRY)
            return None
        return data

    async def _send_stop(self) -> None:
        assert self._proc_id is not None
        try:
            await self.client.stop(self._proc_id)
        except UnknownProcess:
            self._stop_sent = True  # Nothing left to stop; the follower learns it is gone.
        except _Transient as exc:
            log.warning("%s: stop not delivered yet: %s", self.spec.run_id, exc)
        else:
            self._stop_sent = True

    async def stop(self) -> None:
        self._want_stop = True
        if self._proc_id is not None:
            await self._send_stop()

    async def signal(self, signum: int) -> None:
        if self._proc_id is None:
            return
        try:
            await self.client.signal(self._proc_id, str(signum))
        except (UnknownProcess, *_Transient) as exc:
            log.warning("%s: signal %d not delivered: %s", self.spec.run_id, signum, exc)

    def release(self) -> None:
        if self._proc_id is not None:
            self.client.release(self._proc_id)
