"""Schemathesis against a real service: every GET and POST of `/api/openapi.json`,
fuzzed over loopback, must answer without a 5xx, with a status code the schema
declares, and with a body that matches the schema (SPEC §9.1: never 500 for bad input).

Generated path parameters are random text, which only reaches the 404 branch; so a
hook mostly swaps in a run ID, job ID, output ID, signal or state that exists, and the
routes' real answers are checked too. `shut_down` (it would stop the service) and
`reload_jobs` (it reads the job directory, and has tests of its own) are left out.

Each operation gets its own Hypothesis test through schemathesis's Python API
(schemathesis's pytest integration, `from_fixture`, fails under pytest 9.2). The seed
is fixed; `SCHEMA_EXAMPLES=300` fuzzes longer, with fresh random cases each time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from live_service import Service, wait_for
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

JOBS = {
    "echo": """
        params: [name]
        metadata: {labels: [demo]}
        program: {type: shell, command: "echo hello {{ name }}"}
    """,
    "noop": """
        program: {type: no-op}
    """,
    "sleep": """
        program: {type: program, argv: [sleep, "30"], stop: {grace_period: 1s}}
    """,
    "etl/load prices": """
        params: [date]
        schedule: {type: daily, daytime: "02:00", tz: UTC, args: {date: "{{ date }}"}}
        program: {type: no-op}
    """,
    "etl/report": """
        params: [date]
        condition: {type: dependency, job_id: etl/load prices}
        program: {type: no-op}
    """,
}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

EXCLUDED = ["/api/control/shut_down", "/api/control/reload_jobs"]
SETTINGS = settings(
    max_examples=int(os.environ.get("SCHEMA_EXAMPLES", "25")),
    deadline=None,
    derandomize="SCHEMA_EXAMPLES" not in os.environ,
    database=None,
    # No shrinking: a failing case is reported as found, with the request to repeat it.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

KNOWN: dict[str, list[str]] = {
    "job_id": [*JOBS, "load pri", "etl", "e"],
    "output_id": ["output"],
    "signal": ["SIGUSR1", "TERM", "0"],
    "state": ["success", "failure", "succ", "running"],
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A service with runs in every kind of place: finished runs only the store holds
    (`runs.lookback` is 0.2 s, and the service is restarted), a rerun, a running run, a
    waiting one and one scheduled far ahead."""
    lookback = timedelta(seconds=0.2)
    service = Service(tmp_path_factory.mktemp("schema"), JOBS, "runs: {lookback: 0.2s}\n")
    service.start()
    done = service.schedule("echo", {"name": "world"})
    service.wait_state(done, "success")
    rerun = next(iter(service.post(f"/runs/{done}/rerun").json()["runs"]))
    finished = datetime.fromisoformat(service.wait_state(rerun, "success")["times"]["success"])
    assert service.stop() == 0, service.log
    wait_for("the lookback to pass", lambda: datetime.now(UTC) - finished > lookback or None)
    service.start()  # loads only the runs within the lookback
    assert not {done, rerun} & set(service.get("/runs").json()["runs"])
    service.wait_state(service.schedule("sleep"), "running")
    service.wait_state(service.schedule("etl/report", {"date": "2026-11-21"}), "waiting")
    service.schedule("noop", schedule="2099-01-01T00:00:00Z")
    yield service
    service.client.close()
    assert service.stop() == 0, service.log


def load_schema(live: Service) -> Any:
    """The service's schema, with the GET and POST operations to test, and the hook
    that swaps in existing IDs."""
    run_ids = list(live.get("/runs", limit=100).json()["runs"])  # stored ones too
    known = {**KNOWN, "run_id": run_ids}
    loaded = schemathesis.openapi.from_url(f"http://127.0.0.1:{live.port}/api/openapi.json")

    @loaded.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
        if not path_parameters:
            return st.just(path_parameters)
        choices = {
            name: st.sampled_from([value, *known[name]]) if name in known else st.just(value)
            for name, value in path_parameters.items()
        }
        return st.fixed_dictionaries(choices)

    return loaded.include(method=["GET", "POST"]).exclude(path=EXCLUDED)


@pytest.mark.timeout(120)
def test_every_answer_matches_the_schema(live: Service) -> None:
    failures = []
    operations = [result.ok() for result in load_schema(live).get_all_operations()]
    assert len(operations) > 15
    for operation in operations:
        # Path parameters are strings, where anything goes: negative cases need a query
        # parameter or a body to be wrong in.
        fuzzable = len(operation.query) > 0 or len(operation.body) > 0
        for mode in [GenerationMode.POSITIVE, *([GenerationMode.NEGATIVE] if fuzzable else [])]:

            @given(case=operation.as_strategy(mode))
            @SETTINGS
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(checks=CHECKS)

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failure
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
