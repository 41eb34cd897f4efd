"""Running a process on the service's own host, for `shell` and `program` (SPEC §4).

1. The process is spawned in a new session, so its pid is also its process group id
   and every signal goes to the whole group: a child of `bash -c` dies with it. stdin
   is /dev/null; stdout and stderr share one pipe, so the output keeps the order the
   program wrote it in.
2. Output is read when the consumer of `updates()` asks for more, up to 64 KiB at a
   time: a slow consumer slows the reading, and nothing piles up here.
3. We reap the process ourselves with `os.wait4`, the only call that also returns its
   rusage; asyncio's subprocess support would reap it first and lose that. A pidfd
   tells the event loop when the process has exited (or, on kernels older than 5.3, a
   thread blocks in `wait4`, as asyncio's own ThreadedChildWatcher does). Nothing else
   in the service waits for unknown children (`waitpid(-1)`), so nothing races us.
4. The run ends when the process exits, not when its output closes: a background child
   it left behind may hold the pipe for ever. What is already in the pipe is read
   first; what such a straggler writes afterwards is not captured.

A stop or timeout sends its signal to the group, then SIGKILL after the stop grace
period; once the process has exited, anything left of its group is SIGKILLed at once,
since it was told to go too. Abandoning the stream (cancelling its reader) SIGKILLs the
group and reaps the process: a local process cannot be reconnected after a restart, so
one left running would be an orphan that no run accounts for.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import pwd
import resource
import signal
import socket
import subprocess
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..model.state import State
from ..timespec import format_time
from .base import Execution, Finished, Output, ProgramUpdate, Running

log = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024

RUSAGE_FIELDS = (
    "ru_utime",
    "ru_stime",
    "ru_maxrss",
    "ru_ixrss",
    "ru_idrss",
    "ru_isrss",
    "ru_minflt",
    "ru_majflt",
    "ru_nswap",
    "ru_inblock",
    "ru_oublock",
    "ru_msgsnd",
    "ru_msgrcv",
    "ru_nsignals",
    "ru_nvcsw",
    "ru_nivcsw",
)

Reaped = tuple[int, resource.struct_rusage]
"""A process's wait status and resource usage."""


def hostname() -> str:
    return socket.gethostname()


def username() -> str:
    """The effective user's name; its uid if the password database does not know it."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


@dataclass(frozen=True)
class ProcessSpec:
    """Everything needed to run one process, already bound and checked."""

    run_id: str
    argv: list[str]
    env: dict[str, str]
    cwd: str
    stop_signal: signal.Signals
    grace_period: float
    timeout: float | None = None
    timeout_signal: signal.Signals = signal.SIGTERM
    start_key: str | None = None
    """As `RunContext.start_key`."""


def process_finished(
    code: int | None, ending: str | None, spec: ProcessSpec, meta: dict[str, Any]
) -> Finished:
    """How a process's end becomes its run's (SPEC §4), run directly or by an agent.

    `code` is as `os.waitstatus_to_exitcode` gives it (negative: killed by that signal),
    None if it was lost (the agent restarted while the process ran: only its parent
    could learn it); `ending` is why we were ending it, "stop" or "timeout", if we were.
    `meta` (rusage, elapsed, end) gets the exit code and signal added.
    """
    if code is None:
        return Finished(
            State.error, meta, "exit status lost: the agent restarted while the process ran"
        )
    signum = -code if code < 0 else None
    meta = {
        "return_code": None if signum else code,
        "signal": signal_name(signum) if signum else None,
        **meta,
    }
    if ending == "timeout":
        return Finished(State.failure, meta, f"timeout after {spec.timeout:g} s")
    if ending == "stop":
        meta["stopped"] = True
        # A shell reports a child killed by signal N as exit code 128 + N.
        stop = spec.stop_signal
        if code in (0, -stop, -signal.SIGKILL, 128 + stop):
            return Finished(State.success, meta)
    if code == 0:
        return Finished(State.success, meta)
    if signum:
        return Finished(State.failure, meta, f"killed by {signal_name(signum)}")
    return Finished(State.failure, meta, f"exit code {code}")


def _spawn(spec: ProcessSpec) -> tuple[subprocess.Popen[bytes], int]:
    """Start the process; return it and the non-blocking read end of its output pipe.

    This blocks the loop only for fork and exec, as asyncio's own subprocess does, and
    reports a failed exec (no such file, bad cwd) as the OSError it was.
    """
    read_fd, write_fd = os.pipe()
    try:
        popen = subprocess.Popen(
            spec.argv,
            stdin=subprocess.DEVNULL,
            stdout=write_fd,
            stderr=subprocess.STDOUT,
            env=spec.env,
            cwd=spec.cwd,
            start_new_session=True,
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    os.set_blocking(read_fd, False)
    return popen, read_fd


def _watch_exit(popen: subprocess.Popen[bytes]) -> asyncio.Future[Reaped]:
    """A future resolved once the process has exited and been reaped."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Reaped] = loop.create_future()
    pid = popen.pid

    def reap() -> Reaped:
        _, status, rusage = os.wait4(pid, 0)
        # Popen did not reap it, so tell it, or it would warn that it is still running.
        popen.returncode = os.waitstatus_to_exitcode(status)
        return status, rusage

    def resolve(result: Reaped) -> None:
        if not future.done():
            future.set_result(result)

    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        # A kernel without pidfds (before 5.3): one thread per process, blocked in wait4.
        def wait_in_thread() -> None:
            result = reap()
            # RuntimeError: the loop has closed, so nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(resolve, result)

        threading.Thread(target=wait_in_thread, name=f"apsis-wait-{pid}", daemon=True).start()
        return future

    def on_exit() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        resolve(reap())

    loop.add_reader(pidfd, on_exit)
    return future


