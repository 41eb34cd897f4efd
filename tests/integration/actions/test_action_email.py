"""`email` actions delivered to a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from apsis.actions import EmailAction
from apsis.cond import Const
from apsis.config import SmtpAuth, SmtpConfig
from apsis.errors import ApsisError
from apsis.model.run import Run
from apsis.model.state import State
from apsis.program.noop import NoOpProgram

T0 = datetime(2026, 11, 21, 10, tzinfo=UTC)


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        # What went over the wire, with SMTP's CRLF line ends back to Python's.
        return [
            email.message_from_bytes(
                (e.original_content or b"").replace(b"\r\n", b"\n"), policy=email.policy.default
            )
            for e in self.envelopes
        ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(inbox: Inbox, **kwargs: Any) -> Iterator[SmtpConfig]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpConfig(host="127.0.0.1", port=port)
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def smtp(inbox: Inbox) -> Iterator[SmtpConfig]:
    yield from serve(inbox)


class Context:
    def __init__(self, smtp: SmtpConfig, output: bytes = b"") -> None:
        self.smtp = smtp
        self.output = output
        self.tail_sizes: list[int] = []

    async def schedule_run(self, *args: Any, **kwargs: Any) -> str:
        raise AssertionError("not used")

    def consecutive(self, run: Run, states: frozenset[State]) -> int:
        raise AssertionError("not used")

    async def output_tail(self, run: Run, size: int) -> bytes:
        self.tail_sizes.append(size)
        return self.output[-size:]


def failed_run() -> Run:
    return Run(
        run_id="r7",
        job_id="etl/load",
        args={"date": "2026-11-21", "region": "eu"},
        state=State.failure,
        times={"schedule": T0, "running": T0.replace(minute=1), "failure": T0.replace(minute=2)},
        program=NoOpProgram(success=False),
        conds=(Const(),),
    )


def send(action: EmailAction, context: Context) -> str | None:
    return asyncio.run(action.perform(failed_run(), context))


def test_email_reaches_every_recipient_with_state_and_output(
    inbox: Inbox, smtp: SmtpConfig
) -> None:
    action = EmailAction.model_validate({"to": ["a@example.com", "Ops <ops@example.com>"]})
    context = Context(smtp, b"loading...\nERROR: table locked\n")
    assert send(action, context) == "action: emailed a@example.com, Ops <ops@example.com>"
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["a@example.com", "ops@example.com"]
    [message] = inbox.messages()
    assert message["To"] == "a@example.com, Ops <ops@example.com>"
    assert message["Subject"] == "Apsis: etl/load date=2026-11-21 region=eu failure"
    assert message["From"] == f"apsis@{socket.gethostname()}"
    body = message.get_content()
    assert "run:     r7\n" in body
    assert "job:     etl/load\n" in body
    assert "args:    date=2026-11-21 region=eu\n" in body
    assert "state:   failure\n" in body
    assert "  failure    2026-11-21T10:02:00Z\n" in body
    assert f"program: {NoOpProgram(success=False)}\n" in body
    assert body.endswith("output:\nloading...\nERROR: table locked\n\n")


def test_email_subject_and_sender_as_the_action_says(inbox: Inbox, smtp: SmtpConfig) -> None:
    action = EmailAction.model_validate(
        {"to": "a@example.com", "subject": "load failed", "from": "Apsis <apsis@example.com>"}
    )
    send(action, Context(smtp))
    [message] = inbox.messages()
    assert message["Subject"] == "load failed"
    assert message["From"] == "Apsis <apsis@example.com>"
    assert inbox.envelopes[0].mail_from == "apsis@example.com"
    assert message.get_content().endswith("output: (none)\n")


def test_email_carries_only_the_last_8_kib_of_output(inbox: Inbox, smtp: SmtpConfig) -> None:
    # 10 KiB of output, cut in the middle of a UTF-8 character: decoded with replacement.
    output = "é".encode() * 1000 + b"x" * 8000 + b"\nthe end\n"
    context = Context(smtp, output)
    send(EmailAction.model_validate({"to": "a@example.com"}), context)
    assert context.tail_sizes == [8192]
    body = inbox.messages()[0].get_content()
    tail = body.split("output (last 8192 bytes):\n", 1)[1]
    # 8192 bytes: half an "é" (replaced), 91 whole ones, the x's and the last line.
    assert tail == "\ufffd" + "é" * 91 + "x" * 8000 + "\nthe end\n\n"


def test_email_logs_in_when_the_config_has_auth(inbox: Inbox) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"secret", handled=False)

    for smtp in serve(inbox, authenticator=authenticate, auth_require_tls=False):
        with_auth = smtp.model_copy(update={"auth": SmtpAuth(username="apsis", password="secret")})
        send(EmailAction.model_validate({"to": "a@example.com"}), Context(with_auth))
        assert logins == [(b"apsis", b"secret")]
        assert len(inbox.envelopes) == 1

        wrong = smtp.model_copy(update={"auth": SmtpAuth(username="apsis", password="guess")})
        with pytest.raises(ApsisError, match=r"^email to a@example.com not sent: .*535"):
            send(EmailAction.model_validate({"to": "a@example.com"}), Context(wrong))
        assert len(inbox.envelopes) == 1


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server context with a self-signed certificate for 127.0.0.1 that the client trusts."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    # ssl.create_default_context() reads its trusted certificates from here.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def test_email_over_smtps(inbox: Inbox, certificate: ssl.SSLContext) -> None:
    for smtp in serve(inbox, ssl_context=certificate):
        send(
            EmailAction.model_validate({"to": "a@example.com"}),
            Context(smtp.model_copy(update={"ssl": True})),
        )
    assert len(inbox.envelopes) == 1


def test_email_with_starttls(inbox: Inbox, certificate: ssl.SSLContext) -> None:
    for smtp in serve(inbox, tls_context=certificate, require_starttls=True):
        starttls = smtp.model_copy(update={"ssl": "starttls"})
        send(EmailAction.model_validate({"to": "a@example.com"}), Context(starttls))
        with pytest.raises(ApsisError, match="not sent"):
            # Without STARTTLS this server refuses the message.
            send(EmailAction.model_validate({"to": "a@example.com"}), Context(smtp))
    assert len(inbox.envelopes) == 1


def test_email_to_a_closed_port_raises_for_the_run_log() -> None:
    smtp = SmtpConfig(host="127.0.0.1", port=free_port())
    with pytest.raises(ApsisError, match=r"^email to a@example.com not sent: .*refused"):
        send(EmailAction.model_validate({"to": "a@example.com"}), Context(smtp))
