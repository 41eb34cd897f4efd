"""What the service knows of one process an agent holds, for the run that follows it.

The client (`client.py`) updates a follower from the agent's events, or from a listing
after a reset; the execution (`execution.py`) waits on `changed` and reads the fields.
Several updates between two waits collapse into one wake-up: the fields say where the
process is now, which is all the execution needs.
"""

from __future__ import annotations

import asyncio
import base64

from .protocol import Event, ProcessInfo


class Follower:
    """What is known of one followed process; its execution waits on `changed`."""

    def __init__(self, proc_id: str) -> None:
        self.proc_id = proc_id
        self.output_length = 0
        self.exited: ProcessInfo | None = None
        self.inline: bytes | None = None
        """Its whole output, when the exit event carried it."""
        self.lost = False
        """The agent no longer has the process."""
        self.failure: str | None = None
        """Why the agent cannot be reached any more."""
        self.changed = asyncio.Event()

    def learn(self, info: ProcessInfo) -> None:
        self.output_length = max(self.output_length, info.output_length)
        if info.state == "exited" and self.exited is None:
            self.exited = info
        self.changed.set()

    def apply(self, event: Event) -> None:
        self.output_length = max(self.output_length, event.output_length)
        if event.type == "exit" and event.process is not None and self.exited is None:
            self.exited = event.process
            if event.output is not None:
                self.inline = base64.b64decode(event.output)
        self.changed.set()

    def lose(self) -> None:
        self.lost = True
        self.changed.set()

    def fail(self, reason: str) -> None:
        self.failure = reason
        self.changed.set()
