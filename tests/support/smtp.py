"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts.

    async with SmtpServer() as smtp:                       # plain SMTP
        ...send to 127.0.0.1:smtp.port...
        assert smtp.messages[0].message["Subject"] == "..."

    cert, key = make_test_certificate(tmp_path)             # STARTTLS + AUTH LOGIN/PLAIN
    async with SmtpServer(tls_cert=(cert, key), users={"steady": "s3cret"}) as smtp: ...

The server runs in the test's event loop, so the code under test must not block that loop
(smtplib inside asyncio.to_thread is fine). `fail_next(count)` answers the next DATA commands
with a temporary failure (451). The client trusts the certificate via the returned cert path
(a CA file). Authentication is only offered after STARTTLS, as real servers do.
"""

from __future__ import annotations

import asyncio
import datetime
import email
import email.policy
import ipaddress
import ssl
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from tests.support.loopback import LoopbackService


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    authenticated_as: str | None

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]

    def body_text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class SmtpServer(LoopbackService):
    def __init__(
        self,
        *,
        tls_cert: tuple[Path, Path] | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        self.tls_cert = tls_cert
        self.users = dict(users or {})
        self.messages: list[ReceivedMail] = []
        self.failed_logins: list[str] = []
        self._failures: deque[str] = deque()
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> SmtpServer:
        loop = asyncio.get_running_loop()
        tls_context = None
        if self.tls_cert is not None:
            tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls_context.load_cert_chain(str(self.tls_cert[0]), str(self.tls_cert[1]))
        handler = _Handler(self)

        def protocol() -> SMTP:
            return SMTP(
                handler,
                hostname="localhost",
                tls_context=tls_context,
                authenticator=self._authenticate if self.users else None,
                auth_required=bool(self.users),
                auth_require_tls=True,
                loop=loop,
            )

        self._server = await loop.create_server(protocol, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def fail_next(self, count: int = 1, *, reply: str = "451 4.3.0 Try again later") -> None:
        self._failures.extend([reply] * count)

    def _authenticate(
        self, _server: Any, session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            if self.users.get(login) == password:
                session.steady_user = login
                return AuthResult(success=True)
            self.failed_logins.append(login)
        return AuthResult(success=False, handled=False)


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.server._failures:
            return self.server._failures.popleft()
        self.server.messages.append(
            ReceivedMail(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                raw=envelope.original_content or envelope.content,
                authenticated_as=getattr(session, "steady_user", None),
            )
        )
        return "250 2.0.0 OK"


def make_test_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid for a day.

    Returns (certificate path, key path); the certificate doubles as the client's CA file.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "steady-test-smtp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / "smtp-test-cert.pem"
    key_path = directory / "smtp-test-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
