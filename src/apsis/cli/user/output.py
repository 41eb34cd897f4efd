"""What `apsis` prints: tables and details of jobs and runs, and JSON or YAML.

On a terminal, tables are aligned and coloured by rich, as wide as the terminal. Piped,
they are plain aligned text with no width limit and no trailing blanks, so that `grep`
and `awk` see one row per line. `--format json` prints the API's own shapes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("table", "json", "yaml")
FINISHED = ("success", "failure", "error", "skipped")

_STATE_STYLES = {
    "new": "dim",
    "scheduled": "blue",
    "waiting": "yellow",
    "starting": "cyan",
    "running": "bold cyan",
    "stopping": "magenta",
    "success": "green",
    "failure": "red",
    "error": "bold red",
    "skipped": "dim",
}

Cell = str | Text


class Printer:
    """Writes to stdout; `console` decides colour and width once per invocation."""

    def __init__(self) -> None:
        self.console = Console(highlight=False)
        self.terminal = self.console.is_terminal

    def data(self, value: Any, fmt: str) -> None:
        """`value` as JSON or YAML."""
        if fmt == "json":
            click.echo(json.dumps(value, indent=2, ensure_ascii=False))
        else:
            import yaml  # only for this format

            click.echo(yaml.safe_dump(value, sort_keys=False, allow_unicode=True), nl=False)

    def table(
        self,
        headers: Sequence[str] | None,
        rows: Iterable[Sequence[Cell]],
        wrap: int = -1,
    ) -> None:
        """Aligned columns, with a header line unless `headers` is None (key-value).

        On a narrow terminal only column `wrap` (default the last) wraps; the others,
        IDs, states and times, stay whole."""
        rows = list(rows)
        width = len(headers) if headers else max((len(row) for row in rows), default=0)
        table = Table(
            box=None,
            pad_edge=False,
            show_header=headers is not None,
            header_style="bold",
            padding=(0, 2, 0, 0),
        )
        for index in range(width):
            wraps = index == wrap % width
            table.add_column(
                headers[index] if headers else "",
                no_wrap=not wraps,
                overflow="fold" if wraps else "ellipsis",
            )
        for row in rows:
            # Text, not str: rich would read `[...]` in a job's args as markup.
            table.add_row(*(Text(cell) if isinstance(cell, str) else cell for cell in row))
        self._print(table)

    def text(self, line: Cell = "") -> None:
        self._print(line)

    def _print(self, renderable: Any) -> None:
        if isinstance(renderable, str):
            renderable = Text(renderable)
        if self.terminal:
            self.console.print(renderable, soft_wrap=isinstance(renderable, Text))
            return
        # Plain: render to text without a width limit, then drop rich's cell padding.
        buffer = io.StringIO()
        Console(file=buffer, width=1_000_000, color_system=None, highlight=False).print(
            renderable, soft_wrap=True
        )
        click.echo("\n".join(line.rstrip() for line in buffer.getvalue().splitlines()))


# --- cells ---------------------------------------------------------------------------


def state_cell(state: str) -> Text:
    return Text(state, style=_STATE_STYLES.get(state, ""))


def args_cell(args: Mapping[str, Any]) -> str:
    return " ".join(f"{name}={value}" for name, value in args.items())


def time_cell(text: str | None) -> str:
    """An API time to the second: the milliseconds only clutter a table."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def elapsed_seconds(run: Mapping[str, Any], now: datetime | None = None) -> float | None:
    """Seconds from running to finishing, or to now while it runs; None if it never ran.

    The end is the first finished time: a run marked later keeps its real length.
    """
    meta = run.get("meta") or {}
    if isinstance(meta.get("elapsed"), int | float):
        return float(meta["elapsed"])
    times = run.get("times") or {}
    if "running" not in times:
        return None
    ends = [datetime.fromisoformat(times[s]) for s in ("success", "failure", "error") if s in times]
    if not ends and run.get("state") in FINISHED:
        return None
    end = min(ends) if ends else now or datetime.now(UTC)
    return max(0.0, (end - datetime.fromisoformat(times["running"])).total_seconds())


def elapsed_cell(run: Mapping[str, Any], now: datetime | None = None) -> str:
    seconds = elapsed_seconds(run, now)
    return "" if seconds is None else duration_text(seconds)


