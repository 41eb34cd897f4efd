"""`email` [beyond]: mail the run's state, program and output tail (SPEC §7).

Sent through the config's `smtp` server. `to` may be one address or a list; `from`
defaults to the config's sender. The subject is templated; without one the engine
writes "JOB_ID ARGS: STATE".
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from ..bind import Templated
from .base import Action, actions


def parse_address(value: Any) -> str:
    """An address as mail headers write it: `ops@example.com` or `Ops <ops@example.com>`."""
    if not isinstance(value, str) or "@" not in parseaddr(value)[1]:
        raise ValueError(f"{value!r} is not an email address")
    return value.strip()


def _one_or_more(value: Any) -> Any:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected an address or a list of addresses, got {value!r}")
    if not value:
        raise ValueError("must name at least one address")
    return value


Address = Annotated[str, BeforeValidator(parse_address)]


@actions.register("email")
class EmailAction(Action):
    to: Annotated[tuple[Address, ...], BeforeValidator(_one_or_more)]
    subject: Annotated[str | None, Templated()] = None
    # `from` is a Python keyword: the field is `from_`, the key (and JSON) `from`.
    from_: Address | None = Field(default=None, alias="from")

    def __str__(self) -> str:
        return f"email {', '.join(self.to)}"
