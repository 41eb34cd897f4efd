"""`apsisctl`: the administrator's command line (SPEC §9.3)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from .. import __version__
from ..calendars import CalendarLookup
from ..config import Config, load_config
from ..errors import ApsisError, JobDirErrors, StoreError
from ..jobs import JobDir, load_job_dir, match_job_id, preview_runs, run_to_jso
from ..model.job import Job
from ..store import SCHEMA_VERSION, create_store, migrate_store, open_store
from ..timespec import format_time, parse_duration, parse_time
from . import sanity as sanity_rules
from .user.client import ApiError, Client, base_url


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _load(job_dir: Path, config_path: Path | None) -> JobDir:
    config = load_config(config_path) if config_path else Config()
    calendars_dir = config.calendars.dir
    if calendars_dir is None and config_path is None and (job_dir.parent / "calendars").is_dir():
        # Without a config, a `calendars/` folder beside the job directory is the natural
        # place for calendar files (the layout `apsisctl serve` uses by default).
        calendars_dir = job_dir.parent / "calendars"
    return load_job_dir(job_dir, CalendarLookup(calendars_dir))


def _summary(jobs: JobDir) -> str:
    counts: Counter[str] = Counter(schedules=0, conditions=0, actions=0)
    for job in jobs.jobs.values():
        counts["schedules"] += len(job.schedules)
        counts["conditions"] += len(job.conditions)
        counts["actions"] += len(job.actions)
    parts = ", ".join(_count(n, what) for what, n in counts.items())
    return f"ok: {_count(len(jobs), 'jobs')} in {jobs.path} ({parts})"


def _count(number: int, plural: str) -> str:
    return f"{number} {plural if number != 1 else plural.removesuffix('s')}"


def _preview_lines(job: Job, start: datetime, count: int) -> list[str]:
    lines = []
    for run in preview_runs(job, start, count):
        args = " ".join(f"{k}={v}" for k, v in run.args.items())
        extra = f"  stop {format_time(run.stop)}" if run.stop else ""
        note = f"  ({run.note})" if run.note else ""
        lines.append(f"{format_time(run.time)}  {args}{extra}{note}".rstrip())
    return lines


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="apsisctl")
def main() -> None:
    """Administer Apsis: check job directories, preview schedules, run and manage the
    service and its database."""


@main.command("check-jobs")
@click.argument("job_dir", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file.")
@click.option("--preview", is_flag=True, help="Also list each job's next runs.")
@click.option(
    "--count",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Runs per job with --preview.",
)
def check_jobs(job_dir: Path, config_path: Path | None, preview: bool, count: int) -> None:
    """Check every job in JOB_DIR; exit 1 listing every error."""
    try:
        jobs = _load(job_dir, config_path)
    except JobDirErrors as exc:
        for error in exc.errors:
            click.echo(error.message)
        files = len({e.file for e in exc.errors})
        _fail(f"{_count(len(exc.errors), 'errors')} in {_count(files, 'job files')}")
        return
    except ApsisError as exc:
        _fail(str(exc))
        return
    if preview:
        now = datetime.now(UTC)
        for job_id, job in sorted(jobs.jobs.items()):
            click.echo(job_id)
            for line in _preview_lines(job, now, count) or ["(no scheduled runs)"]:
                click.echo(f"  {line}")
    click.echo(_summary(jobs))


@main.command("preview")
@click.argument("job_dir", type=click.Path(path_type=Path))
@click.argument("job_id")
@click.option(
    "--count",
    "-n",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="Number of runs.",
)
@click.option("--from", "start", default="now", show_default=True, help="Start time (ISO).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file.")
def preview(
    job_dir: Path, job_id: str, count: int, start: str, fmt: str, config_path: Path | None
) -> None:
    """List the next runs JOB_ID's schedules will produce, in time order."""
    try:
        start_time = parse_time(start)
    except ValueError as exc:
        _fail(f"--from: {exc}")
        return
    try:
        jobs = _load(job_dir, config_path)
        job = jobs.jobs[match_job_id(job_id, jobs.jobs)]
    except JobDirErrors as exc:
        _fail(f"{job_dir} has {len(exc.errors)} errors; run apsisctl check-jobs {job_dir}")
        return
    except ApsisError as exc:
        _fail(str(exc))
        return
    if fmt == "json":
        runs = preview_runs(job, start_time, count)
        click.echo(json.dumps([run_to_jso(run) for run in runs], indent=2))
    else:
        for line in _preview_lines(job, start_time, count):
            click.echo(line)


@main.command("create")
@click.argument("db", type=click.Path(path_type=Path))
def create(db: Path) -> None:
    """Create a new, empty database file DB."""
    try:
        create_store(db)
    except StoreError as exc:
        _fail(str(exc))
    click.echo(f"created {db} (schema version {SCHEMA_VERSION})")


@main.command("migrate")
@click.argument("db", type=click.Path(path_type=Path))
def migrate(db: Path) -> None:
    """Upgrade the database file DB to this version's schema."""
    try:
        click.echo(migrate_store(db))
    except StoreError as exc:
        _fail(str(exc))


@main.command("check-db")
@click.argument("db", type=click.Path(path_type=Path))
def check_db(db: Path) -> None:
    """Check that DB opens with this version's schema and is sound; count its runs."""
    try:
        store = open_store(db)
    except StoreError as exc:
        _fail(str(exc))
        return
    try:
        problems = store.integrity_problems()
        count = store.count_runs()
    finally:
        store.close()
    for problem in problems:
        click.echo(problem)
    if problems:
        _fail(f"{db}: integrity check found {len(problems)} problems")
    click.echo(f"ok: {db}: schema version {SCHEMA_VERSION}, {count} runs")


