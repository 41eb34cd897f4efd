"""Paging GET /runs over the whole stored history, with state, label and job-path
filters; without paging parameters it answers from memory as Apsis does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from live_service import Service

JOBS = {
    "items": """
        params: [batch]
        program: {type: no-op}
    """,
    "grp/one": """
        params: [batch]
        metadata: {labels: [nightly]}
        program: {type: no-op}
    """,
    "grp/two": """
        params: [batch]
        program: {type: shell, command: "exit 1"}
    """,
    "grpx": """
        params: [batch]
        metadata: {labels: [nightly]}
        program: {type: no-op}
    """,
}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A service that keeps no finished run in memory across a restart (lookback 0),
    so after one, finished runs are only in the store."""
    live = Service(tmp_path_factory.mktemp("history"), JOBS, "runs: {lookback: 0}\n")
    live.start()
    yield live
    live.client.close()
    assert live.stop() == 0, live.log


def batch() -> str:
    return uuid.uuid4().hex[:12]


def create(service: Service, job_id: str, name: str, count: int) -> list[str]:
    response = service.post("/runs", {"job_id": job_id, "args": {"batch": name}}, count=count)
    assert response.status_code == 200, response.text
    return list(response.json()["runs"])


def finish(service: Service, run_ids: list[str], *states: str) -> None:
    for run_id in run_ids:
        service.wait_state(run_id, *(states or ("success",)))


def pages(service: Service, **params: Any) -> list[list[str]]:
    """Every page from the newest on, following `next`."""
    found = []
    while True:
        page = service.get("/runs", **params).json()
        found.append(list(page["runs"]))
        if page["next"] is None:
            return found
        params["before"] = page["next"]


def test_pages_cover_every_run_once_newest_first(history: Service) -> None:
    name = batch()
    # One request: all 23 runs share a schedule time, so only run IDs order them.
    run_ids = create(history, "items", name, 23)
    finish(history, run_ids)
    found = pages(history, batch=name, limit=10, summary="true")
    assert [len(page) for page in found] == [10, 10, 3]
    assert [run_id for page in found for run_id in page] == run_ids[::-1]


def test_after_a_cursor_gives_the_newer_runs(history: Service) -> None:
    name = batch()
    run_ids = create(history, "items", name, 7)
    finish(history, run_ids)
    newest = history.get("/runs", batch=name, limit=3).json()
    older = history.get("/runs", batch=name, limit=3, before=newest["next"]).json()
    assert list(older["runs"]) == run_ids[::-1][3:6]
    back = history.get("/runs", batch=name, limit=3, after=older["prev"]).json()
    assert list(back["runs"]) == list(newest["runs"])
    assert back["prev"] is None  # nothing newer
    again = history.get("/runs", batch=name, limit=3, before=back["next"]).json()
    assert again["runs"] == older["runs"]
    oldest = history.get("/runs", batch=name, limit=3, before=older["next"]).json()
    assert (list(oldest["runs"]), oldest["next"]) == ([run_ids[0]], None)


def test_a_time_is_a_cursor_too(history: Service) -> None:
    name = batch()
    run_ids = create(history, "items", name, 2)
    finish(history, run_ids)
    schedule = history.run(run_ids[0])["times"]["schedule"]
    assert history.get("/runs", batch=name, before=schedule).json()["runs"] == {}
    assert history.get("/runs", batch=name, after="2000-01-01T00:00:00Z").json()["runs"]
    response = history.get("/runs", batch=name, before="yesterday")
    assert response.status_code == 400
    assert response.json()["error"].startswith("before: ")
    assert history.get("/runs", before="2030-01-01T00:00:00Z,x1").status_code == 400


def test_states_repeated_or_comma_separated(history: Service) -> None:
    name = batch()
    succeeded = create(history, "grp/one", name, 2)
    failed = create(history, "grp/two", name, 2)
    finish(history, succeeded)
    finish(history, failed, "failure")
    later = history.post(
        "/runs", {"job_id": "items", "args": {"batch": name},
                  "times": {"schedule": "2099-01-01T00:00:00Z"}},
    ).json()["runs"]  # fmt: skip
    (scheduled,) = later
    for params in (
        {"state": "failure,scheduled"},
        {"state": ["failure", "scheduled"]},
        {"state": ["failure, scheduled"], "limit": "50"},
    ):
        runs = history.get("/runs", batch=name, **params).json()["runs"]
        assert sorted(runs) == sorted([*failed, scheduled]), params
    bad = history.get("/runs", state="failure,done")
    assert bad.status_code == 400
    assert "'done' is not a run state" in bad.json()["error"]
    assert history.post(f"/runs/{scheduled}/skip").status_code == 200


def paged(service: Service, **params: str) -> list[str]:
    return sorted(run_id for page in pages(service, limit=2, **params) for run_id in page)


def unpaged(service: Service, **params: str) -> list[str]:
    return sorted(service.get("/runs", **params).json()["runs"])


@pytest.mark.parametrize("query", [paged, unpaged])
def test_label_and_job_prefix_filters(history: Service, query: Any) -> None:
    name = batch()
    one = create(history, "grp/one", name, 3)
    two = create(history, "grp/two", name, 1)
    grpx = create(history, "grpx", name, 2)
    finish(history, one + grpx)
    finish(history, two, "failure")
    assert query(history, batch=name, job_prefix="grp/") == sorted(one + two)
    assert query(history, batch=name, job_prefix="grp") == sorted(one + two + grpx)
    assert query(history, batch=name, label="nightly") == sorted(one + grpx)
    assert query(history, batch=name, label="nightly", job_prefix="grp/") == sorted(one)
    assert query(history, batch=name, label="nothing") == []


def test_unpaged_answers_keep_the_apsis_shape(history: Service) -> None:
    name = batch()
    run_ids = create(history, "items", name, 2)
    finish(history, run_ids)
    body = history.get("/runs", batch=name).json()
    assert set(body) == {"when", "runs"}
    assert list(body["runs"]) == run_ids  # oldest first, as Apsis
    assert history.get("/runs", limit="0").status_code == 400
    assert history.get("/runs", limit="10001").status_code == 400


def test_history_beyond_memory_is_paged_from_the_store(history: Service) -> None:
    name = batch()
    run_ids = create(history, "items", name, 5)
    finish(history, run_ids)
    history.stop()
    history.start()
    # Lookback 0: the finished runs were not loaded; only the store has them.
    assert history.get("/runs", batch=name).json()["runs"] == {}
    page = history.get("/runs", batch=name, limit=3, summary="true").json()
    assert list(page["runs"]) == run_ids[::-1][:3]
    run = page["runs"][run_ids[-1]]
    assert run["state"] == "success" and run["times"]["schedule"].endswith("Z")
    assert set(run) == {"run_id", "job_id", "args", "state", "times", "labels"}
    rest = history.get("/runs", batch=name, limit=3, before=page["next"]).json()
    assert list(rest["runs"]) == run_ids[::-1][3:]
    full = history.get("/runs", batch=name, limit=1).json()["runs"][run_ids[-1]]
    assert full["program"]["type"] == "no-op" and "run_state" not in full
    of_job = history.get("/jobs/items/runs", limit=10).json()["runs"]
    assert [run_id for run_id in of_job if run_id in run_ids] == run_ids[::-1]
