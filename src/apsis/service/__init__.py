"""The HTTP service (SPEC §9.1): the REST API over one engine, and `apsisctl serve`.

app.py          create_app: the FastAPI app, and every error → status mapping in one place
context.py      the Service every route gets: engine, config, lifecycle, measurements
api.py          /api/v1: liveness, runs (queries, creation)
paging.py       run filters, and pages of runs from the whole stored history
jobs.py         /api/v1/jobs: jobs, a job, its runs, its upcoming schedule
runs.py         /api/v1/runs/{run_id}/...: one run, its log, outputs, dependencies, operations
stream.py       websockets: shared machinery, and the /api/v1/summary feed
run_streams.py  websockets about one run: its updates, its output
monitor.py      event-loop lag, process figures, transitions and start lag
metrics.py      /api/v1/stats and /metrics (Prometheus)
control.py      /api/control: reload the job directory, shut down, version
web.py          the web UI's files: assets, and index.html for its pages
serve.py        load config, jobs and store; run uvicorn and the engine on one event loop
"""

from .app import create_app

__all__ = ["create_app"]
