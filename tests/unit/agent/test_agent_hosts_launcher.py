"""Which host a run goes to (host groups), and the command that starts its agent."""

from __future__ import annotations

import random
import shlex
import sys
from pathlib import Path

from apsis.agent.hosts import HostPicker
from apsis.agent.launcher import AgentKey, Launcher
from apsis.config import AgentConfig, HostGroup


def test_round_robin_group_takes_its_hosts_in_turn_and_a_plain_name_passes_through() -> None:
    picker = HostPicker({"web": HostGroup(type="round-robin", hosts=("w1", "w2", "w3"))})
    assert [picker.pick("web") for _ in range(5)] == ["w1", "w2", "w3", "w1", "w2"]
    assert picker.pick("db1.example.com") == "db1.example.com"


def test_random_group_picks_among_its_hosts_and_single_is_an_alias() -> None:
    picker = HostPicker(
        {
            "pool": HostGroup(type="random", hosts=("a", "b")),
            "db": HostGroup(type="single", hosts=("db-primary",)),
        },
        random.Random(1),
    )
    assert {picker.pick("pool") for _ in range(50)} == {"a", "b"}
    assert picker.pick("db") == "db-primary"


def test_only_a_group_of_several_hosts_may_send_a_run_elsewhere_next_time() -> None:
    picker = HostPicker(
        {
            "pool": HostGroup(type="random", hosts=("a", "b")),
            "web": HostGroup(type="round-robin", hosts=("w1", "w1")),
            "db": HostGroup(type="single", hosts=("db-primary",)),
        }
    )
    assert not picker.always_the_same("pool")
    assert picker.always_the_same("web") and picker.always_the_same("db")
    assert picker.always_the_same("db1.example.com")


def test_local_agent_runs_this_installation_with_the_configured_state_dir() -> None:
    launcher = Launcher(AgentConfig(state_dir=Path("/srv/agent"), idle_timeout=60))
    assert launcher.argv(AgentKey(None, None)) == [
        sys.executable, "-m", "apsis.cli.agent", "start", "--idle-timeout", "60.0",
        "--state-dir", "/srv/agent",
    ]  # fmt: skip


def test_another_user_goes_through_sudo_without_a_password_prompt() -> None:
    launcher = Launcher(AgentConfig(command=("/opt/apsis/bin/apsis-agent",)))
    assert launcher.argv(AgentKey(None, "batch")) == [
        "sudo", "-n", "-u", "batch", "/opt/apsis/bin/apsis-agent", "start",
        "--idle-timeout", "3600.0",
    ]  # fmt: skip


def test_another_host_goes_over_ssh_in_batch_mode_with_the_options_before_the_host() -> None:
    config = AgentConfig(ssh_options=("-F", "/etc/apsis/ssh config"), command=("apsis agent",))
    argv = Launcher(config).argv(AgentKey("-oProxyCommand=evil", "batch"))
    assert argv[:6] == ["ssh", "-o", "BatchMode=yes", "-F", "/etc/apsis/ssh config", "--"]
    # The host can never be read as an option, and the remote shell gets each word whole.
    assert argv[6] == "-oProxyCommand=evil"
    assert shlex.split(argv[7]) == [
        "sudo", "-n", "-u", "batch", "apsis agent", "start", "--bind", "0.0.0.0",
        "--idle-timeout", "3600.0",
    ]  # fmt: skip
