"""The agent's life: one per state directory, restart and re-adoption, idle exit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from live_agent import APSIS_AGENT, Agent, alive, wait_for

from apsis.agent.protocol import StartInfo


def test_starting_twice_finds_the_running_agent(new_agent: Agent) -> None:
    first = new_agent.start()
    second = new_agent.start()
    assert (first.started, second.started) == (True, False)
    assert second.pid == first.pid and second.token == first.token
    state = new_agent.state_dir
    assert state.stat().st_mode & 0o777 == 0o700
    for name in ("agent.json", "key.pem", "cert.pem"):
        assert (state / name).stat().st_mode & 0o777 == 0o600
    assert json.loads((state / "agent.json").read_text())["pid"] == first.pid


def test_concurrent_starts_end_with_one_agent(new_agent: Agent) -> None:
    starts = [
        subprocess.Popen(
            [APSIS_AGENT, "start", "--state-dir", str(new_agent.state_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    infos = []
    for start in starts:
        out, err = start.communicate(timeout=20)
        assert start.returncode == 0, err
        infos.append(StartInfo.model_validate_json(out.strip().splitlines()[-1]))
    new_agent.agent_pids.update(info.pid for info in infos)
    assert len({info.pid for info in infos}) == 1
    assert sorted(info.started for info in infos) == [False, False, True]


def test_a_killed_agent_leaves_its_processes_running_and_the_next_one_adopts_them(
    new_agent: Agent, tmp_path: Path
) -> None:
    first = new_agent.start()
    done_file = tmp_path / "done"
    ticker = new_agent.run(
        ["sh", "-c", f"while [ ! -e {done_file} ]; do echo tick; sleep 0.05; done"]
    )
    short = new_agent.run(["sh", "-c", f"while [ ! -e {done_file} ]; do sleep 0.05; done"])
    finished = new_agent.run(["sh", "-c", "echo early; exit 4"])
    new_agent.wait_exit(finished.proc_id)
    stopping = new_agent.run(
        ["bash", "-c", "trap '' TERM; echo ready; while true; do sleep 0.05; done"],
        grace_period=1.0,
    )
    wait_for("the trap", lambda: new_agent.output(stopping.proc_id) or None)
    new_agent.request("POST", f"/processes/{stopping.proc_id}/stop")

    new_agent.kill_agent()
    assert alive(ticker.pid) and alive(short.pid)
    spool = new_agent.state_dir / "spool" / f"{ticker.proc_id}.out"
    size = spool.stat().st_size
    wait_for("output while no agent runs", lambda: spool.stat().st_size > size or None)
    os.killpg(short.pid, signal.SIGKILL)  # ends while no agent runs
    wait_for("the short process to die", lambda: None if alive(short.pid) else True)

    second = new_agent.start()
    assert second.started and second.pid != first.pid
    assert new_agent.get(ticker.proc_id).state == "running"
    lost = new_agent.wait_exit(short.proc_id)
    assert (lost.status, lost.rusage) == (None, None)
    kept = new_agent.get(finished.proc_id)
    assert (kept.status, new_agent.output(finished.proc_id)) == (4, b"early\n")
    killed = new_agent.wait_exit(stopping.proc_id)  # the escalation went on
    assert (killed.status, killed.ending) == (None, "stop")

    length = new_agent.get(ticker.proc_id).output_length
    wait_for("more output", lambda: new_agent.get(ticker.proc_id).output_length > length or None)
    seq = new_agent.events(0)["seq"]
    done_file.touch()
    answer = new_agent.events(seq, timeout=10)
    events = [e for e in answer["events"] if e["proc_id"] == ticker.proc_id]
    assert events and events[-1]["type"] == "exit"
    assert events[-1]["process"]["status"] is None
    assert new_agent.events(seq, epoch=first_epoch(first, new_agent))["reset"]


def first_epoch(first: StartInfo, agent: Agent) -> str:
    """An epoch that is not the running agent's (the first agent's is gone with it)."""
    current = agent.events(0)["epoch"]
    assert isinstance(current, str)
    return current + "-old"


def test_shutdown_leaves_processes_for_the_next_agent(new_agent: Agent) -> None:
    new_agent.start()
    info = new_agent.run(["sleep", "30"])
    assert new_agent.request("POST", "/shutdown").status_code == 204
    wait_for("agent.json to go", lambda: None if new_agent.agent_file() else True)
    assert alive(info.pid)
    new_agent.start()
    assert new_agent.get(info.proc_id).state == "running"
    new_agent.request("POST", f"/processes/{info.proc_id}/signal/KILL")
    assert new_agent.wait_exit(info.proc_id).status is None


def test_an_idle_agent_exits(new_agent: Agent) -> None:
    info = new_agent.start("--idle-timeout", "1")
    proc = new_agent.run(["true"])
    new_agent.wait_exit(proc.proc_id)
    time.sleep(0)  # the table is not empty: the agent stays
    assert new_agent.request("DELETE", f"/processes/{proc.proc_id}").status_code == 204
    began = time.monotonic()
    wait_for("the idle agent to exit", lambda: None if alive(info.pid) else True)
    assert 0.9 <= time.monotonic() - began < 5
    assert new_agent.agent_file() is None


def test_a_start_with_a_known_key_answers_the_process_it_started(new_agent: Agent) -> None:
    """What a service that died before hearing an answer relies on: asking again with
    the same key, even of a restarted agent, starts nothing new."""
    new_agent.start()
    first = new_agent.run(["sleep", "30"], run_id="r7", key="r7 2026-12-08T00:00:00.000")
    again = new_agent.run(["sleep", "30"], run_id="r7", key="r7 2026-12-08T00:00:00.000")
    assert again.proc_id == first.proc_id and again.pid == first.pid
    other = new_agent.run(["sleep", "30"], run_id="r7", key="r7 2026-12-08T00:00:01.000")
    assert other.proc_id != first.proc_id

    new_agent.kill_agent()
    new_agent.start()
    adopted = new_agent.run(["sleep", "30"], run_id="r7", key="r7 2026-12-08T00:00:00.000")
    assert (adopted.proc_id, adopted.pid) == (first.proc_id, first.pid)
    listed = new_agent.request("GET", "/processes").json()["processes"]
    assert sorted(p["proc_id"] for p in listed) == sorted([first.proc_id, other.proc_id])

    assert new_agent.request("DELETE", f"/processes/{first.proc_id}").status_code == 204
    fresh = new_agent.run(["sleep", "30"], run_id="r7", key="r7 2026-12-08T00:00:00.000")
    assert fresh.proc_id not in (first.proc_id, other.proc_id)
