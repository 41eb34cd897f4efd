"""The web UI's files (SPEC §9.2): the app `make web` builds into `static/`.

The UI routes in the browser (history mode), so every path that is not the API's is
one of its pages: a GET for such a path that no route answers gets `index.html`, which
is never cached, so a new build shows at the next load. Its scripts and styles under
`/assets/` carry a content hash in their names and are cached for a year. `/api/...`
and `/metrics` keep their JSON 404s, and other methods their 404 and 405 answers: the
fallback is taken only where the router found nothing (`page_for`, called from the
app's 404 handler), so it changes no API answer.

Files are looked up at each request, so a UI built while the service runs is served.
Without a build, pages answer a short note saying how to build it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

STATIC = Path(__file__).resolve().parent / "static"

_API_PREFIXES = ("/api/", "/metrics/", "/assets/")
_API_PATHS = frozenset({"/api", "/metrics"})
_ASSET_CACHE = "public, max-age=31536000, immutable"
_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Apsis</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>Apsis</h1>
<p>The web UI is not built. Run <code>make web</code> in the source tree, then reload.</p>
<p>The API is at <a href="/api/docs">/api/docs</a>.</p>
</body></html>
"""


def install(app: FastAPI, static: Path = STATIC) -> None:
    """Serve the UI's assets from `static`; `page_for` does its pages."""
    app.state.web_static = static
    app.add_api_route(
        "/assets/{name:path}", _asset, methods=["GET", "HEAD"], include_in_schema=False
    )


def _static(request: Request) -> Path:
    return Path(request.app.state.web_static)


async def _asset(request: Request, name: str) -> Response:
    path = _inside(_static(request) / "assets", name)
    if path is None:
        raise HTTPException(404, f"no asset {name!r}")
    return FileResponse(path, headers={"Cache-Control": _ASSET_CACHE})


def page_for(request: Request) -> Response | None:
    """What a GET that no route matched answers, if it is the UI's: a file at the top
    of the build (`/favicon.ico`), else the app's page. None for the API's paths."""
    path = request.url.path
    if (
        request.method not in ("GET", "HEAD")
        or path in _API_PATHS
        or path.startswith(_API_PREFIXES)
    ):
        return None
    static = _static(request)
    index = static / "index.html"
    if not index.is_file():
        return HTMLResponse(_NOT_BUILT, headers={"Cache-Control": "no-cache"})
    name = path.lstrip("/")
    top = _inside(static, name) if name and "/" not in name else None
    if top is not None and top != index:
        return FileResponse(top, headers={"Cache-Control": "no-cache"})
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})


def _inside(directory: Path, name: str) -> Path | None:
    """The file `name` names under `directory`; None if there is none or the name
    climbs out of it (`../`)."""
    try:
        path = (directory / name).resolve()
    except (OSError, ValueError):
        return None
    if not path.is_relative_to(directory.resolve()) or not path.is_file():
        return None
    return path