def duration_text(seconds: float) -> str:
    """`4.2s`, `3m 05s`, `2h 10m`, `3d 04h`: two units at most."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h {whole // 60 % 60:02d}m"
    return f"{whole // 86400}d {whole // 3600 % 24:02d}h"


def _kind(jso: Mapping[str, Any]) -> str:
    """A program, condition, action or schedule in one line: its own `str` if it has
    one, else its type and settings."""
    if isinstance(jso.get("str"), str):
        return str(jso["str"])
    if "start" in jso and "stop" in jso:
        return f"{_kind(jso['start'])}; stop: {_kind(jso['stop'])}"
    settings = [
        f"{key}={_compact(value)}"
        for key, value in jso.items()
        if key not in ("type", "enabled") and value not in (None, 0, "", [], {})
    ]
    disabled = " (disabled)" if jso.get("enabled") is False else ""
    return " ".join([str(jso.get("type", "?")), *settings]) + disabled


def _compact(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_compact(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}:{_compact(v)}" for k, v in value.items())
    return str(value)


# --- jobs ----------------------------------------------------------------------------


def print_jobs(out: Printer, jobs: Sequence[Mapping[str, Any]]) -> None:
    rows = []
    for job in jobs:
        metadata = job.get("metadata") or {}
        description = str(metadata.get("description") or "").strip().splitlines()
        rows.append(
            [
                job["job_id"],
                " ".join(job.get("params") or []),
                " ".join(metadata.get("labels") or []),
                description[0] if description else "",
            ]
        )
    out.table(["job", "params", "labels", "description"], rows)


def print_job(out: Printer, job: Mapping[str, Any]) -> None:
    metadata = dict(job.get("metadata") or {})
    description = str(metadata.pop("description", "") or "").strip()
    labels = metadata.pop("labels", None) or []
    rows: list[list[Cell]] = [
        ["job", job["job_id"]],
        ["params", " ".join(job.get("params") or [])],
        ["labels", " ".join(labels)],
        ["program", _kind(job.get("program") or {})],
    ]
    if job.get("ad_hoc"):
        rows.append(["ad hoc", "yes"])
    for title, key in (("schedule", "schedule"), ("condition", "condition"), ("action", "action")):
        rows += [[title, _kind(item)] for item in job.get(key) or []]
    if job.get("retry"):
        rows.append(["retry", _kind({"type": "retry", **job["retry"]}).removeprefix("retry ")])
    rows += [[str(key), _compact(value)] for key, value in metadata.items()]
    out.table(None, rows)
    if description:
        out.text()
        out.text(description)


# --- runs ----------------------------------------------------------------------------


def print_runs(out: Printer, runs: Iterable[Mapping[str, Any]]) -> None:
    now = datetime.now(UTC)
    rows = [
        [
            run["run_id"],
            state_cell(run["state"]),
            run["job_id"],
            args_cell(run.get("args") or {}),
            time_cell((run.get("times") or {}).get("schedule")),
            elapsed_cell(run, now),
        ]
        for run in runs
    ]
    out.table(["run", "state", "job", "args", "schedule", "elapsed"], rows, wrap=3)


def print_run(
    out: Printer,
    run: Mapping[str, Any],
    log: Sequence[Mapping[str, Any]] | None = None,
    history: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    """A run's details; with `log` (verbose), its program, conditions, run log and the
    other runs of its instance (`history`)."""
    rows: list[list[Cell]] = [
        ["run", run["run_id"]],
        ["state", state_cell(run["state"])],
        ["job", run["job_id"]],
        ["args", args_cell(run.get("args") or {})],
    ]
    if run.get("labels"):
        rows.append(["labels", " ".join(run["labels"])])
    if run.get("rerun_of"):
        rows.append(["rerun of", run["rerun_of"]])
    rows += [[name, time_cell(value)] for name, value in (run.get("times") or {}).items()]
    elapsed = elapsed_cell(run)
    if elapsed:
        rows.append(["elapsed", elapsed])
    out.table(None, rows)
    if log is None:
        return
    program = run.get("program")
    if program:
        out.text()
        out.text(Text("program", style="bold"))
        out.table(None, [["", _kind(program)]])
    if run.get("conds"):
        out.text()
        out.text(Text("conditions", style="bold"))
        out.table(None, [["", _kind(cond)] for cond in run["conds"]])
    out.text()
    out.text(Text("run log", style="bold"))
    out.table(None, [["", time_cell(line["timestamp"]), line["message"]] for line in log])
    others = [r for r in history or () if r["run_id"] != run["run_id"]]
    if others:
        out.text()
        out.text(Text("other runs of this job with these args", style="bold"))
        out.table(
            None,
            [
                ["", r["run_id"], state_cell(r["state"]), time_cell(r["times"].get("schedule"))]
                for r in others
            ],
        )


def print_preview(out: Printer, items: Iterable[Mapping[str, Any]]) -> None:
    """Upcoming runs, as `apsisctl preview` prints them."""
    for item in items:
        parts = [time_cell(item.get("time")), args_cell(item.get("args") or {})]
        if item.get("stop"):
            parts.append(f"stop {time_cell(item['stop'])}")
        if item.get("note"):
            parts.append(f"({item['note']})")
        out.text("  ".join(part for part in parts if part))
