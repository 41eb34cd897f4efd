from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from apsis.errors import JobDirErrors
from apsis.jobs import load_job_dir, preview_runs
from apsis.schedule import ScheduledRun

EXAMPLES = Path(__file__).parents[3] / "examples"


def write(root: Path, name: str, text: str) -> None:
    path = root / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_job_id_is_relative_path_without_suffix(tmp_path: Path) -> None:
    write(tmp_path, "data/load prices", "program: {type: no-op}")
    write(tmp_path, "top", "program: {type: no-op}")
    assert sorted(load_job_dir(tmp_path).jobs) == ["data/load prices", "top"]


def test_hidden_files_and_folders_and_other_suffixes_are_not_jobs(tmp_path: Path) -> None:
    write(tmp_path, ".hidden", "program: {type: no-op}")
    write(tmp_path, ".git/config", "program: {type: no-op}")
    (tmp_path / "notes.txt").write_text("not a job")
    (tmp_path / "old.yml").write_text("not: a job")
    write(tmp_path, "real", "program: {type: no-op}")
    assert list(load_job_dir(tmp_path).jobs) == ["real"]


def test_all_errors_of_all_files_are_reported_together(tmp_path: Path) -> None:
    write(tmp_path, "a", "program: {type: nope}")
    write(tmp_path, "b", "params: [x]\nprogram: {type: no-op}\nbogus: 1")
    write(tmp_path, "ok", "program: {type: no-op}")
    with pytest.raises(JobDirErrors) as info:
        load_job_dir(tmp_path)
    files = [Path(e.file).name for e in info.value.errors]
    assert files == ["a.yaml", "b.yaml"]


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(JobDirErrors, match="not a directory"):
        load_job_dir(tmp_path / "absent")


def test_program_shorthands_and_both_spellings(tmp_path: Path) -> None:
    write(tmp_path, "s", "program: echo hi\nconditions: {type: const, value: true}")
    write(tmp_path, "p", "program: [echo, hi]\nactions: [{type: schedule, job_id: s}]")
    jobs = load_job_dir(tmp_path).jobs
    assert jobs["s"].program.type_name == "shell"
    assert jobs["s"].conditions[0].type_name == "const"
    assert jobs["p"].program.type_name == "program"
    assert jobs["p"].actions[0].referenced_job() == ("s", {})


def test_successors_become_schedule_actions_on_success(tmp_path: Path) -> None:
    write(tmp_path, "first", "params: [date]\nprogram: {type: no-op}\nsuccessors: second")
    write(tmp_path, "second", "params: [date]\nprogram: {type: no-op}")
    (action,) = load_job_dir(tmp_path).jobs["first"].actions
    assert action.to_jso()["job_id"] == "second"
    assert action.to_jso()["if"]["states"] == ["success"]


def test_schedule_args_are_narrowed_to_params(tmp_path: Path) -> None:
    write(
        tmp_path,
        "j",
        "params: [date, schedule_time]\nprogram: {type: no-op}\n"
        "schedule: {type: daily, tz: UTC, daytime: '09:00'}",
    )
    job = load_job_dir(tmp_path).jobs["j"]
    (run,) = preview_runs(job, datetime(2026, 11, 21, tzinfo=UTC), 1)
    assert run == ScheduledRun(
        nominal=datetime(2026, 11, 21, 9, tzinfo=UTC),
        time=datetime(2026, 11, 21, 9, tzinfo=UTC),
        args={"date": "2026-11-21", "schedule_time": "2026-11-21T09:00:00Z"},
    )


def test_preview_merges_schedules_in_time_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        "j",
        "params: [market]\nprogram: {type: no-op}\nschedule:\n"
        "  - {type: daily, tz: UTC, daytime: '10:00', args: {market: b}}\n"
        "  - {type: daily, tz: UTC, daytime: '09:00', args: {market: a}}\n",
    )
    job = load_job_dir(tmp_path).jobs["j"]
    runs = preview_runs(job, datetime(2026, 11, 21, tzinfo=UTC), 3)
    assert [(r.time.hour, r.args["market"]) for r in runs] == [(9, "a"), (10, "b"), (9, "a")]


def test_disabled_schedules_produce_no_runs(tmp_path: Path) -> None:
    write(
        tmp_path,
        "j",
        "program: {type: no-op}\nschedule: {type: interval, interval: 1h, enabled: false}",
    )
    job = load_job_dir(tmp_path).jobs["j"]
    assert preview_runs(job, datetime(2026, 11, 21, tzinfo=UTC), 3) == []


def test_demo_jobs_are_valid() -> None:
    from apsis.calendars import CalendarLookup

    jobs = load_job_dir(EXAMPLES / "jobs", CalendarLookup(EXAMPLES / "calendars"))
    assert 10 <= len(jobs) <= 20
    kinds = {e.schedule.type_name for j in jobs.jobs.values() for e in j.schedules}
    assert kinds == {"interval", "daily", "daily-interval", "explicit", "cron"}


def test_schedules_giving_the_same_time_both_run_in_schedule_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        "j",
        "params: [market]\nprogram: {type: no-op}\nschedule:\n"
        "  - {type: daily, tz: UTC, daytime: '09:00', args: {market: a}}\n"
        "  - {type: daily, tz: UTC, daytime: '09:00', args: {market: b}}\n",
    )
    job = load_job_dir(tmp_path).jobs["j"]
    runs = preview_runs(job, datetime(2026, 11, 21, tzinfo=UTC), 3)
    assert [(r.time.day, r.args["market"]) for r in runs] == [(21, "a"), (21, "b"), (22, "a")]
