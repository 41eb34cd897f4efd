"""The web UI's files: pages of the app at any path that is not the API's, assets
cached for long, and the API's own answers unchanged (SPEC §9.2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from live_service import Service

from apsis.service.web import STATIC

INDEX = STATIC / "index.html"
PAGES = ["/", "/runs", "/runs/r12345", "/jobs", "/jobs/a/b", "/job/a/b", "/timeline", "/x/y"]


def built_page() -> str:
    """What a page of the UI answers: the built index.html, or the note to build it."""
    return INDEX.read_text() if INDEX.is_file() else "make web"


@pytest.mark.parametrize("path", PAGES)
def test_every_ui_path_answers_the_app_uncached(service: Service, path: str) -> None:
    response = service.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert built_page() in response.text


def test_api_paths_keep_their_json_answers(service: Service) -> None:
    for path in ("/api/v1/nothing", "/api/nothing", "/api", "/api/v1/runs/r1/nothing"):
        response = service.client.get(path)
        assert response.status_code == 404, path
        assert "error" in response.json(), path
    assert service.get("/runs/r999999999").status_code == 404
    assert service.get("/runs/r999999999").json()["error"]
    # Other methods answer as the API's routes do: no page for them.
    assert service.client.post("/api/v1/nothing").status_code == 404
    assert service.client.post("/runs").status_code == 404
    assert service.client.delete("/api/v1/runs").status_code == 405
    assert service.client.get("/api/v1/alive").json() == {}
    assert service.client.get("/metrics").headers["content-type"].startswith("text/plain")
    assert service.client.get("/api/openapi.json").json()["info"]["title"] == "Apsis"


def test_assets_are_cached_and_a_missing_one_is_a_404(service: Service) -> None:
    missing = service.client.get("/assets/nothing-here.js")
    assert missing.status_code == 404
    assert "error" in missing.json()
    assert service.client.get("/assets/%2e%2e/index.html").status_code == 404
    assets = sorted((STATIC / "assets").glob("*.js")) if INDEX.is_file() else []
    for asset in assets[:1]:
        response = service.client.get(f"/assets/{asset.name}")
        assert response.status_code == 200
        assert "immutable" in response.headers["cache-control"]
        assert response.content == Path(asset).read_bytes()
