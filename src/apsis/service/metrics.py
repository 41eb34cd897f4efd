"""`GET /api/v1/stats` (JSON) and `GET /metrics` (Prometheus text format), SPEC §13.

The exposition format is written here by hand: it is a few lines of text per family
(https://prometheus.io/docs/instrumenting/exposition_formats/), and the figures
already live in the engine and `monitor.py`, so a client library would only copy them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from ..model.state import State
from .context import Service, ServiceDep
from .monitor import Histogram
from .schema import TEXT

router = APIRouter(tags=["observability"])
stats_router = APIRouter(tags=["v1"])

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@stats_router.get("/stats")
async def get_stats(service: ServiceDep) -> dict[str, Any]:
    """The engine's figures with the event loop's lag and the process's memory; the
    shape may change between versions (it is for people and dashboards)."""
    return service.engine.housekeeping.stats()


@router.get("/metrics", response_class=PlainTextResponse, responses=TEXT)
async def get_metrics(service: ServiceDep) -> PlainTextResponse:
    return PlainTextResponse("".join(exposition(service)), media_type=CONTENT_TYPE)


def exposition(service: Service) -> Iterator[str]:
    """The metric families, each with its HELP and TYPE lines."""
    engine = service.engine
    stats = engine.housekeeping.stats()
    by_state = stats["runs"]["by_state"]
    yield from _family(
        "apsis_runs", "gauge", "Runs held in memory, by state.",
        (({"state": s.value}, by_state.get(s.value, 0)) for s in State if s != State.new),
    )  # fmt: skip
    transitions = service.metrics.transitions
    yield from _family(
        "apsis_transitions_total", "counter",
        "Durable run transitions since the service started, by the state reached.",
        (({"state": state}, count) for state, count in sorted(transitions.items())),
    )  # fmt: skip
    yield from _start_lag(service.metrics.start_lags())
    loop = stats["event_loop"]
    yield from _family(
        "apsis_event_loop_lag_seconds", "gauge",
        "How late the event loop woke a one-second sleeper, at the latest sample.",
        [({}, loop["lag"])],
    )  # fmt: skip
    yield from _family(
        "apsis_event_loop_lag_max_seconds", "gauge",
        "The largest event-loop lag sampled since the service started.",
        [({}, loop["max_lag"])],
    )  # fmt: skip
    yield from _family("apsis_jobs", "gauge", "Jobs in force.", [({}, stats["jobs"])])
    yield from _family(
        "apsis_subscribers", "gauge", "Live-feed subscribers (websockets).",
        [({}, stats["subscribers"])],
    )  # fmt: skip
    writer = stats["writer"]
    yield from _family(
        "apsis_store_batches_total", "counter", "Store write transactions.",
        [({}, writer["batches"])],
    )  # fmt: skip
    yield from _family(
        "apsis_store_write_seconds_total", "counter", "Time spent writing to the store.",
        [({}, writer["write_seconds"])],
    )  # fmt: skip
    yield from _family(
        "apsis_store_pending_ops", "gauge", "Store writes waiting for the next batch.",
        [({}, writer["pending"])],
    )  # fmt: skip
    rss = stats["process"]["rss_bytes"]
    if rss is not None:
        yield from _family(
            "apsis_process_resident_memory_bytes", "gauge", "Resident memory.", [({}, rss)]
        )


def _start_lag(histograms: Mapping[str, Histogram]) -> Iterator[str]:
    name = "apsis_start_lag_seconds"
    yield f"# HELP {name} Time from a run's schedule time to its running, per job.\n"
    yield f"# TYPE {name} histogram\n"
    for job_id, histogram in histograms.items():
        for le, count in histogram.cumulative():
            yield _sample(f"{name}_bucket", {"job_id": job_id, "le": le}, count)
        yield _sample(f"{name}_sum", {"job_id": job_id}, histogram.sum)
        yield _sample(f"{name}_count", {"job_id": job_id}, histogram.count)


def _family(
    name: str, kind: str, help_text: str, samples: Iterable[tuple[dict[str, str], float]]
) -> Iterator[str]:
    yield f"# HELP {name} {help_text}\n"
    yield f"# TYPE {name} {kind}\n"
    for labels, value in samples:
        yield _sample(name, labels, value)


def _sample(name: str, labels: Mapping[str, str], value: float) -> str:
    if labels:
        pairs = ",".join(f'{key}="{_escape(text)}"' for key, text in labels.items())
        name = f"{name}{{{pairs}}}"
    return f"{name} {_number(value)}\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    return repr(float(value))
