"""The agent's certificate, made once per state directory, and the context that pins it.

There is no shared key in the package and no certificate authority: each state
directory gets its own self-signed certificate the first time an agent runs there, and
`apsis-agent start` hands its PEM to the caller, which trusts exactly that certificate
(pinning) rather than any name in it.

The certificate is marked as a CA (BasicConstraints ca=true) because OpenSSL 3 only
accepts a trust anchor given with `cadata` as the whole chain when it may sign
certificates; its subject alternative names cover the loopback names and this host, so
a client that also checks the host name still succeeds. An EC P-256 key keeps the TLS
handshake cheap.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

VALIDITY = timedelta(days=100 * 365)
"""Nothing renews the certificate, so it must outlive the installation."""


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, readable by its owner only.

    The temporary file is created 0600, so the secret is never readable by others,
    even for a moment; the rename makes a reader see the old file or the new, never
    half of one.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _make_certificate() -> tuple[bytes, bytes]:
    """A new key and its self-signed certificate, both PEM."""
    # Here, not at the top: the service only pins certificates, and need not load this.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"apsis-agent {host}")])
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    if host and host != "localhost":
        names.append(x509.DNSName(host))
    now = datetime.now(UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def ensure_certificate(cert_path: Path, key_path: Path) -> str:
    """The certificate PEM in `cert_path`, made (with its key) if there is none yet.

    Only the agent that holds the state directory's lock calls this, so two agents
    never make two certificates. The key is written first: a certificate on disk always
    has its key beside it.
    """
    if not (cert_path.exists() and key_path.exists()):
        key_pem, cert_pem = _make_certificate()
        write_private(key_path, key_pem)
        write_private(cert_path, cert_pem)
    return cert_path.read_text()


def pinned_context(cert_pem: str) -> ssl.SSLContext:
    """A client context that trusts exactly `cert_pem`, whatever name the agent is reached by.

    The host name is not checked: the agent may be reached by any address of its host,
    and trusting a single certificate already names the one server that can answer.
    """
    context = ssl.create_default_context(cadata=cert_pem)
    context.check_hostname = False
    return context
