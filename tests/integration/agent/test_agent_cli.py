"""`apsis-agent` for operators, through the real executable."""

from __future__ import annotations

import json

from live_agent import Agent, alive, wait_for


def test_status_describes_the_agent_or_says_it_is_not_running(new_agent: Agent) -> None:
    stopped = new_agent.cli("status", check=False)
    assert stopped.returncode == 1 and "not running" in stopped.stdout
    info = new_agent.start()
    status = json.loads(new_agent.cli("status").stdout)
    assert (status["pid"], status["processes"]) == (info.pid, 0)


def test_list_signal_clean_and_stop(new_agent: Agent) -> None:
    new_agent.start()
    done = new_agent.run(["true"], run_id="r-done")
    new_agent.wait_exit(done.proc_id)
    sleeper = new_agent.run(["sleep", "30"], run_id="r-sleep")

    table = new_agent.cli("list").stdout.splitlines()
    assert table[0].split() == ["proc_id", "run_id", "pid", "state", "status", "elapsed"]
    rows = {line.split()[1]: line.split() for line in table[1:]}
    assert rows["r-done"][3:5] == ["exited", "0"]
    assert rows["r-sleep"][2:4] == [str(sleeper.pid), "running"]
    listed = json.loads(new_agent.cli("list", "--format", "json").stdout)
    assert {p["proc_id"] for p in listed} == {done.proc_id, sleeper.proc_id}

    bad = new_agent.cli("signal", sleeper.proc_id, "NOPE", check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("error: 400")
    new_agent.cli("signal", sleeper.proc_id, "TERM")
    assert new_agent.wait_exit(sleeper.proc_id).status == -15

    assert new_agent.cli("clean").stdout.strip() == "released 2 of 2"
    spool = new_agent.state_dir / "spool"
    assert not (spool / f"{done.proc_id}.out").exists()
    assert not (spool / f"{sleeper.proc_id}.out").exists()

    running = new_agent.run(["sleep", "30"])
    assert new_agent.cli("clean", running.proc_id).stdout.strip() == "released 1 of 1"
    wait_for("the cleaned process to die", lambda: None if alive(running.pid) else True)

    assert new_agent.info is not None
    new_agent.cli("stop")
    assert new_agent.agent_file() is None
    pid = new_agent.info.pid
    wait_for("the agent to exit", lambda: None if alive(pid) else True)
    unreachable = new_agent.cli("list", check=False)
    assert unreachable.returncode == 1 and "no agent is running" in unreachable.stderr
