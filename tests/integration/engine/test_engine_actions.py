"""Actions react to transitions; a failing one is logged and changes nothing (SPEC §7)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from apsis.actions import webhook
from apsis.engine.clock import FakeClock

from .harness import (
    START,
    closed_port,
    hook_server,
    idle,
    run_log,
    running_engine,
    runs_of,
    states,
    stored_run,
    write_jobs,
)


def test_successors_schedule_one_run_of_the_other_job_and_both_logs_say_so(
    tmp_path: Path,
) -> None:
    write_jobs(
        tmp_path,
        {
            "load": "params: [date]\nprogram: {type: no-op}\nsuccessors: publish",
            "publish": "params: [date]\nprogram: 'echo publish {{ date }}'",
        },
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            load = engine.schedule("load", {"date": "2026-11-23"})
            await idle(engine)
            published = runs_of(engine, "publish")
            assert len(published) == 1
            publish = published[0]
            assert publish.args == {"date": "2026-11-23"}
            assert publish.state.value == "success"
            load_log = await run_log(engine, load)
            assert load_log[-1] == f"action: scheduled publish as {publish.run_id}"
            publish_log = await run_log(engine, publish)
            assert publish_log[0] == f"scheduled: now; scheduled by action of {load.run_id}"

    asyncio.run(body())


def test_schedule_action_renders_args_and_fires_only_on_its_states(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "load": (
                "params: [date, ok]\n"
                "program: 'test {{ ok }} = yes'\n"
                "action:\n"
                "  type: schedule\n"
                "  job_id: next\n"
                "  args: {date: '{{ Date(date) + 1 }}'}\n"
                "  if: {states: [failure]}\n"
            ),
            "next": "params: [date, ok]\nprogram: {type: no-op}",
        },
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            engine.schedule("load", {"date": "2026-11-23", "ok": "yes"})
            await idle(engine)
            assert runs_of(engine, "next") == []
            engine.schedule("load", {"date": "2026-11-23", "ok": "no"})
            await idle(engine)
            assert [r.args for r in runs_of(engine, "next")] == [{"date": "2026-11-24", "ok": "no"}]

    asyncio.run(body())


def test_webhook_posts_the_run_json_to_a_real_server(tmp_path: Path) -> None:
    with hook_server() as hooks:
        write_jobs(
            tmp_path,
            {
                "job": (
                    "params: [date]\nprogram: 'echo hi'\n"
                    f"action: {{type: webhook, url: '{hooks.url}/done/{{{{ date }}}}', "
                    "if: {states: [success]}}"
                )
            },
        )

        async def body() -> None:
            async with running_engine(tmp_path, FakeClock(START)) as engine:
                run = engine.schedule("job", {"date": "2026-11-23"})
                await idle(engine)
                assert len(hooks.requests) == 1
                method, path, posted = hooks.requests[0]
                assert (method, path) == ("POST", "/done/2026-11-23")
                assert posted["run_id"] == run.run_id
                assert posted["job_id"] == "job"
                assert posted["args"] == {"date": "2026-11-23"}
                assert posted["state"] == "success"
                assert posted["program"]["command"] == "echo hi"
                log = await run_log(engine, run)
                assert log[-1] == (f"action: webhook POST {hooks.url}/done/2026-11-23: HTTP 200")

        asyncio.run(body())


def test_webhook_without_if_fires_once_for_every_transition(tmp_path: Path) -> None:
    with hook_server() as hooks:
        write_jobs(
            tmp_path,
            {"job": f"program: {{type: no-op}}\naction: {{type: webhook, url: '{hooks.url}'}}"},
        )

        async def body() -> None:
            async with running_engine(tmp_path, FakeClock(START)) as engine:
                engine.schedule("job", {})
                await idle(engine)
                posted = sorted(body["state"] for body in hooks.bodies)
                assert posted == sorted(["scheduled", "starting", "running", "success"])

        asyncio.run(body())


def test_consecutive_fires_from_the_nth_failure_in_a_row_only(tmp_path: Path) -> None:
    code = tmp_path / "code"
    with hook_server() as hooks:
        write_jobs(
            tmp_path,
            {
                "job": (
                    f"program: 'exit $(cat {code})'\n"
                    f"action: {{type: webhook, url: '{hooks.url}', "
                    "if: {states: [failure], consecutive: 2}}"
                )
            },
        )

        async def body() -> None:
            async with running_engine(tmp_path, FakeClock(START)) as engine:

                async def one_run(exit_code: int) -> str:
                    code.write_text(str(exit_code))
                    run = engine.schedule("job", {})
                    await idle(engine)
                    return run.run_id

                first = await one_run(1)
                assert hooks.bodies == []
                second = await one_run(1)
                third = await one_run(1)
                assert [b["run_id"] for b in hooks.bodies] == [second, third]
                await one_run(0)
                await one_run(1)
                assert [b["run_id"] for b in hooks.bodies] == [second, third]
                assert first not in [b["run_id"] for b in hooks.bodies]

        asyncio.run(body())


def test_a_failing_action_is_logged_and_leaves_the_run_state_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "RETRY_DELAYS", (0.01, 0.01))
    url = f"http://127.0.0.1:{closed_port()}/hook"
    write_jobs(
        tmp_path,
        {
            "job": (
                "program: {type: no-op}\n"
                f"action: {{type: webhook, url: '{url}', if: {{states: [success]}}}}"
            )
        },
    )

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            run = engine.schedule("job", {})
            await idle(engine)
            assert run.state.value == "success"
            assert (await stored_run(engine, run))["state"] == "success"
            log = await run_log(engine, run)
            assert log[-2] == "success"
            assert log[-1].startswith(f"action webhook POST {url} failed: webhook POST {url}: ")
            assert log[-1].endswith(" after 3 attempts")

    asyncio.run(body())


def test_global_actions_from_the_config_fire_for_every_job(tmp_path: Path) -> None:
    write_jobs(
        tmp_path,
        {
            "one": "params: [date]\nprogram: {type: no-op}",
            "two": "program: 'exit 2'",
        },
    )
    with hook_server() as hooks:
        config = (
            "action:\n"
            f"  - {{type: webhook, url: '{hooks.url}/{{{{ job_id }}}}/{{{{ run_id }}}}',"
            " if: {states: [success, failure]}}\n"
            # Only runs with a `date` arg can render this one.
            f"  - {{type: webhook, url: '{hooks.url}/date/{{{{ date }}}}',"
            " if: {states: [failure]}}\n"
        )

        async def body() -> None:
            async with running_engine(tmp_path, FakeClock(START), config) as engine:
                one = engine.schedule("one", {"date": "2026-11-23"})
                two = engine.schedule("two", {})
                await idle(engine)
                assert states([one, two]) == ["success", "failure"]
                received = sorted((path, body["state"]) for _, path, body in hooks.requests)
                assert received == [
                    (f"/one/{one.run_id}", "success"),
                    (f"/two/{two.run_id}", "failure"),
                ]
                # A template that does not fit the run fails the action where it fires.
                assert not any("failed" in line for line in await run_log(engine, one))
                failed = [line for line in await run_log(engine, two) if "failed" in line]
                assert failed == [
                    f"action webhook POST {hooks.url}/date/{{{{ date }}}} failed: "
                    "url: 'date' is undefined in "
                    f"'{hooks.url}/date/{{{{ date }}}}'"
                ]

        asyncio.run(body())
