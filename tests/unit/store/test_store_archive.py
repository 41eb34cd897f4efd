"""Archiving moves old finished runs, with log lines and outputs, into another file."""

from __future__ import annotations

from pathlib import Path

from apsis.store import AppendLog, InsertRun, PutOutput, Store, open_store

from .records import T0, minutes, record


def add_run(store: Store, number: int, state: str = "success", age_minutes: int = 60) -> None:
    run_id = f"r{number}"
    store.write(
        [
            InsertRun(record(number, state=state, schedule=T0 - minutes(age_minutes))),
            AppendLog(run_id, T0, "starting"),
            AppendLog(run_id, T0, "success"),
            PutOutput(run_id, "output", "output", "text/plain", b"out %d" % number),
        ]
    )


def test_archive_moves_old_finished_runs_with_their_logs_and_outputs(
    store: Store, tmp_path: Path
) -> None:
    add_run(store, 1)
    add_run(store, 2, state="failure")
    add_run(store, 3, state="running")  # unfinished: stays
    add_run(store, 4, age_minutes=1)  # too recent: stays
    archive_path = tmp_path / "archive.db"
    moved = store.archive(T0 - minutes(30), archive_path, count=100, chunk_size=10)
    assert moved == {"runs": 2, "log_lines": 4, "outputs": 2}
    assert sorted(run["run_id"] for run in store.query_runs()) == ["r3", "r4"]
    assert store.get_run_log("r1") == [] and store.get_outputs("r1") == []

    archive = open_store(archive_path)
    assert [run["run_id"] for run in archive.query_runs()] == ["r2", "r1"]
    assert archive.get_run("r2") == record(2, state="failure", schedule=T0 - minutes(60))
    assert archive.get_run_log("r1") == [(T0, "starting"), (T0, "success")]
    assert archive.get_output("r2", "output") == b"out 2"
    archive.close()


def test_archive_moves_at_most_count_oldest_first_in_chunks(store: Store, tmp_path: Path) -> None:
    for number in range(1, 11):
        add_run(store, number, age_minutes=100 - number)
    archive_path = tmp_path / "archive.db"
    moved = store.archive(T0, archive_path, count=7, chunk_size=3)
    assert moved == {"runs": 7, "log_lines": 14, "outputs": 7}
    assert [run["run_id"] for run in store.query_runs()] == ["r10", "r9", "r8"]
    moved = store.archive(T0, archive_path, count=7, chunk_size=3)
    assert moved == {"runs": 3, "log_lines": 6, "outputs": 3}
    assert store.count_runs() == 0
    archive = open_store(archive_path)
    assert archive.count_runs() == 10
    archive.close()


def test_archive_after_a_crash_replaces_the_copy_already_there(
    store: Store, tmp_path: Path
) -> None:
    # A crash between the archive's commit and the live file's: the run is in both.
    add_run(store, 1)
    archive_path = tmp_path / "archive.db"
    store.archive(T0, archive_path, count=1, chunk_size=1)
    add_run(store, 1)
    assert store.archive(T0, archive_path, count=1, chunk_size=1)["runs"] == 1
    archive = open_store(archive_path)
    assert archive.count_runs() == 1
    assert archive.get_run_log("r1") == [(T0, "starting"), (T0, "success")]
    archive.close()


def test_archive_with_nothing_to_move_moves_nothing(store: Store, tmp_path: Path) -> None:
    add_run(store, 1, state="waiting")
    assert store.archive(T0, tmp_path / "a.db", 10, 10) == {
        "runs": 0,
        "log_lines": 0,
        "outputs": 0,
    }
    assert store.count_runs() == 1
