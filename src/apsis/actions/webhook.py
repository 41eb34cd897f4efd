"""`webhook` [beyond]: send the run's JSON to a URL (SPEC §7).

The body is the run's full JSON, as `GET /api/v1/runs/{run_id}` shows it. The URL
and header values are templated (a token per environment, say).

Receivers fail briefly (a deploy, a busy proxy), so a request that cannot connect,
or that gets 408, 429 or a 5xx, is tried again after `RETRY_DELAYS` — three
attempts within about two seconds, short enough that the run log tells the story
while the run is still on screen. Any other answer is final: a 4xx will not change
by asking again. A request that still fails raises, and the engine writes it to the
run log.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field

from ..bind import Templated
from ..errors import ApsisError
from .base import Action, ActionContext, actions

if TYPE_CHECKING:
    from ..model.run import Run

log = logging.getLogger(__name__)

RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0)
"""Seconds to wait before the second and third attempts (tests shrink these)."""
REQUEST_TIMEOUT = 10.0
_RETRY_STATUSES = frozenset({408, 429})


def parse_url(value: Any) -> str:
    """An absolute http or https URL; anything else could never be POSTed to."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an http or https URL")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http or https URL")
    return value.strip()


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _worth_retrying(status: int) -> bool:
    return status >= 500 or status in _RETRY_STATUSES


@actions.register("webhook")
class WebhookAction(Action):
    url: Annotated[str, Templated(parse_url)]
    method: Annotated[Literal["POST", "PUT", "PATCH"], BeforeValidator(_upper)] = "POST"
    headers: Annotated[dict[str, str], Templated()] = Field(default_factory=dict)

    async def perform(self, run: Run, context: ActionContext) -> str:
        import httpx  # here: only a service with webhooks pays for importing it

        body = run.to_jso()
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as client:
            for attempt, delay in enumerate((*RETRY_DELAYS, None), 1):
                try:
                    response = await client.request(
                        self.method, self.url, json=body, headers=self.headers
                    )
                except httpx.TransportError as exc:
                    problem, retry = str(exc) or type(exc).__name__, True
                else:
                    if response.is_success:
                        return f"action: {self}: HTTP {response.status_code}"
                    problem = f"HTTP {response.status_code}"
                    retry = _worth_retrying(response.status_code)
                if not retry or delay is None:
                    break
                log.info(
                    "%s: %s: %s on attempt %d; trying again", run.run_id, self, problem, attempt
                )
                await asyncio.sleep(delay)
        tries = f"{attempt} attempt" + ("s" if attempt > 1 else "")
        raise ApsisError(f"{self}: {problem} after {tries}")

    def __str__(self) -> str:
        return f"webhook {self.method} {self.url}"
