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
error or a log line.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage

from sheets_sync.config import SmtpConfig
from sheets_sync.errors import DeliveryError
from sheets_sync.mail import SessionError

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 60.0  # seconds per network operation (connect, each reply)


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
    def __init__(self, config: SmtpConfig, sender_domain: str = "", *,
                 ssl_context: ssl.SSLContext | None = None, timeout: float = DEFAULT_TIMEOUT,
                 stop: threading.Event | None = None):  # fmt: skip
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
        self.connections = 0  # opened so far: one per cycle unless the server drops us

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def __enter__(self) -> SmtpTransport:
        return self  # the connection opens on the first send: a cycle with nothing to send opens none

    def __exit__(self, *exc) -> None:
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
                    why = (f"The SMTP server {self.where} dropped the connection ({dropped}); "
                           "stopping, so no reconnect.")
                    raise DeliveryError(why) from None
                log.warning("SMTP connection to %s lost (%s); reconnecting", self.where, dropped)
        raise AssertionError("unreachable")

    def _send_once(self, smtp: smtplib.SMTP, email: EmailMessage) -> dict[str, str]:
        try:
            refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            replies = {addr.lower(): _reply(code, text) for addr, (code, text) in exc.recipients.items()}
            if any(code == 421 for code, _ in exc.recipients.values()):
                raise _Dropped("421 at RCPT") from None
            permanent = all(500 <= code < 600 for code, _ in exc.recipients.values())
            listed = "; ".join(f"{addr}: {reply}" for addr, reply in replies.items())
            why = f"Every recipient was refused ({listed})."
            raise RecipientsRefusedError(why, replies, permanent=permanent) from None
        except smtplib.SMTPServerDisconnected as exc:  # smtplib's wrapping of a reset, EOF or timeout
            timed_out = isinstance(exc.__context__, TimeoutError)
            raise _Dropped(str(exc) or "disconnected", timed_out=timed_out) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused
            if exc.smtp_code == 421:
                raise _Dropped(_reply(exc.smtp_code, exc.smtp_error)) from None
            stage = "the message" if isinstance(exc, smtplib.SMTPDataError) else "the sender"
            why = f"The SMTP server refused {stage}: {_reply(exc.smtp_code, exc.smtp_error)}"
            raise DeliveryError(why, permanent=500 <= exc.smtp_code < 600) from None
        except smtplib.SMTPNotSupportedError as exc:  # e.g. an internationalized address without SMTPUTF8
            raise DeliveryError(f"The SMTP server cannot take this message: {exc}", permanent=True) from None
        except TimeoutError as exc:
            raise _Dropped(str(exc) or "timed out", timed_out=True) from None
        except OSError as exc:
            raise _Dropped(str(exc) or type(exc).__name__) from None
        except ValueError as exc:  # no or several From headers: a rendering bug, not the server's
            raise DeliveryError(f"The message cannot be sent: {exc}", permanent=True) from None
        return {addr.lower(): _reply(code, text) for addr, (code, text) in refused.items()}

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
            password = cfg.password()
            if not password:
                raise SessionError(
                    f"mail.smtp.username is set but the environment variable {cfg.password_env} "
                    f"(or {cfg.password_env}_FILE) holding its password is empty.", permanent=True)  # fmt: skip
        context = self._ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP | None = None
        try:
            if cfg.security == "ssl":  # the constructors connect (and keep the host name for TLS checks)
                smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, self.helo_name, timeout=self.timeout, context=context)
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
            raise self._session_error(exc, password) from None
        log.debug("connected to %s (%s)", self.where, cfg.security)
        return smtp

    def _session_error(self, exc: Exception, password: str) -> SessionError:
        cfg, where = self.config, self.where
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            text = _redact(_reply(exc.smtp_code, exc.smtp_error), password)
            if 400 <= exc.smtp_code < 500:
                return SessionError(f"The SMTP server {where} could not check the login right now: {text}")
            return SessionError(
                f"The SMTP server {where} refused the login for {cfg.username!r}: {text}. Check "
                f"mail.smtp.username and the password in the environment variable {cfg.password_env}.",
                permanent=True)  # fmt: skip
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            hint = (
                "set mail.smtp.security to ssl (usually port 465) or none"
                if "STARTTLS" in str(exc)
                else "it offers AUTH only over TLS or not at all: check mail.smtp.security and username"
            )
            return SessionError(f"The SMTP server {where}: {exc} ({hint}).", permanent=True)
        if isinstance(exc, ssl.SSLCertVerificationError):
            why = f"{exc.verify_message or exc}"
            return SessionError(f"The SMTP server {where} presented a certificate that cannot be trusted: "
                                f"{why}. Check mail.smtp.host.", permanent=True)  # fmt: skip
        if isinstance(exc, ssl.SSLError):
            return SessionError(
                f"TLS with the SMTP server {where} failed ({exc.reason or exc}); check that "
                f"mail.smtp.security ({cfg.security}) matches the port ({cfg.port}).", permanent=True)  # fmt: skip
        if isinstance(exc, smtplib.SMTPResponseException):
            text = _redact(_reply(exc.smtp_code, exc.smtp_error), password)
            return SessionError(f"The SMTP server {where} refused the session: {text}",
                                permanent=exc.smtp_code >= 500)  # fmt: skip
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            text = _redact(str(exc), password)
            return SessionError(f"The SMTP server {where} closed the connection: {text}.")
        if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
            why = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
            return SessionError(f"Cannot connect to the SMTP server {where}: {why}.")
        # e.g. "No suitable authentication method found.": a person must change the configuration
        text = _redact(str(exc), password)
        return SessionError(f"The SMTP session with {where} failed: {text}", permanent=True)


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}".strip()


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text
