"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, for e-mail tests."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    def body(self, subtype: str = "plain") -> str:
        """The text of the plain (or html) part."""
        part = self.message.get_body(preferencelist=(subtype,))
        assert part is not None, f"no {subtype} part"
        return str(part.get_content())  # type: ignore[attr-defined]


@dataclass
class Inbox:
    """The handler aiosmtpd calls; its lists are read by the test after each send."""

    received: list[Received] = field(default_factory=list)
    refuse_recipients: set[str] = field(default_factory=set)
    answer_data: str | None = None  # e.g. "451 try later" to fail the DATA step
    port: int = 0
    certificate: bytes = b""  # PEM of the server's own certificate, with ``starttls=True``

    def client_tls_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate and nothing else."""
        return ssl.create_default_context(cadata=self.certificate.decode())

    def settings(self) -> dict[str, object]:
        """The ``Settings`` overrides that send e-mail to this server."""
        return {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_tls": "none",
            "smtp_from": "Mission Locale <noreply@ml-test.example>",
        }

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse_recipients:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer_data:
            return self.answer_data
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _self_signed() -> tuple[bytes, bytes]:
    """A certificate and key for 127.0.0.1, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


@contextmanager
def local_smtp(*, login: tuple[str, str] | None = None, starttls: bool = False) -> Iterator[Inbox]:
    """Run an SMTP server on 127.0.0.1 for the duration of the block; yields its inbox.

    With ``starttls`` the server offers STARTTLS with a self-signed certificate (trust it with
    ``inbox.client_tls_context()``) and requires it; with ``login`` it also requires AUTH,
    which aiosmtpd accepts only once the connection is encrypted.
    """
    inbox = Inbox(port=free_port())
    kwargs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        if starttls:
            inbox.certificate, key = _self_signed()
            cert_path, key_path = Path(folder, "cert.pem"), Path(folder, "key.pem")
            cert_path.write_bytes(inbox.certificate)
            key_path.write_bytes(key)
            server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            server_context.load_cert_chain(cert_path, key_path)
            kwargs = {"tls_context": server_context, "require_starttls": True}
        if login is not None:

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> AuthResult:
                ok = (
                    isinstance(data, LoginPassword)
                    and (
                        data.login.decode(),
                        data.password.decode(),
                    )
                    == login
                )
                return AuthResult(success=ok, handled=False)

            kwargs |= {"authenticator": authenticate, "auth_required": True}
        controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **kwargs)
        controller.start()
        try:
            yield inbox
        finally:
            controller.stop()
