"""The SMTP transport: smtplib, one connection per cycle, library errors translated at the edge.

Replies are sorted by what a person or the next cycle can do about them:

- 5xx for the message (or for every recipient): DeliveryError(permanent=True); the others still go.
- 5xx for some recipients: returned as refused; the message still goes to the others. (So is a
  4xx for some: sending the message again would repeat it to everyone who already has it.)
- 4xx, a timeout, a connection lost twice: DeliveryError(permanent=False), sent again next cycle.
- A connection dropped between or during messages (also a 421 "closing channel" reply): reconnect
  once and send that message again. If the server had already accepted it, the repeat carries
  the same Message-ID. Once the worker is stopping there is no reconnect: the message is deferred.
- The session itself (connect, STARTTLS, login): SessionError, permanent for what a person must
  fix (a refused login, an untrusted certificate), transient for an unreachable server.

The password is read from the environment when the connection opens and never appears in an
error or a log line: every reply of the server is redacted before it goes into one (`Redactor`),
since a hostile or broken server may echo back what the login sent it.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage

from sheets_sync.config import SmtpConfig
from sheets_sync.errors import ConfigError, DeliveryError
from sheets_sync.mail import SessionError

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 60.0  # seconds per network operation (connect, each reply)
REDACTED = "***"
PIECE = 8  # characters: the shortest piece of a secret that is taken out of a reply on its own
MAX_REPLY = 2000  # characters of a reply kept (RFC 5321 allows 512 a line): an endless one costs nothing


class RecipientsRefusedError(DeliveryError):
    """Every recipient was refused; `refused` maps each address to the server's reply."""

    def __init__(self, message: str, refused: dict[str, str], *, permanent: bool):
        super().__init__(message, permanent=permanent)
        self.refused = refused


class _Dropped(Exception):
    """The connection went away mid-message; the caller may reconnect once."""

    def __init__(self, why: str, *, timed_out: bool = False):
        super().__init__(why)
        self.timed_out = timed_out


