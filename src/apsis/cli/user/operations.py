"""The operations on runs (SPEC §2): each tries every run it is given, prints the
run's state after it, or an error line, and exits 1 if any failed."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import click

from .client import ApiError
from .output import FINISHED
from .session import RUN_IDS, Session, failure, pass_session


def _operate(session: Session, run_ids: Iterable[str], apply: Callable[[str], str]) -> None:
    """Apply to every run, printing its outcome or error; exit 1 if any failed."""
    failed = False
    for run_id in run_ids:
        try:
            outcome = apply(run_id)
        except ApiError as exc:
            failure(exc).show()
            failed = True
        else:
            session.out.text(outcome)
    if failed:
        raise click.exceptions.Exit(1)


def _state_after(session: Session, operation: str, *operand: str) -> Callable[[str], str]:
    def apply(run_id: str) -> str:
        session.client.operate(run_id, operation, *operand)
        return f"{run_id}: {session.client.run(run_id)['state']}"

    return apply


@click.command()
@RUN_IDS
@pass_session
def rerun(session: Session, run_ids: tuple[str, ...]) -> None:
    """Run finished runs again, as new runs of the job's current definition."""

    def apply(run_id: str) -> str:
        (new,) = session.client.operate(run_id, "rerun")["runs"].values()
        return f"{new['run_id']}: {new['state']} (rerun of {run_id})"

    _operate(session, run_ids, apply)


@click.command()
@RUN_IDS
@pass_session
def skip(session: Session, run_ids: tuple[str, ...]) -> None:
    """Skip scheduled or waiting runs."""
    _operate(session, run_ids, _state_after(session, "skip"))


@click.command()
@RUN_IDS
@pass_session
def start(session: Session, run_ids: tuple[str, ...]) -> None:
    """Start runs now: a scheduled run still checks its conditions, a waiting one not."""
    _operate(session, run_ids, _state_after(session, "start"))


@click.command()
@RUN_IDS
@pass_session
def stop(session: Session, run_ids: tuple[str, ...]) -> None:
    """Stop running runs in order (signal, grace period, kill)."""

    def apply(run_id: str) -> str:
        (stopped,) = session.client.operate(run_id, "stop")["runs"].values()
        return f"{run_id}: {stopped['state']}"

    _operate(session, run_ids, apply)


@click.command()
@click.argument("signal")
@RUN_IDS
@pass_session
def signal(session: Session, signal: str, run_ids: tuple[str, ...]) -> None:
    """Send SIGNAL (`TERM`, `SIGUSR1`, `9`) to running runs."""
    _operate(session, run_ids, _state_after(session, "signal", signal.upper()))


@click.command()
@click.argument("state")
@RUN_IDS
@pass_session
def mark(session: Session, state: str, run_ids: tuple[str, ...]) -> None:
    """Mark finished runs as another finished STATE (a prefix will do: `succ`)."""
    matches = [name for name in FINISHED if name.startswith(state.lower())] if state else []
    target = matches[0] if len(matches) == 1 else state
    _operate(session, run_ids, _state_after(session, "mark", target))


COMMANDS = (rerun, skip, start, stop, signal, mark)
