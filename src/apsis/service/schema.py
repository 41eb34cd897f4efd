"""The shapes of the API's answers, as `/api/openapi.json` declares them (SPEC §9.1).

Routes build their JSON by hand (`Run.to_jso()`, `Job.to_jso()`, ...), which is also
what the store keeps, so these models only *document* it: routes name them in
`responses=` with `response_model=None`, and FastAPI does not run every answer through
them (a page of 10,000 runs would pay for it). What keeps them honest is the
schemathesis test (tests/integration/service/test_service_schema.py), which checks
real answers against this schema.

Errors are `{"error": message, "errors"?: [lines]}` with 400 or 404 (app.py). FastAPI
documents a 422 for every route with parameters; this API answers a bad parameter with
400, so `openapi()` takes the 422 out, and each route declares the errors it can give
with `BAD_REQUEST` and `NOT_FOUND`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from ..model.job import Catchup
from ..model.state import State


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Error(_Shape):
    """What every error answers."""

    error: str = Field(description="the message, for people")
    errors: list[str] = Field(
        default_factory=list, description="every error line, when there are several"
    )


class Empty(_Shape):
    """`{}`."""


class Run(_Shape):
    """A run: the summary form, and in full form also `program`, `conds`, `actions`
    and `meta`."""

    run_id: str
    job_id: str
    args: dict[str, str]
    state: State
    times: dict[str, str] = Field(description="`schedule`, each state reached, `stop`")
    labels: list[str] = Field(default_factory=list)
    expected: bool = False
    rerun_of: str | None = None
    program: dict[str, Any] | None = None
    conds: list[dict[str, Any]] = Field(default_factory=list)
    actions: list[dict[str, Any]] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)


class Runs(_Shape):
    when: str = Field(description="the service's time now")
    runs: dict[str, Run] = Field(description="by run ID")


class RunsPage(Runs):
    next: str | None = Field(description="`before` for the page of older runs")
    prev: str | None = Field(description="`after` for the page of newer runs")


class Job(_Shape):
    job_id: str
    params: list[str]
    schedule: list[dict[str, Any]]
    program: dict[str, Any]
    condition: list[dict[str, Any]]
    action: list[dict[str, Any]]
    metadata: dict[str, Any]
    retry: dict[str, Any] | None
    catchup: Catchup
    ad_hoc: bool


class ScheduledRun(_Shape):
    time: str
    args: dict[str, str]
    stop: str | None = None
    note: str | None = None


class JobSchedule(_Shape):
    job_id: str
    runs: list[ScheduledRun]


class UpcomingRun(ScheduledRun):
    """A run a job's schedule will create."""

    job_id: str


class Upcoming(_Shape):
    runs: list[UpcomingRun] = Field(description="in time order")
    more: bool = Field(description="`limit` cut the list: later runs are left out")


class RunLogLine(_Shape):
    run_id: str
    timestamp: str
    message: str


class RunLog(_Shape):
    run_log: list[RunLogLine]


class Output(_Shape):
    output_id: str
    output_len: int
    name: str
    content_type: str


class DependencyRuns(_Shape):
    """A dependency condition's instance, and its runs."""

    job_id: str
    args: dict[str, str]
    runs: list[str] = Field(description="run IDs of that instance held in memory")


class Reload(_Shape):
    added: list[str]
    removed: list[str]
    changed: list[str]
    dry_run: bool


class Version(_Shape):
    version: str


def ok(model: Any) -> dict[int | str, dict[str, Any]]:
    """The 200 answer of a route that returns plain JSON of the shape `model`."""
    return {200: {"model": model}}


BAD_REQUEST: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "A bad parameter or body, or a refused operation"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Error, "description": "No such run, job or output"}
}
BYTES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The bytes",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
TEXT: dict[int | str, dict[str, Any]] = {
    200: {"description": "Text", "content": {"text/plain": {"schema": {"type": "string"}}}}
}

_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def install(app: FastAPI) -> None:
    """Make `app.openapi()` return the schema with FastAPI's 422s taken out."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes,
            )  # fmt: skip
            for path_item in schema.get("paths", {}).values():
                for operation in path_item.values():
                    operation.get("responses", {}).pop("422", None)
            components = schema.get("components", {}).get("schemas", {})
            for name in _VALIDATION_SCHEMAS:
                components.pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