@main.command("serve")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file.")
@click.option("--host", help="Address to listen on (default: server.bind of the config).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--override", "-o", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a config value (dotted key); repeatable.")  # fmt: skip
@click.option("--create-db", is_flag=True, help="Create the database first if it is missing.")
def serve(
    config_path: Path | None,
    host: str | None,
    port: int | None,
    overrides: tuple[str, ...],
    create_db: bool,
) -> None:
    """Run the service: the scheduler and its HTTP API."""
    from ..service.serve import main as serve_main  # FastAPI loads only for this command

    sys.exit(serve_main(config_path, overrides, host, port, create_db))


# --- commands for a running service ----------------------------------------------------

WAIT_SECONDS = 60.0
"""How long shut-down and restart wait for the service by default."""
_POLL = 0.1


def _service_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--host` and `--port` of the service to talk to, as `apsis` takes them."""
    func = click.option(
        "--port", type=click.IntRange(1, 65535), help="The service's port. [default: 5000]"
    )(func)
    return click.option(
        "--host",
        metavar="HOST[:PORT]",
        help="The service's host, or host:port. [default: $APSIS_HOST, else localhost]",
    )(func)


def _wait_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--timeout",
        type=click.FloatRange(min=0),
        default=WAIT_SECONDS,
        show_default=True,
        help="Seconds to wait for the service to stop (and to run again).",
    )(func)
    return click.option("--no-wait", is_flag=True, help="Return once the service is asked.")(func)


@contextmanager
def _client(host: str | None, port: int | None) -> Iterator[Client]:
    """A client of the service; any ApiError ends the command with its one line (and
    the error lines it carries first, one a line, on stdout)."""
    try:
        client = Client(base_url(host, port, os.environ.get("APSIS_HOST")))
    except ApiError as exc:
        _fail(str(exc))
    try:
        yield client
    except ApiError as exc:
        for line in exc.errors:
            click.echo(line)
        _fail(str(exc))
    finally:
        client.close()


def _wait(what: str, until: Callable[[], bool], seconds: float) -> None:
    end = time.monotonic() + seconds
    while not until():
        if time.monotonic() > end:
            _fail(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(_POLL)


@main.command("reload-jobs")
@_service_options
@click.option("--dry-run", is_flag=True, help="Only report what a reload would change.")
def reload_jobs(host: str | None, port: int | None, dry_run: bool) -> None:
    """Reload the service's job directory; print the jobs added, removed and changed.

    A directory with any error is refused as a whole: its errors are printed and the
    jobs in force stay (exit 1).
    """
    with _client(host, port) as client:
        try:
            report = client.reload_jobs(dry_run)
        except ApiError as exc:
            if not exc.errors:
                raise
            for line in exc.errors:
                click.echo(line)
            _fail(f"{_count(len(exc.errors), 'errors')} in the job directory; nothing reloaded")
    for kind in ("added", "removed", "changed"):
        click.echo(f"{kind}: {', '.join(report[kind]) or '-'}")
    if dry_run:
        click.echo("dry run: nothing changed")


@main.command("shut-down")
@_service_options
@_wait_options
def shut_down(host: str | None, port: int | None, no_wait: bool, timeout: float) -> None:
    """Stop the service in order, and wait until it has stopped."""
    with _client(host, port) as client:
        client.shut_down()
        if not no_wait:
            _wait("the service to stop", lambda: not client.alive(), timeout)
    click.echo(f"{'shutting down' if no_wait else 'stopped'}: {client.url}")


@main.command("restart")
@_service_options
@_wait_options
def restart(host: str | None, port: int | None, no_wait: bool, timeout: float) -> None:
    """Stop the service in order and start it again, reloading its config and jobs;
    wait until it runs again."""
    with _client(host, port) as client:
        client.shut_down(restart=True)
        if not no_wait:
            _wait("the service to stop", lambda: not client.alive(), timeout)
            _wait("the service to run again", client.running, timeout)
    click.echo(f"{'restarting' if no_wait else 'restarted'}: {client.url}")


@main.command("version")
@_service_options
def version(host: str | None, port: int | None) -> None:
    """Print this command's version and the service's."""
    click.echo(f"apsisctl {__version__}")
    with _client(host, port) as client:
        click.echo(f"service {client.version()} at {client.url}")


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command("sanity")
@_service_options
@click.option("--slack", default="60s", show_default=True, callback=_duration, metavar="DURATION",
              help="Margin past the time the engine should have moved a run on.")  # fmt: skip
@click.option("--max-waiting", callback=_duration, metavar="DURATION",
              help="Also report runs waiting longer than this.")  # fmt: skip
def sanity(host: str | None, port: int | None, slack: float, max_waiting: float | None) -> None:
    """Report unfinished runs stuck where the engine should have moved them on:
    unscheduled, late, starting, overdue, stopping, waiting (docs/cli.md). Exit 1 if
    there are any."""
    with _client(host, port) as client:
        when, runs = client.runs_now(sanity_rules.UNFINISHED)
    problems = sanity_rules.find_problems(
        runs.values(), parse_time(when), slack=slack, max_waiting=max_waiting
    )
    for problem in problems:
        click.echo(problem.line())
    if problems:
        _fail(f"{_count(len(problems), 'problems')} in {_count(len(runs), 'unfinished runs')}")
    click.echo(f"ok: {_count(len(runs), 'unfinished runs')}, no problems")
