"""Writing and reading runs, run logs, outputs, ad hoc jobs and service state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from apsis.store import (
    AppendLog,
    Conflict,
    DeleteRun,
    InsertRun,
    OutputInfo,
    PutAdhocJob,
    PutOutput,
    SetHorizon,
    Store,
    UpdateRun,
    open_store,
)
from apsis.store.schema import outputs
from apsis.store.write import COMPRESS_AT

from .records import T0, minutes, record


def test_inserted_run_reads_back_whole(store: Store) -> None:
    run = record(1, args={"date": "2026-11-21"}, meta={"labels": ["etl"]}, rerun_of=None)
    assert store.write([InsertRun(run)]) == []
    assert store.get_run("r1") == run
    assert store.get_run("r2") is None
    assert store.count_runs() == 1


def test_update_applies_when_the_state_matches(store: Store) -> None:
    store.write([InsertRun(record(1, state="new"))])
    updated = record(1, state="scheduled", run_state={"pid": 12})
    assert store.write([UpdateRun(updated, expected_state="new")]) == []
    assert store.get_run("r1") == updated


def test_update_with_a_stale_state_is_a_conflict_and_the_rest_applies(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.write([InsertRun(record(1, state="running")), InsertRun(record(2, state="new"))])
    conflicts = store.write(
        [
            UpdateRun(record(1, state="success"), expected_state="waiting"),
            UpdateRun(record(2, state="scheduled"), expected_state="new"),
            AppendLog("r2", T0, "scheduled"),
        ]
    )
    assert conflicts == [Conflict("r1", "waiting", "running", index=0)]
    assert store.get_run("r1") == record(1, state="running")
    assert store.get_run("r2") == record(2, state="scheduled")
    assert store.get_run_log("r2") == [(T0, "scheduled")]
    assert "r1: not updated: expected state waiting, found running" in caplog.text


def test_update_of_a_missing_run_is_a_conflict_with_no_state(store: Store) -> None:
    conflicts = store.write([UpdateRun(record(7, state="running"), expected_state="starting")])
    assert conflicts == [Conflict("r7", "starting", None, index=0)]
    assert store.get_run("r7") is None


def test_second_update_of_one_run_in_a_batch_sees_the_first(store: Store) -> None:
    ops = [
        InsertRun(record(1, state="new")),
        UpdateRun(record(1, state="scheduled"), expected_state="new"),
        UpdateRun(record(1, state="waiting"), expected_state="new"),
        UpdateRun(record(1, state="starting"), expected_state="scheduled"),
    ]
    assert store.write(ops) == [Conflict("r1", "new", "scheduled", index=2)]
    assert store.get_run("r1") == record(1, state="starting")


def test_a_failing_batch_writes_nothing(store: Store) -> None:
    store.write([InsertRun(record(1))])
    with pytest.raises(sa.exc.IntegrityError):
        store.write(
            [
                InsertRun(record(2)),
                AppendLog("r2", T0, "created"),
                SetHorizon(T0),
                InsertRun(record(1)),  # already there
            ]
        )
    assert store.get_run("r2") is None
    assert store.get_run_log("r2") == []
    assert store.get_horizon() is None


def test_delete_removes_the_run_its_log_and_outputs(store: Store) -> None:
    store.write(
        [
            InsertRun(record(1)),
            InsertRun(record(2)),
            AppendLog("r1", T0, "created"),
            AppendLog("r2", T0, "created"),
            PutOutput("r1", "output", "output", "text/plain", b"hi"),
        ]
    )
    store.write([DeleteRun("r1")])
    assert store.get_run("r1") is None
    assert store.get_run_log("r1") == []
    assert store.get_outputs("r1") == []
    assert store.get_run_log("r2") == [(T0, "created")]


def test_load_runs_gives_unfinished_runs_and_recently_finished_ones(store: Store) -> None:
    old, recent = T0 - minutes(600), T0 + minutes(1)
    store.write(
        [
            InsertRun(record(1, state="running", schedule=old)),
            InsertRun(record(2, state="success", schedule=old)),
            InsertRun(record(3, state="failure", schedule=recent)),
            InsertRun(record(4, state="waiting", schedule=recent)),
            InsertRun(record(5, state="skipped", schedule=T0)),
        ]
    )
    loaded = sorted(run["run_id"] for run in store.load_runs(T0, dict))
    assert loaded == ["r1", "r3", "r4", "r5"]


def test_run_log_keeps_write_order_with_equal_times(store: Store) -> None:
    store.write([InsertRun(record(1))])
    store.write([AppendLog("r1", T0, "scheduled"), AppendLog("r1", T0, "waiting until: x")])
    store.write([AppendLog("r1", T0 + minutes(1), "starting"), AppendLog("r1", T0, "late")])
    assert store.get_run_log("r1") == [
        (T0, "scheduled"),
        (T0, "waiting until: x"),
        (T0 + minutes(1), "starting"),
        (T0, "late"),
    ]


def test_run_numbers_are_never_reused_across_reopening(store_path: Path, store: Store) -> None:
    assert store.allocate_run_numbers(64) == 1
    assert store.allocate_run_numbers(1) == 65
    store.close()  # as if the service stopped holding 2..64 unused
    reopened = open_store(store_path)
    assert reopened.allocate_run_numbers(10) == 66
    assert reopened.allocate_run_numbers(1) == 76
    reopened.close()


def test_allocating_no_run_numbers_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="cannot allocate 0 run numbers"):
        store.allocate_run_numbers(0)


def test_small_output_is_stored_as_is_and_listed(store: Store) -> None:
    store.write([PutOutput("r1", "output", "stdout", "text/plain", b"hello\n")])
    assert store.get_outputs("r1") == [OutputInfo("output", "stdout", "text/plain", 6)]
    assert store.get_output("r1", "output") == b"hello\n"
    assert store.get_output("r1", "other") is None


def test_large_output_is_compressed_and_reads_back_whole(store: Store) -> None:
    data = b"".join(b"line %d of a long log\n" % i for i in range(COMPRESS_AT // 10))
    store.write([PutOutput("r1", "output", "stdout", "text/plain", data)])
    assert store.get_outputs("r1") == [OutputInfo("output", "stdout", "text/plain", len(data))]
    assert store.get_output("r1", "output") == data
    assert _stored_compression(store, "output") == ("zlib", True)


def test_incompressible_large_output_is_stored_as_is(store: Store) -> None:
    data = os.urandom(COMPRESS_AT)
    store.write([PutOutput("r1", "output", "data", "application/octet-stream", data)])
    assert store.get_output("r1", "output") == data
    assert _stored_compression(store, "output") == (None, False)


def test_put_output_replaces_the_previous_one(store: Store) -> None:
    store.write([PutOutput("r1", "output", "stdout", "text/plain", b"partial")])
    store.write([PutOutput("r1", "output", "stdout", "text/plain", b"complete\n")])
    assert store.get_outputs("r1") == [OutputInfo("output", "stdout", "text/plain", 9)]
    assert store.get_output("r1", "output") == b"complete\n"


def test_horizon_round_trips_in_utc(store: Store) -> None:
    store.write([SetHorizon(T0)])
    store.write([SetHorizon(T0 + minutes(90))])
    assert store.get_horizon() == T0 + minutes(90)


def test_naive_horizon_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="times must be aware"):
        store.write([SetHorizon(T0.replace(tzinfo=None))])


def test_adhoc_job_is_stored_and_replaced(store: Store) -> None:
    store.write([PutAdhocJob("adhoc-1", {"program": {"type": "shell", "command": "a"}})])
    store.write([PutAdhocJob("adhoc-1", {"program": {"type": "shell", "command": "b"}})])
    assert store.get_adhoc_job("adhoc-1") == {"program": {"type": "shell", "command": "b"}}
    assert store.get_adhoc_job("adhoc-2") is None


def test_integrity_check_of_a_sound_file_finds_nothing(store: Store) -> None:
    store.write([InsertRun(record(1))])
    store.vacuum()
    assert store.integrity_problems() == []


def _stored_compression(store: Store, output_id: str) -> tuple[str | None, bool]:
    """(compression, whether the stored bytes are fewer than the output's length)."""
    query = sa.select(outputs.c.compression, outputs.c.data, outputs.c.length).where(
        outputs.c.output_id == output_id
    )
    with store._engine.connect() as conn:
        compression, data, length = conn.execute(query).one()
    return compression, len(data) < length
