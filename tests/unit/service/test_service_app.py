"""The app's error mapping, over an engine that fails in ways a real one should not."""

from __future__ import annotations

import asyncio
from pathlib import Path
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


def _app_over(static: Path) -> Any:
    app = create_app(cast(Engine, _BrokenEngine()), Config())
    app.state.web_static = static
    return app


def _get_from(app: Any, path: str) -> httpx.Response:
    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://apsis") as client:
            return await client.get(path)

    return asyncio.run(get())


def test_without_a_built_ui_pages_say_how_to_build_it(tmp_path: Path) -> None:
    response = _get_from(_app_over(tmp_path), "/")
    assert response.status_code == 200
    assert "make web" in response.text
    assert _get_from(_app_over(tmp_path), "/api/v1/nothing").json()["error"]


def test_ui_paths_answer_index_html_and_top_files(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<div id=app></div>")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path / "assets" / "index-abc.js").write_text("export {}")
    app = _app_over(tmp_path)
    for path in ("/", "/runs/r1", "/job/etl/load", "/jobs/a/b/"):
        response = _get_from(app, path)
        assert (response.status_code, response.text) == (200, "<div id=app></div>"), path
    assert _get_from(app, "/favicon.svg").text == "<svg/>"
    asset = _get_from(app, "/assets/index-abc.js")
    assert asset.text == "export {}"
    assert "max-age=31536000" in asset.headers["cache-control"]
    assert _get_from(app, "/assets/missing.js").status_code == 404
