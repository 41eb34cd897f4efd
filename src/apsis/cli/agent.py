"""`apsis-agent`: runs and watches a host's processes for the service (SPEC §10).

`start` is what the service runs (locally, over ssh, via sudo): it prints one
`StartInfo` JSON line and nothing else on stdout. The other commands are for operators;
each reaches the running agent through agent.json and the pinned certificate of the
state directory, and reports a failure as one line on stderr with exit status 1.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click
import httpx

from .. import __version__
from ..agent.launch import AgentError, launch
from ..agent.protocol import ProcessInfo
from ..agent.state import StateDir, default_state_dir
from ..timespec import describe_duration


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


state_dir_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The agent's state directory [default: $APSIS_AGENT_DIR, else "
    "~/.local/state/apsis/agent].",
)


def _state(path: Path | None) -> StateDir:
    return StateDir(path if path is not None else default_state_dir())


def _request(state: StateDir, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A request to the running agent; fails the command if there is none or it refuses."""
    agent = state.read_agent()
    if agent is None:
        _fail(f"no agent is running in {state.path}")
    try:
        with state.client(agent) as client:
            response = client.request(method, path, **kwargs)
    except (httpx.HTTPError, OSError) as exc:
        _fail(f"cannot reach the agent in {state.path}: {exc}")
    if response.status_code >= 400:
        try:
            message = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            message = response.text
        _fail(f"{response.status_code}: {message}")
    return response


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="apsis-agent")
def main() -> None:
    """The Apsis process agent."""


@main.command()
@state_dir_option
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=0, show_default=True, help="Port; 0 picks a free one.")
@click.option(
    "--idle-timeout",
    type=float,
    default=3600.0,
    show_default=True,
    help="Exit after this many seconds with no process.",
)
def start(state_dir: Path | None, bind: str, port: int, idle_timeout: float) -> None:
    """Start the agent unless it runs; print how to reach it, as one JSON line."""
    try:
        info = launch(_state(state_dir), bind, port, idle_timeout)
    except (AgentError, OSError) as exc:
        _fail(str(exc))
    click.echo(info.model_dump_json())


@main.command(hidden=True, name="serve")
@state_dir_option
@click.option("--bind", default="127.0.0.1")
@click.option("--port", type=int, default=0)
@click.option("--idle-timeout", type=float, default=3600.0)
def serve_(state_dir: Path | None, bind: str, port: int, idle_timeout: float) -> None:
    """Be the agent (what `start` runs, detached)."""
    # Imported here: the server is what makes `start` slow when an agent already runs.
    from ..agent.daemon import serve

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    sys.exit(serve(_state(state_dir), bind, port, idle_timeout))


@main.command()
@state_dir_option
def status(state_dir: Path | None) -> None:
    """The running agent, as JSON; exit status 1 if none runs."""
    state = _state(state_dir)
    found = state.probe()
    if found is None:
        click.echo(f"not running ({state.path})")
        sys.exit(1)
    click.echo(found[1].model_dump_json(indent=2))


def _elapsed(info: ProcessInfo) -> str:
    if info.elapsed is not None:
        return describe_duration(round(info.elapsed))
    began = datetime.fromisoformat(info.start).timestamp()
    return describe_duration(round(time.time() - began))


@main.command("list")
@state_dir_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def list_(state_dir: Path | None, fmt: str) -> None:
    """The agent's processes."""
    processes = _request(_state(state_dir), "GET", "/processes").json()["processes"]
    if fmt == "json":
        click.echo(json.dumps(processes, indent=2))
        return
    from .user.output import Printer, state_cell  # rich, only for this table

    infos = [ProcessInfo.model_validate(p) for p in processes]
    Printer().table(
        ("proc_id", "run_id", "pid", "state", "status", "elapsed"),
        [
            (
                i.proc_id,
                i.run_id,
                str(i.pid),
                state_cell(i.state),
                "" if i.status is None else str(i.status),
                _elapsed(i),
            )
            for i in infos
        ],
    )


@main.command("signal")
@state_dir_option
@click.argument("proc_id")
@click.argument("signal")
def signal_(state_dir: Path | None, proc_id: str, signal: str) -> None:
    """Send SIGNAL (name or number) to the process group of PROC_ID."""
    _request(_state(state_dir), "POST", f"/processes/{proc_id}/signal/{signal}")


@main.command()
@state_dir_option
def stop(state_dir: Path | None) -> None:
    """Shut the agent down; its processes keep running, for the next agent to adopt."""
    state = _state(state_dir)
    agent = state.read_agent()
    _request(state, "POST", "/shutdown")
    deadline = time.monotonic() + 10
    while state.read_agent() == agent:
        if time.monotonic() > deadline:
            _fail(f"the agent (pid {agent.pid if agent else '?'}) did not exit")
        time.sleep(0.05)


@main.command()
@state_dir_option
@click.argument("proc_ids", nargs=-1)
def clean(state_dir: Path | None, proc_ids: tuple[str, ...]) -> None:
    """Release PROC_IDS (killing any still running), or every exited process."""
    state = _state(state_dir)
    if not proc_ids:
        processes = _request(state, "GET", "/processes").json()["processes"]
        proc_ids = tuple(p["proc_id"] for p in processes if p["state"] == "exited")
    released = _request(state, "POST", "/release", json={"proc_ids": list(proc_ids)}).json()
    click.echo(f"released {released['released']} of {len(proc_ids)}")


if __name__ == "__main__":
    main()
