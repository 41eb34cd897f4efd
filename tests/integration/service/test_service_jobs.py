"""Liveness, jobs, fuzzy job IDs and the service's own endpoints."""

from __future__ import annotations

from live_service import Service


def test_alive_and_running_answer_empty_objects(service: Service) -> None:
    assert service.get("/alive").json() == {}
    running = service.get("/running")
    assert (running.status_code, running.json()) == (200, {})


def test_jobs_lists_every_job_with_its_json(service: Service) -> None:
    jobs = service.get("/jobs").json()
    assert [job["job_id"] for job in jobs] == sorted(job["job_id"] for job in jobs)
    echo = next(job for job in jobs if job["job_id"] == "echo")
    assert echo["params"] == ["name"]
    assert echo["program"]["type"] == "shell"
    assert echo["ad_hoc"] is False


def test_jobs_filters_by_label(service: Service) -> None:
    jobs = service.get("/jobs", label="reports").json()
    assert [job["job_id"] for job in jobs] == ["reports/daily summary"]
    assert service.get("/jobs", label="nothing").json() == []


def test_job_by_exact_id_with_slashes_and_spaces(service: Service) -> None:
    response = service.get("/jobs/reports/daily summary")
    assert response.status_code == 200
    assert response.json()["metadata"]["description"] == "A report."


def test_job_by_fuzzy_id_prefixes_of_words(service: Service) -> None:
    assert service.get("/jobs/dai rep").json()["job_id"] == "reports/daily summary"
    # An exact ID wins over the longer ID it is also a fuzzy match of.
    assert service.get("/jobs/match prefix").json()["job_id"] == "match prefix"


def test_ambiguous_job_is_400_listing_the_matches(service: Service) -> None:
    response = service.get("/jobs/match pre")
    assert response.status_code == 400
    message = response.json()["error"]
    assert "match prefix" in message and "match prefix suffix" in message


def test_unknown_job_is_404_with_an_error(service: Service) -> None:
    response = service.get("/jobs/no such job")
    assert response.status_code == 404
    assert response.json() == {"error": "no job 'no such job'"}


def test_version_and_openapi_are_served(service: Service) -> None:
    assert set(service.client.get("/api/control/version").json()) == {"version"}
    schema = service.client.get("/api/openapi.json").json()
    assert "/api/v1/runs" in schema["paths"]
    assert service.client.get("/api/docs").status_code == 200
