"""Agents on loopback in temporary state directories, killed with all they started."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_agent import Agent


@pytest.fixture(scope="module")
def shared_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """One agent for the tests that only start processes in it (an agent takes ~1 s)."""
    agent = Agent(tmp_path_factory.mktemp("agent"))
    try:
        agent.start()
        yield agent
    finally:
        agent.kill_all()


@pytest.fixture
def new_agent(tmp_path: Path) -> Iterator[Agent]:
    """A state directory whose agent the test starts (and restarts) itself."""
    agent = Agent(tmp_path / "state")
    try:
        yield agent
    finally:
        agent.kill_all()
