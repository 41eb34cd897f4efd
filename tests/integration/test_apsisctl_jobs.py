"""`apsisctl check-jobs` and `apsisctl preview`, run as the real executable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parents[2] / "examples"
APSISCTL = str(Path(sys.executable).parent / "apsisctl")


def apsisctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([APSISCTL, *args], capture_output=True, text=True, timeout=60)


def write(root: Path, name: str, text: str) -> None:
    path = root / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_check_jobs_accepts_the_demo_jobs_with_a_summary() -> None:
    result = apsisctl(
        "check-jobs", str(EXAMPLES / "jobs"), "--config", str(EXAMPLES / "config.yaml")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 19 jobs in ")


def test_check_jobs_lists_every_error_and_exits_1(tmp_path: Path) -> None:
    write(
        tmp_path,
        "etl/load",
        "program: {type: no-op}\nschedule:\n  - {type: interval, interval: 1h}\n"
        "  - {type: daily, tz: UTC, daytime: '25:00'}",
    )
    write(tmp_path, "other", "program: {type: shel, command: x}")
    write(tmp_path, "fine", "program: {type: no-op}")
    result = apsisctl("check-jobs", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path}/etl/load.yaml: schedule[1].daytime: '25:00' is not a daytime",
        f"{tmp_path}/other.yaml: program.type: unknown program type 'shel' (did you mean 'shell'?)",
    ]
    assert result.stderr == "error: 2 errors in 2 job files\n"


def test_check_jobs_with_a_bad_config_names_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("schedule: {horizon: soon}")
    result = apsisctl("check-jobs", str(tmp_path), "--config", str(config))
    assert result.returncode == 1
    assert result.stderr == f"error: {config}: schedule.horizon: 'soon' is not a duration\n"


def test_preview_json_lists_times_and_args_in_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        "daily job",
        "params: [date]\nprogram: {type: no-op}\n"
        "schedule: {type: daily, tz: America/New_York, daytime: '09:30', calendar: Mon-Fri}",
    )
    result = apsisctl(
        "preview",
        str(tmp_path),
        "daily",
        "--from",
        "2026-11-20T00:00:00Z",
        "--count",
        "3",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"time": "2026-11-20T14:30:00Z", "args": {"date": "2026-11-20"}},
        {"time": "2026-11-23T14:30:00Z", "args": {"date": "2026-11-23"}},
        {"time": "2026-11-24T14:30:00Z", "args": {"date": "2026-11-24"}},
    ]


def test_preview_text_shows_dst_gap_runs_at_first_valid_instant() -> None:
    result = apsisctl(
        "preview",
        str(EXAMPLES / "jobs"),
        "london small hours",
        "--config",
        str(EXAMPLES / "config.yaml"),
        "--from",
        "2026-03-28T12:00:00Z",
        "-n",
        "2",
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    # 01:30 does not exist in London on 2026-03-29: clocks go from 01:00 GMT to 02:00 BST.
    assert first.startswith("2026-03-29T01:00:00Z  date=2026-03-29 time=2026-03-29T01:00:00Z")
    assert "does not exist" in first
    assert second == "2026-03-30T00:30:00Z  date=2026-03-30 time=2026-03-30T00:30:00Z"


def test_preview_of_an_unknown_job_fails_with_one_line(tmp_path: Path) -> None:
    write(tmp_path, "a", "program: {type: no-op}")
    result = apsisctl("preview", str(tmp_path), "zzz")
    assert result.returncode == 1
    assert result.stderr == "error: no job 'zzz'\n"


def test_preview_rejects_a_bad_from_time(tmp_path: Path) -> None:
    write(tmp_path, "a", "program: {type: no-op}")
    result = apsisctl("preview", str(tmp_path), "a", "--from", "tomorrow")
    assert result.returncode == 1
    assert result.stderr == "error: --from: 'tomorrow' is not a time\n"
