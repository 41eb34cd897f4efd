"""Fixtures: a shared service over a standard job directory, and fresh services for
tests that change jobs or stop the process. Every service must exit 0 on SIGTERM."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from live_service import Service

JOBS = {
    "echo": """
        params: [name]
        program: {type: shell, command: "echo hello {{ name }}; echo to stderr >&2"}
    """,
    "fail": """
        program: {type: shell, command: "echo failing; exit 3"}
    """,
    "sleep": """
        program: {type: program, argv: [sleep, "20"], stop: {grace_period: 5s}}
    """,
    "later": """
        program: {type: no-op}
    """,
    "chain/a": """
        params: [date]
        program: {type: shell, command: "echo a {{ date }}"}
    """,
    "chain/b": """
        params: [date]
        condition: {type: dependency, job_id: chain/a}
        program: {type: shell, command: "echo b {{ date }}"}
    """,
    "match prefix": """
        program: {type: no-op}
    """,
    "match prefix suffix": """
        program: {type: no-op}
    """,
    "reports/daily summary": """
        metadata: {description: A report., labels: [reports]}
        program: {type: no-op}
    """,
}


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One service for the tests that only add runs; they must not depend on the
    runs of other tests, and must stop what they leave running."""
    live = Service(tmp_path_factory.mktemp("service"), JOBS)
    live.start()
    yield live
    live.finish()


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """A factory of started services over fresh directories, from jobs and extra config
    text; stopped afterwards."""
    made: list[Service] = []

    def make(jobs: dict[str, str], config: str = "") -> Service:
        live = Service(tmp_path / f"service{len(made)}", jobs, config)
        made.append(live)
        live.start()
        return live

    yield make
    try:
        for live in made:
            live.client.close()
            if live.process is not None:
                assert live.stop() == 0, live.log
    finally:
        for live in made:
            live.kill_agents()
