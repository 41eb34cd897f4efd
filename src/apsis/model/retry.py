"""Automatic reruns of a failed run (SPEC §3.1 `retry`, [beyond])."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..timespec import Duration
from .state import FINISHED, State, parse_states


class Retry(BaseModel):
    """Rerun a run that ends in one of `on`, up to `count` times, after a growing delay.

    The n-th retry (n = 1, 2, …) waits `delay * backoff**(n-1)`, capped at `max_delay`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(ge=1)
    delay: Duration = Field(default=0.0, ge=0)
    backoff: float = Field(default=1.0, ge=1)
    max_delay: Duration | None = Field(default=None, ge=0)
    on: tuple[State, ...] = (State.failure, State.error)

    @field_validator("on", mode="before")
    @classmethod
    def _parse_on(cls, value: Any) -> tuple[State, ...]:
        return parse_states(value)

    @model_validator(mode="after")
    def _on_unsuccessful_finish(self) -> Retry:
        bad = [s.value for s in self.on if s not in FINISHED or s == State.success]
        if bad:
            raise ValueError(f"on: retry only from failure, error or skipped, not {bad}")
        return self

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        delay = self.delay * self.backoff ** (attempt - 1)
        return min(delay, self.max_delay) if self.max_delay is not None else delay
