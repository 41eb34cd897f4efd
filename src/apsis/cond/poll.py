"""`poll` [beyond]: wait until a shell command succeeds (SPEC §6).

For readiness that no run reports: a file arriving, a service answering. The command
runs every `interval` until it exits 0. The default interval, 60 s, starts a run
within a minute of what it waits for while keeping a thousand waiting runs down to
about seventeen processes a second; a job that must react faster says so. This is
the only condition that polls.

Each attempt runs `/bin/bash -c COMMAND` in its own session (so its whole process
group can be killed), with stdin and output on /dev/null and `APSIS_RUN_ID` and
`APSIS_JOB_ID` in its environment. An attempt may take at most the interval (at
least a second): a hung command is killed and counts as "not yet" rather than
holding the run's wait forever. A command that cannot even start errors the run,
since every later attempt would fail the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ..bind import Templated
from ..model.state import State
from ..timespec import Duration, format_duration
from .base import Condition, Outcome, RunView, Transition, Verdict, conditions

if TYPE_CHECKING:
    from ..model.run import Run

log = logging.getLogger(__name__)

SHELL = "/bin/bash"
MIN_ATTEMPT_TIME = 1.0


@conditions.register("poll")
class Poll(Condition):
    command: Annotated[str, Templated()] = Field(min_length=1)
    interval: Duration = Field(default=60.0, gt=0)

    def check(self, run: Run, view: RunView) -> Outcome:
        # No run's transition can tell; only `poll` can.
        return Verdict.WAIT

    def poll_interval(self) -> float:
        return self.interval

    async def poll(self, run: Run) -> Outcome:
        env = {**os.environ, "APSIS_RUN_ID": run.run_id, "APSIS_JOB_ID": run.job_id}
        try:
            proc = await asyncio.create_subprocess_exec(
                SHELL,
                "-c",
                self.command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            return Transition(State.error, f"poll command cannot start: {exc}")
        limit = max(self.interval, MIN_ATTEMPT_TIME)
        try:
            async with asyncio.timeout(limit):
                code = await proc.wait()
        except TimeoutError:
            log.info("%s: poll command killed after %s", run.run_id, format_duration(limit))
            return Verdict.WAIT
        finally:
            if proc.returncode is None:
                await _kill_group(proc)
        return Verdict.PASS if code == 0 else Verdict.WAIT

    def __str__(self) -> str:
        return f"poll every {format_duration(self.interval)}: {self.command}"


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """Kill the command and anything it started, and reap it."""
    # The group may be gone already if the command exited just now.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    await proc.wait()
