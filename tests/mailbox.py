"""A real SMTP server for the tests (aiosmtpd, in-process): STARTTLS with a certificate
made for the test, AUTH required after it, every message parsed into an
`email.message.EmailMessage`; and readers of messages (their links) and of the outbox.

`smtp_server` (STARTTLS on smtp://) and `smtps_server` (TLS from the first byte) each
serve one test; `SSL_CERT_FILE` points at their certificate for the test's duration,
so the app's `ssl.create_default_context()` trusts it as it would a real CA's.
Use: `app.config["MAIL_URL"] = smtp_server.url`, then `smtp_server.messages`.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import socket
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "mailer", "s3cret pass"  # the test server's only account


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "compartilha test smtp")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """The aiosmtpd handler: keeps each message, parsed, and how it arrived."""

    def __init__(self) -> None:
        self.implicit_tls = False
        self.messages: list[EmailMessage] = []
        self.deliveries: list[dict] = []  # envelope sender, recipients, tls, login
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        with self._arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self.deliveries.append({"mail_from": envelope.mail_from,
                                    "rcpt_tos": list(envelope.rcpt_tos),
                                    "tls": session.ssl is not None or self.implicit_tls,
                                    "login": session.auth_data})
            self._arrived.notify_all()
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        """Block until `count` messages have arrived (a real worker sends them)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.messages)} of {count} messages arrived")
                self._arrived.wait(left)
        return self.messages


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False, auth_data=USER if ok else None)


class SmtpServer(Mailbox):
    def __init__(self, certificate: tuple[Path, Path], implicit_tls: bool = False) -> None:
        import ssl

        super().__init__()
        self.implicit_tls = implicit_tls
        self.ca_file = certificate[0]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*map(str, certificate))
        self.port = free_port()
        # aiosmtpd counts only STARTTLS as TLS for AUTH: with TLS from the first byte the
        # connection is encrypted all the same.
        tls = {"ssl_context": context, "auth_require_tls": False} if implicit_tls else {
            "tls_context": context, "require_starttls": True}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                     authenticator=_authenticate, auth_required=True, **tls)
        scheme = "smtps" if implicit_tls else "smtp"
        self.url = f"{scheme}://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("smtp"))


@pytest.fixture
def smtp_server(smtp_certificate, monkeypatch):
    """smtp:// with STARTTLS (required) and AUTH (required), for one test."""
    monkeypatch.setenv("SSL_CERT_FILE", str(smtp_certificate[0]))
    with SmtpServer(smtp_certificate) as server:
        yield server


@pytest.fixture
def smtps_server(smtp_certificate, monkeypatch):
    """smtps:// (TLS from the first byte) and AUTH, for one test."""
    monkeypatch.setenv("SSL_CERT_FILE", str(smtp_certificate[0]))
    with SmtpServer(smtp_certificate, implicit_tls=True) as server:
        yield server


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.found += [value for name, value in attrs if name == "href" and value]


URL = re.compile(r"https?://[^\s<>\"']+")


def links_in(message: EmailMessage) -> list[str]:
    """Every link of the message, text part first, then the HTML's hrefs; each once."""
    found: list[str] = []
    text = message.get_body(("plain",))
    if text is not None:
        found += URL.findall(text.get_content())
    html = message.get_body(("html",))
    if html is not None:
        parser = _Hrefs()
        parser.feed(html.get_content())
        found += parser.found
    return list(dict.fromkeys(found))


def outbox(app) -> list[EmailMessage]:
    """The messages the app wrote to instance/outbox (no MAIL_URL), oldest first."""
    folder = Path(app.instance_path) / "outbox"
    paths = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes())  # type: ignore[misc]
            for p in paths]
