"""Real SMTP servers on 127.0.0.1 for the mail tests, the crash driver and the SMTP benchmark.

`SmtpServer` runs aiosmtpd in a thread on a free port; its `RecordingHandler` records every
accepted message by Message-ID and can misbehave on request: refuse a recipient, answer DATA with
a 4xx, drop the connection, be slow; `EchoingHandler` refuses every login and echoes back what the
client sent (a hostile or broken server). `make_tls` makes a throwaway CA and a certificate for
127.0.0.1, so STARTTLS and implicit TLS are tested with verification on. `make_message` (from
tests/messages.py, re-exported here) builds the `Message` the mail package delivers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from messages import DATE, SENDER, Message, make_message, message_id_for  # noqa: F401 (re-exported)

REFUSAL = "550 5.1.1 no such user"


# --- the server ---------------------------------------------------------------------------


@dataclass
class Received:
    message_id: str
    key: str  # X-Test-Key
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    connection: int


@dataclass
class RecordingHandler:
    """Accepts and records messages; the fields make it misbehave the way real servers do."""

    refuse: frozenset[str] = frozenset()  # recipients answered `refusal` at RCPT
    refusal: str = REFUSAL
    data_reply: str = ""  # e.g. "451 4.3.0 try later": every DATA answered with it, nothing recorded
    kind_replies: dict[str, str] = field(
        default_factory=dict
    )  # X-Sheets-Sync-Kind -> its DATA reply, as data_reply
    delay: float = 0.0  # seconds spent on each message before accepting it (a slow server)
    reply_delay: float = 0.0  # seconds between recording a message and answering 250 (the crash window)
    drop_after: int | None = None  # per connection: after this many messages, drop it at the next MAIL
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def message_ids(self) -> Counter:
        with self.lock:
            return Counter(r.message_id for r in self.received)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        done = getattr(session, "accepted", 0)
        if self.drop_after is not None and done >= self.drop_after:
            server.transport.abort()  # no reply: the client finds a dead connection mid-transaction
            return "421 4.3.2 gone"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return self.refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.data_reply:
            return self.data_reply
        headers = BytesHeaderParser().parsebytes(envelope.content)
        if str(headers["X-Sheets-Sync-Kind"] or "") in self.kind_replies:
            return self.kind_replies[str(headers["X-Sheets-Sync-Kind"])]
        with self.lock:
            self.received.append(
                Received(
                    str(headers["Message-ID"]),
                    str(headers["X-Test-Key"] or ""),
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.content,
                    getattr(session, "connection", 0),
                )
            )
        session.accepted = getattr(session, "accepted", 0) + 1
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        return "250 OK accepted"


@dataclass
class EchoingHandler(RecordingHandler):
    """Answers every AUTH with 535 and, in it, what the client sent word for word: the AUTH PLAIN
    string, or the AUTH LOGIN username and password lines (as some broken servers do in their
    "invalid credentials: ..." replies). `wrap` cuts the echo over reply lines of that many
    characters; `cut` drops the last `cut` characters of each line it echoes (an echo cut short)."""

    wrap: int = 0
    cut: int = 0
    heard: list[str] = field(default_factory=list)  # every line of every AUTH exchange

    async def handle_AUTH(self, server, session, envelope, args):
        heard = list(args[1:])
        if args[0].upper() == "LOGIN":
            if not heard:  # no initial response: ask for the username first
                heard.append(await _answer_to(server, "334 VXNlcm5hbWU6"))
            heard.append(await _answer_to(server, "334 UGFzc3dvcmQ6"))  # "Password:"
        self.heard.extend(heard)
        echo = " ".join(line[: len(line) - self.cut] for line in heard)
        if not self.wrap:
            return f"535 5.7.8 Authentication credentials invalid: {echo}"
        lines = ["Authentication credentials invalid, you sent:"]
        lines += [echo[i : i + self.wrap] for i in range(0, len(echo), self.wrap)]
        last = len(lines) - 1
        return "\r\n".join(f"535{' ' if n == last else '-'}5.7.8 {line}" for n, line in enumerate(lines))


async def _answer_to(server, challenge: str) -> str:
    """The client's raw line after a 334 challenge (aiosmtpd's challenge_auth would decode it)."""
    await server.push(challenge)
    return (await server._reader.readline()).decode("ascii", "replace").strip()


class Users:
    """An aiosmtpd authenticator over a {username: password} mapping (LOGIN and PLAIN)."""

    def __init__(self, users: dict[str, str]):
        self.users = users

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        )
        return AuthResult(success=ok, handled=False)


class _Controller(Controller):
    """Binds a free port itself (no race) and counts connections on the handler."""

    def __init__(self, handler: RecordingHandler, **kwargs):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self._sock.getsockname()[1], **kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)

    def factory(self):
        with self.handler.lock:
            self.handler.connections += 1
            return _NumberedSMTP(self.handler.connections, self.handler, **self.SMTP_kwargs)


class _NumberedSMTP(SMTP):
    """Tags each session with its connection's number (STARTTLS starts a new session on it)."""

    def __init__(self, number: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self.session.connection = self.number


class SmtpServer:
    """`with SmtpServer(handler, ...) as server:` a running server at server.host:server.port.

    tls: from `make_tls`; with `implicit_tls` the socket speaks TLS from the start (port 465
    style), else STARTTLS is offered (and required). `users` turns on AUTH (only over TLS).
    """

    def __init__(
        self,
        handler: RecordingHandler | None = None,
        *,
        tls: Tls | None = None,
        implicit_tls: bool = False,
        users: dict[str, str] | None = None,
        auth: tuple[str, ...] = ("LOGIN", "PLAIN"),
    ):
        """`auth`: the mechanisms offered (smtplib tries PLAIN, then LOGIN, and reports the last)."""
        self.handler = handler or RecordingHandler()
        kwargs: dict = {"ready_timeout": 10.0}
        if tls and implicit_tls:
            kwargs["ssl_context"] = tls.server_context()
        elif tls:
            kwargs.update(tls_context=tls.server_context(), require_starttls=True)
        if users is not None:
            # aiosmtpd only knows about TLS it negotiated itself (STARTTLS); implicit TLS is TLS too
            kwargs.update(
                authenticator=Users(users), auth_require_tls=not implicit_tls, auth_required=not implicit_tls
            )
            kwargs["auth_exclude_mechanism"] = [m for m in ("LOGIN", "PLAIN") if m not in auth]
        self.controller = _Controller(self.handler, **kwargs)
        self.host = "127.0.0.1"
        self.port = self.controller.port

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        with self.handler.lock:  # start() opened one connection to check the server is up
            self.handler.connections = 0
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


# --- TLS ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tls:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """What SmtpTransport gets in tests: the default context, trusting the test CA only."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_tls(folder: Path) -> Tls:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sheets-sync test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    tls = Tls(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    tls.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    tls.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tls.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return tls
