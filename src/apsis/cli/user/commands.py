"""The `apsis` command group (SPEC §9.3), and its commands that show jobs and runs
and create runs; each a thin layer over one or two API calls. The operations are in
operations.py, the commands that follow a run in live.py.

Every error ends the command with one line on stderr, `error: ...`, and exit status 1;
the operations (`skip`, `rerun`, ...) first try every run they were given. A usage
mistake (unknown option, missing argument) is click's, with exit status 2.

The commands that parse times import `.times` when they run: it loads pydantic (through
`apsis.timespec`), the slowest import of all, which the other commands do without.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import click

from ... import __version__
from . import live, operations
from .client import ApiError, Jso, base_url
from .output import print_job, print_jobs, print_preview, print_run, print_runs
from .session import (
    RUN_IDS,
    Failure,
    Session,
    failure,
    format_option,
    parse_arg,
    parse_args,
    pass_session,
)


class _Apsis(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ApiError as exc:
            raise failure(exc) from None
        except KeyboardInterrupt:
            # Ctrl-C is how `output --follow` and `watch --no-finish` end.
            ctx.exit(130)


@click.group(
    cls=_Apsis,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Checking and previewing job files: see `apsisctl check-jobs` and `apsisctl preview`.",
)
@click.option(
    "--host",
    metavar="HOST[:PORT]",
    help="The service's host, or host:port. [default: $APSIS_HOST, else localhost]",
)
@click.option("--port", type=click.IntRange(1, 65535), help="The service's port. [default: 5000]")
@click.version_option(__version__, prog_name="apsis")
@click.pass_context
def main(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Talk to an Apsis service: show jobs and runs, schedule and operate on runs."""
    ctx.obj = Session(ctx, base_url(host, port, os.environ.get("APSIS_HOST")))


# --- jobs ----------------------------------------------------------------------------


@main.command()
@click.option("--label", help="Only jobs with this label.")
@format_option
@pass_session
def jobs(session: Session, label: str | None, fmt: str) -> None:
    """List the jobs."""
    found = session.client.jobs(label)
    if fmt == "table":
        print_jobs(session.out, found)
    else:
        session.out.data(found, fmt)


@main.command()
@click.argument("job_id", metavar="JOB")
@format_option
@pass_session
def job(session: Session, job_id: str, fmt: str) -> None:
    """Show a job; JOB may be a short form of its ID, like `load pri`."""
    found = session.client.job(job_id)
    if fmt == "table":
        print_job(session.out, found)
    else:
        session.out.data(found, fmt)


@main.command("schedule-preview")
@click.argument("job_id", metavar="JOB")
@click.option("--count", "-n", default=10, show_default=True, type=click.IntRange(min=1))
@click.option("--from", "start", default="now", show_default=True, help="Start time (as TIME).")
@format_option
@pass_session
def schedule_preview(session: Session, job_id: str, count: int, start: str, fmt: str) -> None:
    """List the next runs JOB's schedules will create."""
    from .times import parse_when

    start_time = parse_arg("--from", parse_when, start)
    client = session.client
    job_id = client.job(job_id)["job_id"]
    unsupported = Failure(f"the service at {session.url} does not support schedule preview")
    try:
        answer = client.job_schedule(job_id, count, None if start_time == "now" else start_time)
    except ApiError as exc:
        if exc.status in (404, 405):
            raise unsupported from None
        raise
    items = preview_items(answer)
    if items is None:
        raise unsupported
    if fmt == "table":
        print_preview(session.out, items)
    else:
        session.out.data(items, fmt)


def preview_items(answer: Any) -> list[Jso] | None:
    """The `{"time", "args"}` items of a schedule preview, bare or wrapped in an object
    (`{"job_id", "runs": [...]}`); None if the answer is not one: an older service
    answers with the job itself, whose ID it reads as `JOB/schedule`."""
    if isinstance(answer, dict) and not {"params", "program"} <= answer.keys():
        lists = [value for value in answer.values() if isinstance(value, list)]
        answer = lists[0] if len(lists) == 1 else None
    if isinstance(answer, list) and all(isinstance(i, dict) and "time" in i for i in answer):
        return answer
    return None


