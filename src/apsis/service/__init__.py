"""The HTTP service (SPEC §9.1): the REST API over one engine, and `apsisctl serve`.

app.py      create_app: the FastAPI app, and every error → status mapping in one place
api.py      /api/v1: liveness, jobs, runs (queries, creation, logs, outputs)
runs.py     /api/v1/runs/{run_id}/...: one run, its log, outputs, dependencies, operations
control.py  /api/control: reload the job directory, shut down, version
serve.py    load config, jobs and store; run uvicorn and the engine on one event loop
"""

from .app import create_app

__all__ = ["create_app"]
