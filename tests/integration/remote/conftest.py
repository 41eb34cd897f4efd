"""Fixtures for runs on other hosts and as other users (SPEC §4, §10): a real sshd for
the session, a local test user, and services configured to use both.

Every agent a test caused to start, over ssh, via sudo or locally, is killed with its
processes when the test ends (see `agent_reaper.py`): they are daemons, and a test that left
one behind would leave it to run until its idle timeout.
"""

from __future__ import annotations

import os
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SERVICE_TESTS = str(Path(__file__).resolve().parent.parent / "service")
if SERVICE_TESTS not in sys.path:
    sys.path.insert(0, SERVICE_TESTS)

from agent_reaper import kill_agents  # noqa: E402
from live_service import Service  # noqa: E402
from local_user import TEST_USER, ensure_user, user_can_run_apsis  # noqa: E402
from sshd import HOSTS, POOL, SSHD, Sshd  # noqa: E402


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """An sshd on a free loopback port that lets this user in with a key of ours;
    `sshd.config` is the ssh config file that names it `localhost` and
    `apsis-test-host`."""
    if not os.access(SSHD, os.X_OK):
        pytest.fail(f"{SSHD} is missing: tests/setup/system-packages.sh installs it")
    server = Sshd(tmp_path_factory.mktemp("sshd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def test_user() -> str:
    """A local user (`apsis-test`) that sudo can switch to, and that can run this
    installation's agent; fails the test, saying why, if it cannot."""
    problem = ensure_user() or user_can_run_apsis()
    if problem is not None:
        pytest.fail(problem)
    return TEST_USER


def remote_config(sshd: Sshd, root: Path, extra: str = "") -> str:
    """Service config: the test's ssh config, a round-robin group over both aliases,
    and agent state under `root` (`agent` for the local agent, `remote/HOST` for those
    started over ssh)."""
    ssh_options = sshd.test_config(root / "ssh_config", root / "remote")
    options = ", ".join(f'"{option}"' for option in ssh_options)
    hosts = ", ".join(HOSTS)
    return textwrap.dedent(
        f"""\
            host_groups:
              {POOL}: {{type: round-robin, hosts: [{hosts}]}}
            agent:
              ssh_options: [{options}]
              state_dir: {root / "agent"}
            """
    ) + textwrap.dedent(extra)


@pytest.fixture
def agents_killed(sshd: Sshd, tmp_path: Path) -> Iterator[None]:
    """At the end of the test, kill every agent it started, with their processes."""
    began = time.time()
    yield
    kill_agents(tmp_path, ssh_port=sshd.port, user=TEST_USER, since=began)


@contextmanager
def remote_services(sshd: Sshd, root: Path) -> Iterator[Callable[..., Service]]:
    """A factory of started services under `root` that reach hosts through `sshd`; at
    the end each is stopped, then the agents they started are killed."""
    began = time.time()
    made: list[Service] = []

    def make(jobs: dict[str, str], config: str = "") -> Service:
        home = root / f"service{len(made)}"
        home.mkdir()
        live = Service(home, jobs, remote_config(sshd, home, config))
        made.append(live)
        live.start()
        return live

    codes: list[tuple[int, Service]] = []
    try:
        yield make
    finally:
        for live in made:
            live.client.close()
            if live.process is not None:
                codes.append((live.stop(), live))
        kill_agents(root, ssh_port=sshd.port, user=TEST_USER, since=began)
    for code, live in codes:
        assert code == 0, live.log


@pytest.fixture
def remote_service(sshd: Sshd, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """`remote_services` for one test."""
    with remote_services(sshd, tmp_path) as make:
        yield make


@pytest.fixture(scope="module")
def module_remote_service(
    sshd: Sshd, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Service]]:
    """`remote_services` for the tests of a module that can share a service: each must
    leave no run running."""
    with remote_services(sshd, tmp_path_factory.mktemp("remote")) as make:
        yield make