# --- runs ----------------------------------------------------------------------------


@main.command()
@click.option("--job", "-j", "job_id", metavar="JOB", help="Only runs of this job.")
@click.option(
    "--state",
    "-s",
    "states",
    multiple=True,
    help="Only runs in this state; repeat it, or separate states with commas, for several.",
)
@format_option
@pass_session
def runs(session: Session, job_id: str | None, states: tuple[str, ...], fmt: str) -> None:
    """List runs: every unfinished run and the recently finished ones."""
    found = session.client.runs(job_id=job_id, states=states, summary=fmt == "table")
    if fmt == "table":
        print_runs(session.out, found.values())
    else:
        session.out.data(found, fmt)


@main.command()
@RUN_IDS
@click.option("--verbose", "-v", is_flag=True, help="Add program, conditions, run log, history.")
@format_option
@pass_session
def run(session: Session, run_ids: tuple[str, ...], verbose: bool, fmt: str) -> None:
    """Show runs."""
    client = session.client
    found = {run["run_id"]: run for run in map(client.run, run_ids)}
    if fmt != "table":
        session.out.data(found, fmt)
        return
    for index, one in enumerate(found.values()):
        if index:
            session.out.text()
        if verbose:
            log = client.run_log(one["run_id"])
            history = client.runs(job_id=one["job_id"], args=one["args"], summary=True)
            print_run(session.out, one, log, list(history.values()))
        else:
            print_run(session.out, one)


def _print_created(session: Session, created: Mapping[str, Jso]) -> None:
    """The new run IDs, one a line; a run created in `error` (its args did not bind)
    fails the command with the reason from its run log."""
    errors = []
    for run_id, new in created.items():
        click.echo(run_id)
        if new["state"] == "error":
            log = session.client.run_log(run_id)
            errors.append(f"{run_id}: {log[-1]['message'] if log else 'error'}")
    if errors:
        raise Failure(errors[-1], errors[:-1])


@main.command()
@click.argument("time")
@click.argument("job_id", metavar="JOB")
@click.argument("args", metavar="[NAME=VALUE]...", nargs=-1)
@click.option("--count", "-n", default=1, show_default=True, type=click.IntRange(1, 1000))
@click.option("--stop-time", metavar="TIME", help="A time as for TIME, or a duration after it.")
@pass_session
def schedule(
    session: Session, time: str, job_id: str, args: tuple[str, ...], count: int,
    stop_time: str | None,
) -> None:  # fmt: skip
    """Create runs of JOB at TIME: `now`, `+DURATION` (`+10m`), an ISO time, or a
    daytime `HH:MM` (the next one, local time). Prints the new run IDs."""
    from .times import parse_stop, parse_when

    times = {"schedule": parse_arg("TIME", parse_when, time)}
    if stop_time is not None:
        times["stop"] = parse_arg("--stop-time", parse_stop, stop_time)
    body = {"job_id": job_id, "args": parse_args(args), "times": times}
    _print_created(session, session.client.create_runs(body, count))


@main.command(context_settings={"allow_interspersed_args": False})
@click.argument("time")
@click.argument("command", metavar="CMD...", nargs=-1, required=True)
@click.option("--shell", is_flag=True, help="Run CMD, joined by spaces, with the shell.")
@pass_session
def adhoc(session: Session, time: str, command: tuple[str, ...], shell: bool) -> None:
    """Run a command once, at TIME (as for `schedule`). Options go before TIME.

    Prints the new run ID."""
    from .times import parse_when

    when = parse_arg("TIME", parse_when, time)
    program = (
        {"type": "shell", "command": " ".join(command)}
        if shell
        else {"type": "program", "argv": list(command)}
    )
    body = {"job": {"program": program}, "times": {"schedule": when}}
    _print_created(session, session.client.create_runs(body))


for command in (*operations.COMMANDS, *live.COMMANDS):
    main.add_command(command)
