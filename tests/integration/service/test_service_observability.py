"""`/api/v1/stats` and `/metrics`: what an operator watches (SPEC §13)."""

from __future__ import annotations

import re

from live_service import Service, wait_for

_SAMPLE = re.compile(r'^([a-z_]+)(?:\{((?:[a-z_]+="(?:[^"\\]|\\.)*",?)*)\})? (\S+)$')
_LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def metrics(service: Service) -> Samples:
    """Every sample of /metrics by (name, labels); each line must be well formed."""
    response = service.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for line in response.text.splitlines():
        if line.startswith("# "):
            assert line.split()[1] in ("HELP", "TYPE"), line
            continue
        match = _SAMPLE.match(line)
        assert match, f"malformed sample: {line!r}"
        name, labels, value = match.groups()
        samples[(name, frozenset(_LABEL.findall(labels or "")))] = float(value)
    return samples


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_stats_has_loop_lag_memory_runs_by_state_and_store_writes(service: Service) -> None:
    run_id = service.schedule("match prefix")
    service.wait_state(run_id, "success")
    stats = wait_for(
        "a loop-lag sample",
        lambda: stats if (stats := service.get("/stats").json())["event_loop"]["samples"] else None,
    )
    loop = stats["event_loop"]
    assert 0 <= loop["lag"] <= loop["max_lag"] < 5
    assert loop["tasks"] >= 1
    assert stats["process"]["rss_bytes"] > 10_000_000
    assert stats["process"]["max_rss_bytes"] >= stats["process"]["rss_bytes"] // 2
    assert stats["runs"]["by_state"]["success"] >= 1
    assert stats["runs"]["in_memory"] >= stats["runs"]["by_state"]["success"]
    assert stats["writer"]["batches"] >= 1 and stats["writer"]["write_seconds"] > 0
    assert stats["jobs"] == len(service.get("/jobs").json())


def test_metrics_count_transitions_and_start_lag_per_job(service: Service) -> None:
    before = metrics(service)
    run_id = service.schedule("match prefix")
    service.wait_state(run_id, "success")
    after = wait_for(
        "the run in the metrics",
        lambda: m if sample(m := metrics(service), "apsis_transitions_total", state="success")
        > sample(before, "apsis_transitions_total", state="success") else None,
    )  # fmt: skip
    for state in ("scheduled", "starting", "running", "success"):
        assert sample(after, "apsis_transitions_total", state=state) >= 1 + sample(
            before, "apsis_transitions_total", state=state
        )
    job = {"job_id": "match prefix"}
    count = sample(after, "apsis_start_lag_seconds_count", **job)
    assert count == 1 + sample(before, "apsis_start_lag_seconds_count", **job)
    buckets = sorted(
        (float(dict(labels)["le"]), value)
        for (name, labels), value in after.items()
        if name == "apsis_start_lag_seconds_bucket" and dict(labels)["job_id"] == "match prefix"
    )
    assert buckets[-1] == (float("inf"), count)
    assert [value for _, value in buckets] == sorted(value for _, value in buckets)
    assert 0 <= sample(after, "apsis_start_lag_seconds_sum", **job) < 60 * count

    assert sample(after, "apsis_runs", state="success") >= 1
    assert ("apsis_runs", frozenset({("state", "running")})) in after
    assert sample(after, "apsis_jobs") == len(service.get("/jobs").json())
    assert ("apsis_event_loop_lag_seconds", frozenset()) in after
    assert sample(after, "apsis_process_resident_memory_bytes") > 0


def test_ad_hoc_runs_share_one_start_lag_label(service: Service) -> None:
    before = metrics(service)
    body = {"job": {"program": {"type": "no-op"}}}
    run_ids = [next(iter(service.post("/runs", body).json()["runs"])) for _ in range(2)]
    for run_id in run_ids:
        service.wait_state(run_id, "success")
    after = metrics(service)
    label = {"job_id": "(ad hoc)"}
    added = sample(after, "apsis_start_lag_seconds_count", **label) - sample(
        before, "apsis_start_lag_seconds_count", **label
    )
    assert added == 2
    job_labels = {
        dict(labels)["job_id"]
        for (name, labels), _ in after.items()
        if name == "apsis_start_lag_seconds_count"
    }
    assert not any(job_id.startswith("adhoc-") for job_id in job_labels)