def _pipe_capacity(fd: int) -> int:
    try:
        return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
    except (AttributeError, OSError):
        return 64 * 1024  # Linux's default size; F_GETPIPE_SZ is Linux only.


def _killpg(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # The whole group has gone already.
        os.killpg(pgid, signum)


async def _readable_or_exit(fd: int, exit_: asyncio.Future[Reaped]) -> None:
    loop = asyncio.get_running_loop()
    readable: asyncio.Future[Any] = loop.create_future()

    def on_readable() -> None:
        if not readable.done():
            readable.set_result(None)

    loop.add_reader(fd, on_readable)
    try:
        await asyncio.wait([readable, exit_], return_when=asyncio.FIRST_COMPLETED)
    finally:
        loop.remove_reader(fd)


class LocalExecution(Execution):
    """One process on this host; see the module docstring."""

    def __init__(self, spec: ProcessSpec) -> None:
        self.spec = spec
        self._pid: int | None = None
        self._exit: asyncio.Future[Reaped] | None = None
        self._ending: str | None = None
        """Why we are ending the process: "stop" or "timeout"; None until then."""
        self._stop_asked = False
        self._left: int | None = None
        """Bytes still to read once the process has exited; None while it runs."""
        self._timers: list[asyncio.TimerHandle] = []

    async def updates(self) -> AsyncIterator[ProgramUpdate]:
        spec, loop = self.spec, asyncio.get_running_loop()
        try:
            popen, fd = _spawn(spec)
        except (OSError, ValueError) as exc:
            # ValueError: a NUL byte in argv, env or cwd.
            yield Finished(State.error, reason=f"cannot start: {exc}")
            return
        pid = self._pid = popen.pid
        exit_ = self._exit = _watch_exit(popen)
        begun, start = loop.time(), format_time(datetime.now(UTC))
        host, user = hostname(), username()
        log.info("%s: started pid %d", spec.run_id, pid)
        try:
            yield Running(
                run_state={"pid": pid, "pgid": pid, "host": host, "user": user},
                meta={"hostname": host, "username": user, "pid": pid, "start": start},
            )
            if self._stop_asked:
                self._end("stop", spec.stop_signal)
            elif spec.timeout is not None:
                remaining = spec.timeout - (loop.time() - begun)
                self._timers.append(
                    loop.call_later(remaining, self._end, "timeout", spec.timeout_signal)
                )
            while chunk := await self._read(fd, exit_):
                yield Output(chunk)
            await asyncio.wait([exit_])
            status, rusage = exit_.result()
            if self._ending is not None:
                # Safe although the leader is reaped: Linux does not hand out a pid
                # still in use as a process group id, so this reaches only its group.
                _killpg(pid, signal.SIGKILL)
            end = self._finished(status, rusage, loop.time() - begun)
        finally:
            for timer in self._timers:
                timer.cancel()
            os.close(fd)
            if not exit_.done():
                log.warning("%s: abandoned; killing process group %d", spec.run_id, pid)
                _killpg(pid, signal.SIGKILL)
                # wait() rather than await: a second cancellation must not cancel the
                # future, whose callback still reaps the process when it exits.
                await asyncio.wait([exit_])
        # Everything is released before the end is reported, so a consumer that stops
        # reading at `Finished` leaves nothing behind.
        yield end

    async def _read(self, fd: int, exit_: asyncio.Future[Reaped]) -> bytes:
        """The next chunk of output; b"" at the end of the output or of the process.

        Once the process has exited, only what the pipe can hold is still read: that
        covers all it wrote, and a straggler writing without pause cannot hold the run.
        """
        while True:
            if exit_.done() and self._left is None:
                self._left = _pipe_capacity(fd)
            size = CHUNK_SIZE if self._left is None else min(CHUNK_SIZE, self._left)
            try:
                data = os.read(fd, size) if size else b""
            except BlockingIOError:
                if exit_.done():
                    return b""
            else:
                if self._left is not None:
                    self._left -= len(data)
                return data
            await _readable_or_exit(fd, exit_)

    def _finished(self, status: int, rusage: resource.struct_rusage, elapsed: float) -> Finished:
        code = os.waitstatus_to_exitcode(status)
        log.info("%s: pid %d ended: %s", self.spec.run_id, self._pid, code)
        meta: dict[str, Any] = {
            "rusage": {name: getattr(rusage, name) for name in RUSAGE_FIELDS},
            "elapsed": round(elapsed, 6),
            "end": format_time(datetime.now(UTC)),
        }
        return process_finished(code, self._ending, self.spec, meta)

    def _end(self, why: str, signum: signal.Signals) -> None:
        """Start ending the process: its signal now, SIGKILL after the grace period."""
        if self._ending is not None or self._pid is None:
            return
        self._ending = why
        log.info("%s: %s: %s to process group %d", self.spec.run_id, why, signum.name, self._pid)
        self._send(signum)
        loop = asyncio.get_running_loop()
        self._timers.append(loop.call_later(self.spec.grace_period, self._send, signal.SIGKILL))

    def _send(self, signum: int) -> None:
        """Signal the process group, unless the process has been reaped (its pgid is free)."""
        if self._pid is not None and self._exit is not None and not self._exit.done():
            _killpg(self._pid, signum)

    async def stop(self) -> None:
        if self._pid is None:
            self._stop_asked = True  # Not started yet: stop it as soon as it is.
        else:
            self._end("stop", self.spec.stop_signal)

    async def signal(self, signum: int) -> None:
        self._send(signum)
