"""`/api/v1/runs/{run_id}/...`: one run, its log, outputs and dependencies, and the
operations a user may apply to it (SPEC §2, §9.1).

Operations go through the engine's `Operations`, which rejects one the run's state
does not allow with an `OperationError` naming the run, its state and the operation;
the app turns that into a 400. Stop, signal and mark also answer PUT, as Apsis does.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from starlette.exceptions import HTTPException

from ..cond.dependency import Dependency
from ..engine.engine import Engine
from ..engine.operations import NoSuchRun
from ..engine.records import from_record
from ..engine.runner import OUTPUT_ID
from ..model.run import Run, run_number
from ..timespec import format_time
from .api import runs_response
from .context import ServiceDep
from .schema import BAD_REQUEST, BYTES, NOT_FOUND, DependencyRuns, Empty, Output, RunLog, Runs, ok

router = APIRouter(prefix="/runs/{run_id}", tags=["runs"], responses=NOT_FOUND)
_OPERATION = {**BAD_REQUEST, **NOT_FOUND}

_CONTENT_TYPE = "application/octet-stream"


def _check_id(run_id: str) -> None:
    try:
        run_number(run_id)
    except ValueError:
        raise NoSuchRun(run_id) from None


async def find_run(engine: Engine, run_id: str) -> Run:
    """The run from memory, else from the store; unlike `Operations.run` it does not
    bring a stored run into memory, since looking at a run changes nothing."""
    run = engine.index.get(run_id)
    if run is not None:
        return run
    _check_id(run_id)
    record = await engine.writer.read(engine.store.get_run, run_id)
    if record is None:
        raise NoSuchRun(run_id)
    return from_record(record)


async def _operand(engine: Engine, run_id: str) -> Run:
    _check_id(run_id)
    return await engine.ops.run(run_id)


@router.get("", response_model=None, responses=ok(Runs))
async def get_run(service: ServiceDep, run_id: str) -> dict[str, Any]:
    engine = service.engine
    return runs_response(engine, [await find_run(engine, run_id)])


@router.get("/log", response_model=None, responses=ok(RunLog))
async def get_run_log(service: ServiceDep, run_id: str) -> dict[str, Any]:
    engine = service.engine
    await find_run(engine, run_id)
    lines = await engine.writer.read(engine.store.get_run_log, run_id)
    return {
        "run_log": [
            {"run_id": run_id, "timestamp": format_time(time), "message": message}
            for time, message in lines
        ]
    }


@router.get("/outputs", response_model=None, responses=ok(list[Output]))
async def get_outputs(service: ServiceDep, run_id: str) -> list[dict[str, Any]]:
    """The run's outputs with their lengths: the live one while it runs, else stored."""
    engine = service.engine
    live = await _live_output(engine, await find_run(engine, run_id))
    if live is not None:
        return [_output_jso(OUTPUT_ID, len(live), "output", _CONTENT_TYPE)]
    infos = await engine.writer.read(engine.store.get_outputs, run_id)
    return [_output_jso(i.output_id, i.length, i.name, i.content_type) for i in infos]


async def _live_output(engine: Engine, run: Run) -> bytearray | None:
    """The runner's buffer of a run not finished yet. A finished run's output is in the
    store once what was submitted is written: the runner submits it before the final
    transition, and drops its buffer only once that is stored, so in between memory
    shows the run finished with a buffer that may be stale."""
    if run.finished:
        await engine.writer.barrier()
        return None
    return engine.runner.outputs.get(run.run_id)


def _output_jso(output_id: str, length: int, name: str, content_type: str) -> dict[str, Any]:
    return {
        "output_id": output_id,
        "output_len": length,
        "name": name,
        "content_type": content_type,
    }


@router.get("/output/{output_id}", response_class=Response, responses=BYTES)
async def get_output(service: ServiceDep, run_id: str, output_id: str) -> Response:
    engine = service.engine
    live = await _live_output(engine, await find_run(engine, run_id))
    if live is not None and output_id == OUTPUT_ID:
        data: bytes | None = bytes(live)
    else:
        data = await engine.writer.read(engine.store.get_output, run_id, output_id)
    if data is None:
        raise HTTPException(404, f"no output {output_id!r} of run {run_id}")
    return Response(data, media_type=_CONTENT_TYPE)


@router.get("/dependencies", response_model=None, responses=ok(list[DependencyRuns]))
async def get_dependencies(service: ServiceDep, run_id: str) -> list[dict[str, Any]]:
    """Each dependency condition's instance, with the runs of it held in memory."""
    engine = service.engine
    run = await find_run(engine, run_id)
    return [
        {
            "job_id": cond.job_id,
            "args": dict(cond.args),
            "runs": [other.run_id for other in engine.index.runs_of(cond.job_id, cond.args)],
        }
        for cond in run.conds
        if isinstance(cond, Dependency)
    ]


@router.post("/skip", response_model=None, responses={**ok(Empty), **BAD_REQUEST})
async def skip(service: ServiceDep, run_id: str) -> dict[str, Any]:
    engine = service.engine
    engine.ops.skip(await _operand(engine, run_id))
    return {}


@router.post("/start", response_model=None, responses={**ok(Empty), **BAD_REQUEST})
async def start(service: ServiceDep, run_id: str) -> dict[str, Any]:
    engine = service.engine
    engine.ops.start(await _operand(engine, run_id))
    return {}


@router.post("/rerun", response_model=None, responses={**ok(Runs), **BAD_REQUEST})
async def rerun(service: ServiceDep, run_id: str) -> dict[str, Any]:
    engine = service.engine
    return runs_response(engine, [engine.ops.rerun(await _operand(engine, run_id))])


@router.api_route(
    "/stop", methods=["POST", "PUT"], response_model=None, responses={**ok(Runs), **BAD_REQUEST}
)
async def stop(service: ServiceDep, run_id: str) -> dict[str, Any]:
    """Ask for an orderly stop; answers with the run, now stopping."""
    engine = service.engine
    run = await _operand(engine, run_id)
    await engine.ops.stop(run)
    return runs_response(engine, [run])


@router.api_route(
    "/signal/{signal}",
    methods=["POST", "PUT"],
    response_model=None,
    responses={**ok(Empty), **BAD_REQUEST},
)
async def send_signal(service: ServiceDep, run_id: str, signal: str) -> dict[str, Any]:
    """`signal` is a name (`SIGTERM`, `TERM`, `term`) or a number."""
    engine = service.engine
    await engine.ops.signal(await _operand(engine, run_id), signal)
    return {}


@router.api_route(
    "/mark/{state}",
    methods=["POST", "PUT"],
    response_model=None,
    responses={**ok(Empty), **BAD_REQUEST},
)
async def mark(service: ServiceDep, run_id: str, state: str) -> dict[str, Any]:
    engine = service.engine
    engine.ops.mark(await _operand(engine, run_id), state)
    return {}
