"""`email` and `webhook` actions."""

from __future__ import annotations

from typing import Any

import pytest

from apsis.actions import Action, EmailAction, WebhookAction, actions
from apsis.bind import bind_names
from apsis.calendars import DEFAULT_LOOKUP
from apsis.errors import BindError, SpecErrors

NAMES = bind_names(
    {"env": "prod", "date": "2026-11-21"},
    job_id="etl/load",
    run_id="r7",
    get_calendar=DEFAULT_LOOKUP.get,
)


def errors(data: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        actions.parse(data)
    return [e.message for e in info.value.errors]


def test_email_to_one_address_becomes_a_list() -> None:
    action = actions.parse({"type": "email", "to": "ops@example.com"})
    assert isinstance(action, EmailAction)
    assert action.to == ("ops@example.com",)
    assert str(action) == "email ops@example.com"


def test_email_from_is_written_from() -> None:
    action = actions.parse(
        {"type": "email", "to": ["a@x.com", "B <b@x.com>"], "from": "Apsis <apsis@x.com>"}
    )
    assert isinstance(action, EmailAction)
    assert action.from_ == "Apsis <apsis@x.com>"
    assert action.to_jso() == {
        "type": "email",
        "to": ["a@x.com", "B <b@x.com>"],
        "from": "Apsis <apsis@x.com>",
    }


def test_email_subject_is_templated() -> None:
    action = actions.parse(
        {
            "type": "email",
            "to": "ops@example.com",
            "subject": "{{ job_id }} {{ date }} failed",
            "if": {"states": "failure"},
        }
    )
    bound = action.bind(NAMES)
    assert isinstance(bound, EmailAction)
    assert bound.subject == "etl/load 2026-11-21 failed"
    assert bound.condition == action.condition


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "email"}, "to: missing required key"),
        ({"type": "email", "to": []}, "to: must name at least one address"),
        ({"type": "email", "to": ["a@x.com", "bob"]}, "to[1]: 'bob' is not an email address"),
        ({"type": "email", "to": 5}, "to: expected an address or a list of addresses, got 5"),
        ({"type": "email", "to": "a@x.com", "from": "me"}, "from: 'me' is not an email address"),
        ({"type": "email", "to": "a@x.com", "from_": "a@x.com"}, "from_: unknown key"),
        ({"type": "email", "to": "a@x.com", "cc": "b@x.com"}, "cc: unknown key"),
    ],
)
def test_invalid_email(data: Any, message: str) -> None:
    assert errors(data) == [message]


def test_webhook_posts_by_default() -> None:
    action = actions.parse({"type": "webhook", "url": "https://hooks.example.com/apsis"})
    assert action == WebhookAction(url="https://hooks.example.com/apsis", method="POST", headers={})
    assert str(action) == "webhook POST https://hooks.example.com/apsis"


def test_webhook_method_is_case_insensitive() -> None:
    action = actions.parse({"type": "webhook", "url": "http://h/x", "method": "put"})
    assert isinstance(action, WebhookAction)
    assert action.method == "PUT"


def test_webhook_url_and_headers_are_templated() -> None:
    action = actions.parse(
        {
            "type": "webhook",
            "url": "https://{{ env }}.hooks.example.com/runs/{{ run_id }}",
            "headers": {"X-Env": "{{ env }}"},
        }
    )
    bound = action.bind(NAMES)
    assert bound == WebhookAction(
        url="https://prod.hooks.example.com/runs/r7", headers={"X-Env": "prod"}
    )


def test_webhook_url_must_render_to_http() -> None:
    action = actions.parse({"type": "webhook", "url": "{{ env }}://x"})
    with pytest.raises(BindError) as info:
        action.bind(NAMES)
    assert info.value.message == "url: 'prod://x' is not an http or https URL"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "webhook"}, "url: missing required key"),
        ({"type": "webhook", "url": "ftp://x/y"}, "url: 'ftp://x/y' is not an http or https URL"),
        (
            {"type": "webhook", "url": "https:///path"},
            "url: 'https:///path' is not an http or https URL",
        ),
        (
            {"type": "webhook", "url": "http://h", "method": "get"},
            "method: 'GET' is not one of 'POST', 'PUT' or 'PATCH'",
        ),
        (
            {"type": "webhook", "url": "http://h", "headers": "x"},
            "headers: expected dict, got str 'x'",
        ),
    ],
)
def test_invalid_webhook(data: Any, message: str) -> None:
    assert errors(data) == [message]


@pytest.mark.parametrize(
    "action",
    [
        EmailAction.model_validate({"to": "a@x.com"}),
        EmailAction.model_validate(
            {
                "to": ["a@x.com"],
                "subject": "{{ job_id }}",
                "from": "b@x.com",
                "if": {"states": "error"},
            }
        ),
        WebhookAction(url="https://h/x"),
        WebhookAction(url="http://{{ env }}/x", method="PATCH", headers={"A": "{{ env }}"}),
    ],
)
def test_json_round_trips(action: Action) -> None:
    assert actions.parse(action.to_jso()) == action


def test_every_action_type_is_registered() -> None:
    assert actions.names == ["email", "schedule", "webhook"]