class SmtpTransport:
    def __init__(
        self,
        config: SmtpConfig,
        sender_domain: str = "",
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        stop: threading.Event | None = None,
    ):
        """`ssl_context` defaults to the system's trust store (tests pass one trusting their CA).

        `sender_domain` is the EHLO name: the domain of `mail.from` looks better to spam filters
        than "localhost", and unlike socket.getfqdn() it costs no DNS lookup. `timeout` is in
        seconds. `stop` is the worker's stop event: once it is set, a dropped connection is not
        reopened (the message is deferred), so a stop does not wait for a new session.
        """
        self.config = config
        self.helo_name = sender_domain or "localhost"
        self.timeout = timeout
        self._stop = stop if stop is not None else threading.Event()
        self._ssl_context = ssl_context
        self._smtp: smtplib.SMTP | None = None
        self._redact = Redactor("", "")  # the login's, once a connection reads the password
        self.connections = 0  # opened so far: one per cycle unless the server drops us

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def __enter__(self) -> SmtpTransport:
        return self  # the connection opens on the first send: a cycle with nothing to send opens none

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            smtp.close()

    # --- sending --------------------------------------------------------------------------

    def send(self, email: EmailMessage) -> dict[str, str]:
        for attempt in (1, 2):
            smtp = self._session()
            try:
                return self._send_once(smtp, email)
            except _Dropped as dropped:
                self._discard()
                if dropped.timed_out:
                    why = f"The SMTP server {self.where} did not answer in time ({dropped})."
                    raise DeliveryError(why) from None
                if attempt == 2:
                    why = f"The SMTP server {self.where} dropped the connection twice ({dropped})."
                    raise DeliveryError(why) from None
                if self._stop.is_set():
                    why = (
                        f"The SMTP server {self.where} dropped the connection ({dropped}); "
                        "stopping, so no reconnect."
                    )
                    raise DeliveryError(why) from None
                log.warning("SMTP connection to %s lost (%s); reconnecting", self.where, dropped)
        raise AssertionError("unreachable")

    def _send_once(self, smtp: smtplib.SMTP, email: EmailMessage) -> dict[str, str]:
        try:
            refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            replies = {addr.lower(): self._reply(code, text) for addr, (code, text) in exc.recipients.items()}
            if any(code == 421 for code, _ in exc.recipients.values()):
                raise _Dropped("421 at RCPT") from None
            permanent = all(500 <= code < 600 for code, _ in exc.recipients.values())
            listed = "; ".join(f"{addr}: {reply}" for addr, reply in replies.items())
            why = f"Every recipient was refused ({listed})."
            raise RecipientsRefusedError(why, replies, permanent=permanent) from None
        except smtplib.SMTPServerDisconnected as exc:  # smtplib's wrapping of a reset, EOF or timeout
            timed_out = isinstance(exc.__context__, TimeoutError)
            raise _Dropped(self._redact(str(exc)) or "disconnected", timed_out=timed_out) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused
            if exc.smtp_code == 421:
                raise _Dropped(self._reply(exc.smtp_code, exc.smtp_error)) from None
            stage = "the message" if isinstance(exc, smtplib.SMTPDataError) else "the sender"
            # sending.py notes the reply after "refused the message: " on the row the message was for
            why = f"The SMTP server refused {stage}: {self._reply(exc.smtp_code, exc.smtp_error)}"
            raise DeliveryError(why, permanent=500 <= exc.smtp_code < 600) from None
        except smtplib.SMTPNotSupportedError as exc:  # e.g. an internationalized address without SMTPUTF8
            why = f"The SMTP server cannot take this message: {self._redact(str(exc))}"
            raise DeliveryError(why, permanent=True) from None
        except TimeoutError as exc:
            raise _Dropped(str(exc) or "timed out", timed_out=True) from None
        except OSError as exc:
            raise _Dropped(str(exc) or type(exc).__name__) from None
        except ValueError as exc:  # no or several From headers: a rendering bug, not the server's
            raise DeliveryError(f"The message cannot be sent: {exc}", permanent=True) from None
        return {addr.lower(): self._reply(code, text) for addr, (code, text) in refused.items()}

    def _reply(self, code: int, text: bytes | str) -> str:
        """A server reply as one line fit for an error, a log line or a Sync note: no credential."""
        return self._redact(_reply(code, text))

    # --- the session ----------------------------------------------------------------------

    def _session(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._connect()
            self.connections += 1
        return self._smtp

    def _discard(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        password = ""
        if cfg.username:
            try:
                password = cfg.password()
            except ConfigError as exc:
                raise SessionError(str(exc), permanent=True) from None
            if not password:
                raise SessionError(
                    f"mail.smtp.username is set but the environment variable {cfg.password_env} "
                    f"(or {cfg.password_env}_FILE) holding its password is empty.",
                    permanent=True,
                )
        self._redact = Redactor(cfg.username, password)
        # Made only when TLS is used: building the default context costs ~50 ms a session
        context = None if cfg.security == "none" else self._ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP | None = None
        try:
            if cfg.security == "ssl":  # the constructors connect (and keep the host name for TLS checks)
                smtp = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, self.helo_name, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, self.helo_name, timeout=self.timeout)
            smtp.ehlo()
            if cfg.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, password)
        except Exception as exc:
            if smtp is not None:
                smtp.close()
            raise self._session_error(exc) from None
        log.debug("connected to %s (%s)", self.where, cfg.security)
        return smtp

    def _session_error(self, exc: Exception) -> SessionError:
        cfg, where, redact = self.config, self.where, self._redact
        if isinstance(
            exc, UnicodeEncodeError
        ):  # smtplib sends the login as ASCII; its text quotes the character
            return SessionError(
                f"mail.smtp.username or the password in {cfg.password_env} has a character that is not "
                "ASCII, which SMTP AUTH cannot send.",
                permanent=True,
            )
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            text = self._reply(exc.smtp_code, exc.smtp_error)
            if 400 <= exc.smtp_code < 500:
                return SessionError(f"The SMTP server {where} could not check the login right now: {text}")
            return SessionError(
                f"The SMTP server {where} refused the login for {cfg.username!r}: {text}. Check "
                f"mail.smtp.username and the password in the environment variable {cfg.password_env}.",
                permanent=True,
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            hint = (
                "set mail.smtp.security to ssl (usually port 465) or none"
                if "STARTTLS" in str(exc)
                else "it offers AUTH only over TLS or not at all: check mail.smtp.security and username"
            )
            return SessionError(f"The SMTP server {where}: {redact(str(exc))} ({hint}).", permanent=True)
        if isinstance(exc, ssl.SSLCertVerificationError):
            why = f"{exc.verify_message or exc}"
            return SessionError(
                f"The SMTP server {where} presented a certificate that cannot be trusted: "
                f"{why}. Check mail.smtp.host.",
                permanent=True,
            )
        if isinstance(exc, ssl.SSLError):
            return SessionError(
                f"TLS with the SMTP server {where} failed ({exc.reason or exc}); check that "
                f"mail.smtp.security ({cfg.security}) matches the port ({cfg.port}).",
                permanent=True,
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            text = self._reply(exc.smtp_code, exc.smtp_error)
            return SessionError(
                f"The SMTP server {where} refused the session: {text}", permanent=exc.smtp_code >= 500
            )
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            text = redact(str(exc))
            return SessionError(f"The SMTP server {where} closed the connection: {text}.")
        if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
            why = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
            return SessionError(f"Cannot connect to the SMTP server {where}: {why}.")
        # e.g. "No suitable authentication method found.", or smtplib's "Server AUTH mechanism
        # infinite loop. Last response: ..." (quoting the server): a person must change the configuration
        text = redact(str(exc))
        return SessionError(f"The SMTP session with {where} failed: {text}", permanent=True)


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text[:MAX_REPLY].split())}".strip()


