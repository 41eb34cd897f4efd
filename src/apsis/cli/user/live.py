"""`output`, `watch` and `wait`: following a run's output, run log and final state.

The service will stream these over websockets; until every service does, `apsis`
polls, every `POLL` seconds, which costs the service one or two small queries each.
Each loop reads the run's state *before* what it prints, so that when it sees the run
finished, what it reads next is complete and the loop can end without losing the tail.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import click

from .client import Client
from .output import FINISHED, time_cell
from .session import RUN_ID, RUN_IDS, Session, exit_by, pass_session

POLL = 0.5
LOG_SETTLE = 2.0
"""How long to wait for a finished run's last run-log line, which the service stores
a moment after the run's new state is visible."""

OUTPUT_ID = "output"


def _output_length(client: Client, run_id: str) -> int | None:
    for output in client.outputs(run_id):
        if output.get("output_id") == OUTPUT_ID:
            return int(output.get("output_len", 0))
    return None


def print_output(client: Client, run_id: str, write: Callable[[bytes], None]) -> None:
    """The run's output so far, if it has any."""
    if _output_length(client, run_id) is not None:
        write(client.output(run_id, OUTPUT_ID))


def follow_output(
    client: Client,
    run_id: str,
    write: Callable[[bytes], None],
    *,
    new_only: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Write the output as it grows until the run finishes; with `new_only`, only what
    is written from now on."""
    offset = (_output_length(client, run_id) or 0) if new_only else 0
    while True:
        finished = client.run(run_id)["state"] in FINISHED
        length = _output_length(client, run_id)
        if length is not None and length > offset:
            data = client.output(run_id, OUTPUT_ID)
            write(data[offset:])
            offset = len(data)
        if finished:
            return
        sleep(POLL)


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _settled_log(
    client: Client, run: Mapping[str, Any], lines: list[dict[str, Any]],
    sleep: Callable[[float], None],
) -> list[dict[str, Any]]:  # fmt: skip
    """The run log once it has the line of the run's final transition (or after
    LOG_SETTLE seconds, whatever it has then)."""
    finished_at = _timestamp(run["times"][run["state"]])
    deadline = time.monotonic() + LOG_SETTLE
    while not (lines and _timestamp(lines[-1]["timestamp"]) >= finished_at):
        if time.monotonic() > deadline:
            break
        sleep(0.05)
        lines = client.run_log(run["run_id"])
    return lines


def watch_log(
    client: Client,
    run_id: str,
    write: Callable[[Mapping[str, Any]], None],
    *,
    finish: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Write run-log lines as they appear; with `finish`, return the final state once
    the run has finished, else go on until interrupted."""
    printed = 0
    while True:
        run = client.run(run_id)
        lines = client.run_log(run_id)
        done = finish and run["state"] in FINISHED
        if done:
            lines = _settled_log(client, run, lines, sleep)
        for line in lines[printed:]:
            write(line)
        printed = max(printed, len(lines))
        if done:
            return str(run["state"])
        sleep(POLL)


def wait_runs(
    client: Client,
    run_ids: Iterable[str],
    report: Callable[[str, str], None],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Block until every run has finished, reporting each as it does; the final states.

    Every run is looked up first, so a mistyped ID fails at once, not after a wait.
    """
    pending = list(dict.fromkeys(client.run(run_id)["run_id"] for run_id in run_ids))
    final: dict[str, str] = {}
    while True:
        runs = client.runs(run_ids=pending, summary=True)
        for run_id in pending:
            run = runs.get(run_id)
            if run is not None and run["state"] in FINISHED:
                final[run_id] = str(run["state"])
                report(run_id, final[run_id])
        pending = [run_id for run_id in pending if run_id not in final]
        if not pending:
            return final
        sleep(POLL)


# --- the commands --------------------------------------------------------------


@click.command()
@RUN_ID
@click.option("--follow", "-f", "mode", flag_value="all", help="Then follow it live.")
@click.option("--follow-new", "-F", "mode", flag_value="new", help="Follow only new output.")
@pass_session
def output(session: Session, run_id: str, mode: str | None) -> None:
    """Print a run's output, as its program wrote it."""

    def write(data: bytes) -> None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()

    if mode is None:
        print_output(session.client, run_id, write)
    else:
        follow_output(session.client, run_id, write, new_only=mode == "new")


@click.command()
@RUN_ID
@click.option(
    "--finish/--no-finish",
    default=True,
    show_default=True,
    help="Exit once the run has finished: 0 if it succeeded, 1 otherwise.",
)
@pass_session
def watch(session: Session, run_id: str, finish: bool) -> None:
    """Print a run's log lines as they appear."""

    def write(line: Mapping[str, Any]) -> None:
        session.out.text(f"{time_cell(line['timestamp'])}  {line['message']}")

    state = watch_log(session.client, run_id, write, finish=finish)
    exit_by(state == "success")


@click.command()
@RUN_IDS
@pass_session
def wait(session: Session, run_ids: tuple[str, ...]) -> None:
    """Wait until every run has finished, printing each final state; exit 0 if every
    one succeeded, else 1."""
    final = wait_runs(
        session.client, run_ids, lambda run_id, state: session.out.text(f"{run_id}: {state}")
    )
    exit_by(all(state == "success" for state in final.values()))


COMMANDS = (output, watch, wait)
