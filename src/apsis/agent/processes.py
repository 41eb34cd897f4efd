"""The processes an agent holds: start, reap, end, re-adopt and forget them (SPEC §10).

1. A process starts in a new session, so its pid is its process group id and every
   signal goes to the whole group. Its stdout and stderr are the spool file itself,
   opened for appending: the process writes there directly, so its output is kept even
   while no agent runs.
2. Our own children are reaped by one SIGCHLD handler draining `os.wait4(-1, WNOHANG)`,
   the only call that also gives their rusage; one handler serves a thousand processes
   where a watcher each would not. Nothing else in the agent has children.
3. After an agent restart, the processes of the previous agent are no longer our
   children: their exit status is unknowable, so they end with `status: null`. A pidfd
   tells us when they exit; the start time in `/proc/PID/stat` tells a process from a
   later one that reused its pid.
4. Stop and timeout send their signal to the group, then SIGKILL after the grace
   period. Both deadlines are kept in the table as wall-clock times, so a restarted
   agent carries on the escalation. Once the leader has exited, what is left of a group
   the agent was ending is SIGKILLed at once: it was told to go too.
5. Every second, the spool of each running process is measured, and growth becomes an
   `output` event; the exit becomes an `exit` event with the output inline if short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..program.local import RUSAGE_FIELDS
from ..program.process import parse_signal
from ..timespec import format_time
from .events import EventLog
from .protocol import INLINE_OUTPUT, ProcessInfo, StartRequest
from .spool import Spool
from .table import Entry, Table

log = logging.getLogger(__name__)

RETENTION = 7 * 86400.0
"""How long an exited process nobody released stays in the table."""
PURGE_INTERVAL = 86400.0


class CannotStart(Exception):
    """The request cannot become a process (HTTP 400)."""


class Forbidden(Exception):
    """The request asks for something this agent may not do (HTTP 403)."""


def signal_number(value: str) -> int:
    """A signal from `SIGUSR1`, `USR1` or `10`; ValueError if it is none."""
    return int(signal.Signals[parse_signal(value)])


def _start_ticks(pid: int) -> int | None:
    """When the process started, in clock ticks since boot; None if there is no such pid."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            stat = file.read()
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces and parentheses itself.
    return int(stat[stat.rindex(b")") + 2 :].split()[19])


