"""What the engine publishes for live clients: every transition once, in order, only
after it is stored (SPEC §11, DESIGN.md §1 principle 3)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from apsis.engine.clock import FakeClock
from apsis.store import open_store

from .harness import START, idle, running_engine, write_jobs


def test_each_transition_is_published_once_in_order_after_it_is_stored(tmp_path: Path) -> None:
    write_jobs(tmp_path, {"quick": "program: {type: no-op}", "echo": "program: 'echo hi'"})

    async def body() -> None:
        async with running_engine(tmp_path, FakeClock(START)) as engine:
            # A second connection, read at the moment of publishing: what a client
            # sees must already be in the database.
            other = open_store(tmp_path / "apsis.db")
            seen: list[tuple[str, str, str | None]] = []
            publish = engine.events.publish

            def published(event: dict[str, Any]) -> None:
                if event["type"] == "run":
                    run_id, state = event["run"]["run_id"], event["run"]["state"]
                    stored = other.get_run(run_id)
                    seen.append((run_id, state, stored and stored["state"]))
                elif event["type"] == "run_log":
                    log = [message for _, message in other.get_run_log(event["run_id"])]
                    assert event["message"] in log
                publish(event)

            engine.events.publish = published  # type: ignore[method-assign]
            subscription = engine.events.subscribe()
            try:
                quick = engine.schedule("quick", {})
                echo = engine.schedule("echo", {})
                await idle(engine)
            finally:
                subscription.close()
                other.close()
            order = ["scheduled", "starting", "running", "success"]
            for run in (quick, echo):
                mine = [(state, stored) for run_id, state, stored in seen if run_id == run.run_id]
                assert [state for state, _ in mine] == order
                # Stored by then: that state, or a later one written in the same batch.
                for state, stored in mine:
                    assert stored is not None
                    assert order.index(stored) >= order.index(state)

    asyncio.run(body())
