"""Bad input is a 400 or 404 with `{"error": message}`, never a 500 (SPEC §9.1)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from live_service import Service


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    return str(body["error"])


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"[1, 2]", b'"a string"', b"null"],
    ids=["malformed", "empty", "list", "string", "null"],
)
def test_post_runs_with_a_body_that_is_not_an_object_is_400(
    service: Service, content: bytes
) -> None:
    response = service.client.post(
        "/api/v1/runs", content=content, headers={"content-type": "application/json"}
    )
    error(response, 400)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_a_json_body_sent_as_a_form_or_text_is_refused_naming_the_header(
    service: Service, content_type: str
) -> None:
    """What `curl -d` sends, and what any web page may send here unasked: not read."""
    before = service.client.get("/api/v1/runs").json()["runs"]
    response = service.client.post(
        "/api/v1/runs", content=b'{"job_id": "later"}', headers={"content-type": content_type}
    )
    message = error(response, 400)
    assert "Content-Type: application/json" in message and content_type in message
    assert service.client.get("/api/v1/runs").json()["runs"].keys() == before.keys()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, ["missing job_id or job"]),
        ({"args": {}}, ["missing job_id or job"]),
        ({"job_id": "echo"}, ["missing args", "name"]),
        ({"job_id": "echo", "args": {"name": "x", "extra": "y"}}, ["unknown args", "extra"]),
        ({"job_id": "echo", "args": {"name": 5}}, ["args.name"]),
        ({"job_id": "echo", "args": ["name"]}, ["args"]),
        ({"job_id": "later", "colour": "red"}, ["colour"]),
        ({"job_id": "later", "times": {"schedule": "tomorrow"}}, ["times.schedule", "tomorrow"]),
        ({"job_id": "later", "times": {"stop": "whenever"}}, ["times.stop", "whenever"]),
        ({"job_id": "later", "times": {"stop": "-5s"}}, ["times.stop", "not after"]),
        ({"job_id": "later", "times": {"stop": True}}, ["times.stop", "True"]),
        ({"job_id": "later", "times": {"schedule": 5}}, ["times.schedule"]),
        ({"job_id": "match pre"}, ["ambiguous", "match prefix suffix"]),
        ({"job_id": "later", "job": {"program": "true"}}, ["either job_id or job"]),
        ({"job": {"program": {"type": "shel", "command": "x"}}}, ["job.program.type", "shel"]),
        ({"job": {"program": "true", "colour": 1}}, ["job.colour", "unknown key"]),
        ({"job": {"params": ["p"], "program": "true"}}, ["missing args", "p"]),
    ],
)
def test_post_runs_with_a_bad_body_is_400_saying_why(
    service: Service, body: dict[str, Any], words: list[str]
) -> None:
    message = error(service.post("/runs", body), 400)
    for word in words:
        assert word in message, message


def test_post_runs_of_an_unknown_job_is_404(service: Service) -> None:
    response = service.post("/runs", {"job_id": "no such job"})
    assert response.status_code == 404
    assert response.json() == {"error": "no job 'no such job'"}


@pytest.mark.parametrize("count", ["0", "-1", "many", "1001"])
def test_post_runs_with_a_bad_count_is_400(service: Service, count: str) -> None:
    assert "count" in error(service.post("/runs", {"job_id": "later"}, count=count), 400)


@pytest.mark.parametrize(
    ("params", "word"),
    [({"state": "bogus"}, "state"), ({"since": "yesterday"}, "since"),
     ({"summary": "maybe"}, "summary")],
)  # fmt: skip
def test_get_runs_with_bad_filters_is_400(
    service: Service, params: dict[str, str], word: str
) -> None:
    assert word in error(service.get("/runs", **params), 400)


@pytest.mark.parametrize("run_id", ["r999999999", "bogus", "r", "r-1"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", ""), ("GET", "/log"), ("GET", "/outputs"), ("GET", "/output/output"),
     ("GET", "/dependencies"), ("POST", "/skip"), ("POST", "/start"), ("POST", "/rerun"),
     ("POST", "/stop"), ("POST", "/signal/TERM"), ("POST", "/mark/success")],
)  # fmt: skip
def test_unknown_runs_are_404(service: Service, run_id: str, method: str, path: str) -> None:
    response = service.client.request(method, f"/api/v1/runs/{run_id}{path}")
    assert error(response, 404) == f"no run {run_id!r}"


def test_unknown_output_of_a_run_is_404(service: Service) -> None:
    run_id = service.schedule("later")
    service.wait_state(run_id, "success")
    # A no-op program writes nothing: no output at all, and no output by another name.
    assert service.get(f"/runs/{run_id}/outputs").json() == []
    for output_id in ("output", "other"):
        assert output_id in error(service.get(f"/runs/{run_id}/output/{output_id}"), 404)


def test_unknown_paths_and_methods_answer_in_the_error_shape(service: Service) -> None:
    error(service.get("/no/such/thing"), 404)
    error(service.client.delete("/api/v1/runs"), 405)
