"""The REST API as the `apsis` command sees it: the one place that knows its URLs.

Every failure a user can meet (the service is down, does not answer, or refuses the
request) becomes an `ApiError` whose message is ready to print after `error: `.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 5000
TIMEOUT = 30.0
"""Seconds to wait for an answer; a busy service answers queries in milliseconds."""

_RUN_QUERY_NAMES = frozenset(
    {"job_id", "state", "since", "run_id", "summary", "label", "job_prefix", "limit", "before",
     "after"}
)  # fmt: skip
"""GET /runs parameters that are not arg filters; an arg of one of these names is
written with a leading `_`."""

Jso = dict[str, Any]


class ApiError(Exception):
    """A request that failed: `str()` is the message, `errors` any detail lines."""

    def __init__(self, message: str, status: int | None = None, errors: Iterable[str] = ()):
        super().__init__(message)
        self.status = status
        self.errors = list(errors)


def base_url(host: str | None, port: int | None, env_host: str | None) -> str:
    """The service's URL from `--host`, `--port` and `APSIS_HOST`.

    A host is `NAME`, `NAME:PORT`, `[IPV6]:PORT` or a whole `http(s)://` URL. `--host`
    replaces `APSIS_HOST` entirely; `--port` wins over any port in either.
    """
    text = (host or env_host or DEFAULT_HOST).strip()
    if text.startswith(("http://", "https://")):
        url = httpx.URL(text)
        if port is not None:
            url = url.copy_with(port=port)
        return str(url).rstrip("/")
    name, given = text, None
    if text.startswith("["):
        name, _, rest = text.partition("]")
        name += "]"
        given = rest.removeprefix(":") or None
    elif text.count(":") == 1:
        name, given = text.split(":")
    if given is not None and not given.isdigit():
        raise ApiError(f"{text!r} is not HOST or HOST:PORT")
    chosen = port if port is not None else int(given) if given else DEFAULT_PORT
    return f"http://{name or DEFAULT_HOST}:{chosen}"


def _quote(part: str) -> str:
    # Job IDs are paths (`etl/load prices`): keep their slashes, escape the rest.
    return quote(part, safe="/")


class Client:
    """A synchronous client of one service's `/api`."""

    def __init__(self, url: str, timeout: float = TIMEOUT) -> None:
        self.url = url
        self._timeout = timeout
        self._http = httpx.Client(base_url=url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    # --- requests --------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, params: Any = None, json: Any = None
    ) -> httpx.Response:
        try:
            response = self._http.request(method, "/api" + path, params=params, json=json)
        except httpx.TimeoutException:
            raise ApiError(f"no answer from Apsis at {self.url} in {self._timeout:g} s") from None
        except httpx.TransportError as exc:
            raise ApiError(f"cannot reach Apsis at {self.url}: {exc}") from None
        if response.is_error:
            raise _error(response)
        return response

    def _get(self, path: str, params: Any = None) -> Any:
        return _json(self._request("GET", path, params=params))

    def _post(self, path: str, body: Any = None, params: Any = None) -> Any:
        return _json(self._request("POST", path, params=params, json=body))

    # --- jobs ------------------------------------------------------------------------

    def jobs(self, label: str | None = None) -> list[Jso]:
        return list(self._get("/v1/jobs", {"label": label} if label else None))

    def job(self, job_id: str) -> Jso:
        """The job; `job_id` may be a fuzzy ID, which the service resolves."""
        return dict(self._get(f"/v1/jobs/{_quote(job_id)}"))

    def job_schedule(self, job_id: str, count: int, start: str | None) -> Any:
        """GET /jobs/{id}/schedule as the service answers it (a newer route)."""
        params: dict[str, Any] = {"count": count}
        if start is not None:
            params["start"] = start
        return self._get(f"/v1/jobs/{_quote(job_id)}/schedule", params)

    # --- runs ------------------------------------------------------------------------

    def runs(
        self,
        *,
        job_id: str | None = None,
        states: Iterable[str] = (),
        run_ids: Iterable[str] | None = None,
        args: Mapping[str, str] | None = None,
        summary: bool = False,
    ) -> dict[str, Jso]:
        """The runs matching every filter, by run ID in run-number order."""
        params: list[tuple[str, str]] = [("summary", "true" if summary else "false")]
        if job_id is not None:
            params.append(("job_id", job_id))
        params += [("state", state) for state in states]
        params += [("run_id", run_id) for run_id in run_ids or ()]
        for name, value in (args or {}).items():
            params.append((f"_{name}" if name in _RUN_QUERY_NAMES else name, value))
        return dict(self._get("/v1/runs", params)["runs"])

    def runs_now(self, states: Iterable[str]) -> tuple[str, dict[str, Jso]]:
        """The service's time now, and its runs in memory in `states`, in full form."""
        answer = self._get("/v1/runs", [("state", ",".join(states))])
        return str(answer["when"]), dict(answer["runs"])

    def run(self, run_id: str) -> Jso:
        """One run in full; 404 for an unknown one."""
        (run,) = self._get(f"/v1/runs/{_quote(run_id)}")["runs"].values()
        return dict(run)

    def run_log(self, run_id: str) -> list[Jso]:
        """The run log, oldest first: `{"timestamp", "message"}` items."""
        return list(self._get(f"/v1/runs/{_quote(run_id)}/log")["run_log"])

    def outputs(self, run_id: str) -> list[Jso]:
        return list(self._get(f"/v1/runs/{_quote(run_id)}/outputs"))

    def output(self, run_id: str, output_id: str) -> bytes:
        path = f"/v1/runs/{_quote(run_id)}/output/{quote(output_id, safe='')}"
        return self._request("GET", path).content

    def create_runs(self, body: Jso, count: int = 1) -> dict[str, Jso]:
        """POST /runs: `body` names a job (`job_id`) or gives one inline (`job`)."""
        return dict(self._post("/v1/runs", body, {"count": count})["runs"])

    def operate(self, run_id: str, operation: str, *operand: str) -> Jso:
        """POST an operation (`skip`, `signal/SIGTERM`, ...); the answer, maybe `{}`."""
        path = "/".join([f"/v1/runs/{_quote(run_id)}", operation, *(quote(o) for o in operand)])
        return dict(self._post(path))

    # --- control ---------------------------------------------------------------------

    def version(self) -> str:
        return str(self._get("/control/version")["version"])

    def reload_jobs(self, dry_run: bool = False) -> dict[str, Any]:
        """`{"added", "removed", "changed": [job IDs], "dry_run"}`; a directory with
        errors is an ApiError whose `errors` are its lines."""
        return dict(self._post("/control/reload_jobs", params={"dry_run": dry_run}))

    def shut_down(self, restart: bool = False) -> None:
        self._post("/control/shut_down", params={"restart": ""} if restart else None)

    def alive(self) -> bool:
        """Whether the service answers at all (it may still be starting)."""
        try:
            self._request("GET", "/v1/alive")
        except ApiError:
            return False
        return True

    def running(self) -> bool:
        """Whether the service answers and has started."""
        try:
            self._request("GET", "/v1/running")
        except ApiError:
            return False
        return True


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError(f"{response.url} answered something that is not JSON") from None


def _error(response: httpx.Response) -> ApiError:
    """The service's `{"error": message, "errors": [...]}`, or the status if it has none
    (a proxy in front of the service may answer in HTML)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        errors = body.get("errors")
        lines = [str(e) for e in errors] if isinstance(errors, list) else []
        return ApiError(body["error"], response.status_code, lines)
    reason = response.reason_phrase or "error"
    return ApiError(
        f"HTTP {response.status_code} {reason} from {response.url}", response.status_code
    )
