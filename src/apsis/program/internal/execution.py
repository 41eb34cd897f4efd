"""How an internal program runs: a duty the service performs, reported as a program.

The duty is an async generator of `Output` and `Meta` updates ending with a
`Finished`; this wrapper supplies what every internal program shares. Without the
service (a plain test, a tool) it cannot run at all, and whatever the duty raises ends
the run in error instead of escaping into the engine.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing

from ...model.state import State
from ..base import Execution, Finished, ProgramUpdate, RunContext, Running, Services

log = logging.getLogger(__name__)

Duty = Callable[[Services], AsyncGenerator[ProgramUpdate, None]]


class ServiceExecution(Execution):
    def __init__(self, context: RunContext, duty: Duty) -> None:
        self.context = context
        self.duty = duty

    async def updates(self) -> AsyncIterator[ProgramUpdate]:
        services = self.context.services
        if services is None:
            yield Finished(State.error, reason="internal programs need the service")
            return
        yield Running()
        try:
            async with aclosing(self.duty(services)) as updates:
                async for update in updates:
                    yield update
        except Exception as exc:
            log.exception("%s: internal program failed", self.context.run_id)
            yield Finished(State.error, reason=str(exc) or type(exc).__name__)
