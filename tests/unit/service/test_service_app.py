"""The app's error mapping, over an engine that fails in ways a real one should not."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httpx

from apsis.config import Config
from apsis.engine.engine import Engine
from apsis.service import create_app


class _BrokenEngine:
    """Every job lookup fails with an internal error whose text must not leak."""

    @property
    def jobs(self) -> Any:
        raise RuntimeError("secret internal detail")


def _get(path: str) -> httpx.Response:
    app = create_app(cast(Engine, _BrokenEngine()), Config())

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://apsis") as client:
            return await client.get(path)

    return asyncio.run(get())


def test_an_unexpected_exception_is_a_generic_500() -> None:
    response = _get("/api/v1/jobs")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error; the service log has the details"}
    assert "secret" not in response.text


def test_liveness_needs_nothing_from_the_engine() -> None:
    assert _get("/api/v1/alive").json() == {}
    assert _get("/api/v1/running").json() == {}