class Redactor:
    """Takes a login's secret out of text a server sent, in every form the login put on the wire.

    A hostile or broken server may echo back what it received: the password, the base64 of AUTH
    PLAIN's "\\0username\\0password" (it decodes to the password), the base64 lines of AUTH LOGIN
    (the username's and the password's). Each is replaced by REDACTED whole, wrapped over reply
    lines (whitespace is ignored inside it), or cut short: any run of PIECE characters or more
    that is part of one of them goes, and a form shorter than PIECE goes wherever it appears.
    """

    def __init__(self, username: str, password: str):
        sent = (f"\0{username}\0{password}", password, username) if password else ()
        forms = [password, *(base64.b64encode(s.encode()).decode() for s in sent if s)] if password else []
        squeezed = ("".join(form.split()) for form in forms)  # compared with whitespace taken out
        self._forms = [form for form in squeezed if form]

    def __call__(self, text: str) -> str:
        if not self._forms or not text:
            return text
        kept = [i for i, ch in enumerate(text) if not ch.isspace()]  # where each non-space character is
        squeezed = "".join(text[i] for i in kept)
        hidden = bytearray(len(squeezed))
        for form in self._forms:
            size = min(len(form), PIECE)
            for start in range(len(form) - size + 1):
                piece = form[start : start + size]
                found = squeezed.find(piece)
                while found >= 0:
                    hidden[found : found + size] = b"\1" * size
                    found = squeezed.find(piece, found + 1)
        out, copied, k = [], 0, 0
        while k < len(kept):
            if not hidden[k]:
                k += 1
                continue
            first = k
            while k < len(kept) and hidden[k]:
                k += 1
            out += [text[copied : kept[first]], REDACTED]
            copied = kept[k - 1] + 1  # the whitespace inside a hidden run goes with it
        return "".join(out) + text[copied:]
