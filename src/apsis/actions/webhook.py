"""`webhook` [beyond]: send the run's JSON to a URL (SPEC §7).

The engine retries with back-off; a request that still fails is written to the run
log. The URL and header values are templated (a token per environment, say).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field

from ..bind import Templated
from .base import Action, actions


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


@actions.register("webhook")
class WebhookAction(Action):
    url: Annotated[str, Templated(parse_url)]
    method: Annotated[Literal["POST", "PUT", "PATCH"], BeforeValidator(_upper)] = "POST"
    headers: Annotated[dict[str, str], Templated()] = Field(default_factory=dict)

    def __str__(self) -> str:
        return f"webhook {self.method} {self.url}"
