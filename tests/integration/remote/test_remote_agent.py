"""An agent started over ssh, as the service starts one (SPEC §10): it reports how to
reach it, is found again rather than started twice, and answers only a client that
pins its certificate and presents its token."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest
from sshd import Sshd

import apsis
from apsis.agent.protocol import API, AgentStatus, StartInfo
from apsis.agent.tls import ensure_certificate, pinned_context

AGENT = [sys.executable, "-m", "apsis.cli.agent"]


def start_over_ssh(sshd: Sshd, host: str, state_dir: Path) -> StartInfo:
    done = sshd.ssh(host, *AGENT, "start", "--bind", "0.0.0.0", "--state-dir", str(state_dir))
    (line,) = done.stdout.splitlines()
    return StartInfo.model_validate(json.loads(line))


@pytest.mark.usefixtures("agents_killed")
def test_agent_started_over_ssh_is_found_again_and_answers_only_with_pin_and_token(
    sshd: Sshd, tmp_path: Path
) -> None:
    state_dir = tmp_path / "agent"
    info = start_over_ssh(sshd, "localhost", state_dir)
    assert info.started
    again = start_over_ssh(sshd, "apsis-test-host", state_dir)
    assert not again.started
    assert (again.pid, again.port, again.token, again.cert) == (
        info.pid, info.port, info.token, info.cert,
    )  # fmt: skip

    url = f"https://127.0.0.1:{info.port}{API}/agent"
    with httpx.Client(verify=pinned_context(info.cert), timeout=10) as client:
        good = client.get(url, headers={"Authorization": f"Bearer {info.token}"})
        assert good.status_code == 200, good.text
        status = AgentStatus.model_validate(good.json())
        assert status.pid == info.pid
        assert status.user == sshd.user

        wrong = client.get(url, headers={"Authorization": f"Bearer x{info.token}"})
        assert wrong.status_code == 403
        assert "error" in wrong.json()
        assert client.get(url).status_code == 403

    other = ensure_certificate(tmp_path / "other.pem", tmp_path / "other.key")
    with (
        httpx.Client(verify=pinned_context(other), timeout=10) as client,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.get(url, headers={"Authorization": f"Bearer {info.token}"})


@pytest.mark.parametrize("host", ["localhost", "apsis-test-host"])
def test_both_host_aliases_reach_this_installation_over_ssh(sshd: Sshd, host: str) -> None:
    done = sshd.ssh(host, sys.executable, "-c", "import apsis; print(apsis.__file__)")
    assert done.stdout == f"{apsis.__file__}\n", done.stderr
