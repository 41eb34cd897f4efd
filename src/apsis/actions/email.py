"""`email` [beyond]: mail the run's state, program and output tail (SPEC §7).

Sent through the config's `smtp` server (plain, `ssl: true` for SMTPS, or
`ssl: starttls`; `auth` logs in). `to` may be one address or a list; `from` defaults
to `apsis@` this host's name. The subject is templated; without one it is
"Apsis: JOB_ID ARGS STATE". The body is plain text: what the run is, its times, its
program, and the last 8 KiB of its output, which is usually where the error is.

smtplib blocks, so the message goes out from a worker thread; a slow mail server
delays this action only, never the event loop.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field

from ..bind import Templated
from ..cond.base import format_instance
from ..errors import ApsisError
from ..timespec import format_time
from .base import Action, ActionContext, actions

if TYPE_CHECKING:
    from ..config import SmtpConfig
    from ..model.run import Run

OUTPUT_TAIL = 8192
SMTP_TIMEOUT = 30.0


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

    async def perform(self, run: Run, context: ActionContext) -> str:
        message = self.compose(run, await context.output_tail(run, OUTPUT_TAIL))
        recipients = ", ".join(self.to)
        try:
            await asyncio.to_thread(send, message, context.smtp)
        except OSError as exc:  # smtplib's errors are OSErrors too
            raise ApsisError(f"email to {recipients} not sent: {exc}") from exc
        return f"action: emailed {recipients}"

    def compose(self, run: Run, output: bytes) -> EmailMessage:
        """The message for `run` in its current state, given its output's tail."""
        message = EmailMessage()
        message["From"] = self.from_ or f"apsis@{socket.gethostname()}"
        message["To"] = ", ".join(self.to)
        instance = format_instance(run.job_id, run.args)
        message["Subject"] = self.subject or f"Apsis: {instance} {run.state}"
        message.set_content(_body(run, output))
        return message

    def __str__(self) -> str:
        return f"email {', '.join(self.to)}"


def _body(run: Run, output: bytes) -> str:
    args = " ".join(f"{name}={value}" for name, value in run.args.items())
    lines = [
        f"run:     {run.run_id}",
        f"job:     {run.job_id}",
        f"args:    {args or '(none)'}",
        f"state:   {run.state}",
        f"program: {run.program if run.program is not None else '(none)'}",
        "times:",
        *(f"  {name:<10} {format_time(time)}" for name, time in run.times.items()),
        "",
    ]
    if not output:
        lines.append("output: (none)")
    else:
        # A full tail means earlier output was cut; say so, or a reader may miss it.
        heading = f"output (last {OUTPUT_TAIL} bytes):" if len(output) >= OUTPUT_TAIL else "output:"
        lines += [heading, output.decode(errors="replace")]
    return "\n".join(lines) + "\n"


def send(message: EmailMessage, smtp: SmtpConfig) -> None:
    """Deliver `message` through the configured server (blocking)."""
    tls = ssl.create_default_context()
    client = (
        smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=SMTP_TIMEOUT, context=tls)
        if smtp.ssl is True
        else smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT)
    )
    with client:
        if smtp.ssl == "starttls":
            client.starttls(context=tls)
        if smtp.auth is not None:
            client.login(smtp.auth.username, smtp.auth.password)
        client.send_message(message)