def _killpg(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # The whole group has gone already.
        os.killpg(pgid, signum)


def _rusage(usage: resource.struct_rusage) -> dict[str, float]:
    return {name: float(getattr(usage, name)) for name in RUSAGE_FIELDS}


def _time_text(seconds: float) -> str:
    return format_time(datetime.fromtimestamp(seconds, UTC))


@dataclass(eq=False)
class _Process:
    entry: Entry
    popen: subprocess.Popen[bytes] | None = None
    """Our child, until reaped; None for a process adopted from a previous agent."""
    pidfd: int | None = None
    """Watches an adopted process for its exit."""
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    reported: int = 0
    """The output length last reported in an event."""

    def cancel_timers(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


class Processes:
    """Every process in the table; see the module docstring.

    `on_idle` is called once the table has been empty for `idle_timeout` seconds.
    """

    def __init__(
        self,
        table: Table,
        spool: Path,
        events: EventLog,
        *,
        host: str,
        user: str,
        idle_timeout: float,
        on_idle: Callable[[], None],
        output_interval: float = 1.0,
    ) -> None:
        self.table = table
        self._spool_files = Spool(spool)
        self.events = events
        self.host = host
        self.user = user
        self._idle_timeout = idle_timeout
        self._on_idle = on_idle
        self._output_interval = output_interval
        self._procs: dict[str, _Process] = {}
        self._by_key: dict[str, _Process] = {}
        """Processes started with an idempotency key, by key."""
        self._unticked: list[_Process] = []
        """Started processes whose start ticks are still to be read."""
        self._children: dict[int, _Process] = {}
        """Our unreaped children by pid, including released ones still dying."""
        self._idle: asyncio.TimerHandle | None = None
        self._output_tick: asyncio.TimerHandle | None = None
        self._purge_tick: asyncio.TimerHandle | None = None
        self._devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)

    @property
    def _loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    # --- life ------------------------------------------------------------------------

    def open(self) -> None:
        """Reap our children from now on; take over the table the previous agent left."""
        self._loop.add_signal_handler(signal.SIGCHLD, self._reap)
        for entry in self.table.load():
            self._adopt(entry)
        self._spool_files.open(keep=self._procs.keys())
        self._purge()
        self._watch_output()
        self._check_idle()

    def close(self) -> None:
        """Stop watching; the processes themselves go on, to be adopted next time.

        Children that have exited are reaped first, so their status is not lost.
        """
        self._reap()
        self._loop.remove_signal_handler(signal.SIGCHLD)
        for timer in (self._idle, self._output_tick, self._purge_tick):
            if timer is not None:
                timer.cancel()
        for proc in self._procs.values():
            proc.cancel_timers()
            if proc.pidfd is not None:
                self._loop.remove_reader(proc.pidfd)
                os.close(proc.pidfd)
        os.close(self._devnull)
        self.table.close()

    def _check_idle(self) -> None:
        if not self._procs and self._idle is None:
            self._idle = self._loop.call_later(self._idle_timeout, self._idle_passed)

    def _idle_passed(self) -> None:
        log.info("no process for %g s: exiting", self._idle_timeout)
        self._on_idle()

    # --- queries ---------------------------------------------------------------------

    def info(self, proc_id: str) -> ProcessInfo:
        """KeyError if there is no such process."""
        proc = self._procs[proc_id]
        return self._info(proc, self._output_length(proc))

    def infos(self) -> list[ProcessInfo]:
        return [self._info(proc, self._output_length(proc)) for proc in self._procs.values()]

    def spool_path(self, proc_id: str) -> Path:
        """KeyError if there is no such process."""
        return self._spool(self._procs[proc_id].entry.proc_id)

    def counts(self) -> tuple[int, int]:
        """How many processes there are, and how many of them run."""
        running = sum(proc.entry.state == "running" for proc in self._procs.values())
        return len(self._procs), running

    def _info(self, proc: _Process, output_length: int) -> ProcessInfo:
        e = proc.entry
        return ProcessInfo(
            proc_id=e.proc_id,
            run_id=e.run_id,
            pid=e.pid,
            pgid=e.pid,
            host=self.host,
            user=self.user,
            start=e.start,
            state=e.state,
            ending=e.ending,
            output_length=output_length,
            status=e.status,
            rusage=e.rusage,
            end=e.end,
            elapsed=e.elapsed,
        )

    def _spool(self, proc_id: str) -> Path:
        return self._spool_files.path(proc_id)

    def _output_length(self, proc: _Process) -> int:
        try:
            return os.stat(self._spool(proc.entry.proc_id)).st_size
        except FileNotFoundError:
            return 0

    # --- start -----------------------------------------------------------------------

    def start(self, request: StartRequest) -> ProcessInfo:
        """Start a process; CannotStart or Forbidden if it cannot or may not be."""
        if request.user != self.user:
            raise Forbidden(
                f"this agent runs as {self.user}; it cannot run processes as {request.user}"
            )
        if not request.argv:
            raise CannotStart("cannot start: argv is empty")
        try:
            stop_signal = signal_number(request.stop_signal)
            timeout_signal = signal_number(request.timeout_signal)
        except ValueError as exc:
            raise CannotStart(f"cannot start: {exc}") from None
        if request.key is not None and (known := self._by_key.get(request.key)) is not None:
            return self._info(known, self._output_length(known))
        try:
            proc_id, fd = self._spool_files.new()
        except OSError as exc:
            raise CannotStart(f"cannot start: no spool file: {exc}") from None
        try:
            popen = subprocess.Popen(
                request.argv,
                stdin=self._devnull,
                stdout=fd,
                stderr=fd,
                env=request.env,
                cwd=request.cwd,
                start_new_session=True,
            )
        except (OSError, ValueError) as exc:
            # ValueError: a NUL byte in argv, env or cwd.
            self._spool_files.remove(proc_id)
            raise CannotStart(f"cannot start: {exc}") from None
        finally:
            os.close(fd)
        began = time.time()
        entry = Entry(
            proc_id=proc_id,
            run_id=request.run_id,
            pid=popen.pid,
            start=_time_text(began),
            began=began,
            stop_signal=stop_signal,
            grace_period=request.grace_period,
            timeout_signal=timeout_signal,
            timeout_at=None if request.timeout is None else began + request.timeout,
            key=request.key,
        )
        proc = _Process(entry, popen=popen)
        self._procs[proc_id] = self._children[popen.pid] = proc
        if entry.key is not None:
            self._by_key[entry.key] = proc
        self._arm(proc)
        self.table.write(entry)
        if not self._unticked:
            self._loop.call_soon(self._note_start_ticks)
        self._unticked.append(proc)
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        log.debug("%s: started %s as pid %d", request.run_id, proc_id, popen.pid)
        return self._info(proc, 0)

    def _note_start_ticks(self) -> None:
        """Record when the processes just started began, once the requests that started
        them have been answered: reading /proc/PID/stat waits on a process that is still
        being exec'd, and a batch of starts should not wait for each of its processes.

        A process not yet reaped is still in /proc; one reaped since needs no ticks, as
        it will not be re-adopted.
        """
        procs, self._unticked = self._unticked, []
        for proc in procs:
            e = proc.entry
            released = self._procs.get(e.proc_id) is not proc
            if e.state == "running" and proc.popen is not None and not released:
                e.start_ticks = _start_ticks(e.pid)
                self.table.write(e)

    def _arm(self, proc: _Process) -> None:
        """Set the timers of a running process from its deadlines."""
        e, now = proc.entry, time.time()
        if e.ending is not None and e.kill_at is not None:
            delay = max(0.0, e.kill_at - now)
            proc.timers.append(self._loop.call_later(delay, self._kill, proc))
        elif e.timeout_at is not None:
            delay = max(0.0, e.timeout_at - now)
            proc.timers.append(
                self._loop.call_later(delay, self._end, proc, "timeout", e.timeout_signal)
            )

    # --- ending ----------------------------------------------------------------------

    def stop(self, proc_id: str) -> ProcessInfo:
        """KeyError if there is no such process."""
        proc = self._procs[proc_id]
        self._end(proc, "stop", proc.entry.stop_signal)
        return self.info(proc_id)

    def send(self, proc_id: str, signum: int) -> ProcessInfo:
        """Signal the group of a running process; KeyError if there is no such process."""
        proc = self._procs[proc_id]
        if proc.entry.state == "running":
            _killpg(proc.entry.pid, signum)
        return self.info(proc_id)

    def _end(self, proc: _Process, why: str, signum: int) -> None:
        """Start ending a process: its signal now, SIGKILL after the grace period."""
        e = proc.entry
        if e.state != "running" or e.ending is not None:
            return
        e.ending = "stop" if why == "stop" else "timeout"
        e.kill_at = time.time() + e.grace_period
        self.table.write(e)
        log.info(
            "%s: %s: %s to process group %d",
            e.run_id,
            why,
            signal.Signals(signum).name,
            e.pid,
        )
        _killpg(e.pid, signum)
        proc.cancel_timers()
        self._arm(proc)

    def _kill(self, proc: _Process) -> None:
        if proc.entry.state == "running":
            log.info(
                "%s: grace period over: SIGKILL to group %d", proc.entry.run_id, proc.entry.pid
            )
            _killpg(proc.entry.pid, signal.SIGKILL)

    def _reap(self) -> None:
        while True:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            proc = self._children.pop(pid, None)
            if proc is None:
                continue
            assert proc.popen is not None
            code = os.waitstatus_to_exitcode(status)
            # Popen did not reap it, so tell it, or it would think it still runs.
            proc.popen.returncode = code
            proc.popen = None
            if self._procs.get(proc.entry.proc_id) is proc:
                self._exited(proc, code, _rusage(usage), watched=True)

    def _exited(
        self,
        proc: _Process,
        status: int | None,
        rusage: dict[str, float] | None,
        *,
        watched: bool,
    ) -> None:
        """Record and report an exit; `watched` if we saw it happen (rather than found it)."""
        e = proc.entry
        proc.cancel_timers()
        if watched and e.ending is not None:
            # Safe although the leader is gone: Linux does not hand out a pid still in
            # use as a process group id, so this reaches only its group. Not when we
            # found it dead at adoption: by then the pid may be anyone's.
            _killpg(e.pid, signal.SIGKILL)
        now = time.time()
        e.state, e.status, e.rusage = "exited", status, rusage
        e.end, e.elapsed = _time_text(now), round(now - e.began, 6)
        self.table.write(e)
        length = self._output_length(proc)
        output = None
        if length <= INLINE_OUTPUT:
            with contextlib.suppress(FileNotFoundError):
                output = self._spool(e.proc_id).read_bytes()[:INLINE_OUTPUT]
        proc.reported = length
        self.events.append(e.proc_id, "exit", length, self._info(proc, length), output)
        log.debug("%s: %s (pid %d) exited: %s", e.run_id, e.proc_id, e.pid, status)

    # --- adoption --------------------------------------------------------------------

    def _adopt(self, entry: Entry) -> None:
        proc = _Process(entry, reported=0)
        self._procs[entry.proc_id] = proc
        if entry.key is not None:
            self._by_key[entry.key] = proc
        if entry.state == "exited":
            proc.reported = self._output_length(proc)
            return
        pidfd = None
        ticks = _start_ticks(entry.pid)
        # No ticks: the agent died within moments of starting it; trust the pid.
        if ticks is not None and entry.start_ticks in (ticks, None):
            with contextlib.suppress(ProcessLookupError):
                pidfd = os.pidfd_open(entry.pid)
        if pidfd is None:
            log.info("%s: pid %d ended while no agent ran", entry.run_id, entry.pid)
            self._exited(proc, None, None, watched=False)
            return
        log.info("%s: re-adopted pid %d", entry.run_id, entry.pid)
        proc.pidfd = pidfd
        proc.reported = self._output_length(proc)
        self._loop.add_reader(pidfd, self._adopted_exit, proc)
        self._arm(proc)

    def _adopted_exit(self, proc: _Process) -> None:
        assert proc.pidfd is not None
        self._loop.remove_reader(proc.pidfd)
        os.close(proc.pidfd)
        proc.pidfd = None
        self._exited(proc, None, None, watched=True)

    # --- forgetting ------------------------------------------------------------------

    def release(self, proc_id: str) -> None:
        """Forget a process, SIGKILLing its group if it runs; KeyError if there is none."""
        proc = self._procs.pop(proc_id)
        e = proc.entry
        if e.key is not None:
            self._by_key.pop(e.key, None)
        proc.cancel_timers()
        if e.state == "running":
            log.info("%s: released while running: SIGKILL to group %d", e.run_id, e.pid)
            _killpg(e.pid, signal.SIGKILL)
        if proc.pidfd is not None:
            self._loop.remove_reader(proc.pidfd)
            os.close(proc.pidfd)
            proc.pidfd = None
        self.table.remove(proc_id)
        self._spool_files.remove(proc_id)
        self._check_idle()

    def _purge(self) -> None:
        """Forget exited processes nobody released within `RETENTION`."""
        cutoff = time.time() - RETENTION
        old = [
            proc.entry.proc_id
            for proc in self._procs.values()
            if proc.entry.state == "exited"
            and proc.entry.began + (proc.entry.elapsed or 0) < cutoff
        ]
        for proc_id in old:
            log.info(
                "%s: exited over %g days ago, never released: forgotten", proc_id, RETENTION / 86400
            )
            self.release(proc_id)
        self._purge_tick = self._loop.call_later(PURGE_INTERVAL, self._purge)

    def _watch_output(self) -> None:
        for proc in self._procs.values():
            if proc.entry.state == "running":
                length = self._output_length(proc)
                if length > proc.reported:
                    proc.reported = length
                    self.events.append(proc.entry.proc_id, "output", length)
        self._output_tick = self._loop.call_later(self._output_interval, self._watch_output)
