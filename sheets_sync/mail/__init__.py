"""Sending email: transports (outbox folder, SMTP), the send ledger and `deliver`.

The worker opens one transport per cycle (`with open_transport(config) as transport:`), and
`delivery.deliver` decides what goes out through it, in which order, and records every send in the
ledger so a message is sent once across restarts and crashes.
"""

from __future__ import annotations

import threading
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

from sheets_sync.errors import DeliveryError

if TYPE_CHECKING:
    from sheets_sync.config import Config

__all__ = ["SessionError", "Transport", "open_transport"]


class Transport(Protocol):
    """Delivers emails; a context manager that holds one connection for a whole cycle."""

    def __enter__(self) -> Transport: ...

    def __exit__(self, *exc: object) -> None: ...

    def send(self, email: EmailMessage) -> dict[str, str]:
        """Deliver one email; return the refused recipients ({address: "550 5.1.1 ..."}).

        Raises DeliveryError(permanent=True) when the message (or every recipient) is refused
        with a 5xx reply, DeliveryError(permanent=False) for a 4xx reply, a timeout or a
        connection lost even after one reconnect, and SessionError when no message can go at all.
        """
        ...


class SessionError(DeliveryError):
    """The mail session itself failed (connect, TLS, login): no message can go through it.

    `deliver` propagates a permanent one (a refused login, a TLS or certificate problem: the cycle
    fails and a person must fix the configuration) and defers every remaining message on a
    transient one (the server is unreachable right now).
    """


def open_transport(config: Config, stop: threading.Event | None = None) -> Transport:
    """The transport `mail.transport` names: `outbox` (a folder of .eml files) or `smtp`.

    `stop`: the worker's stop event; SMTP does not reconnect once it is set.
    """
    mail = config.mail
    if mail.transport == "smtp":
        from sheets_sync.mail.smtp import SmtpTransport

        return SmtpTransport(mail.smtp, sender_domain=sender_domain(mail.sender), stop=stop)
    from sheets_sync.mail.outbox import OutboxTransport

    return OutboxTransport(mail.outbox_dir)


def sender_domain(sender: str) -> str:
    """The domain of `mail.from` ("Team <partners@acme.example>" -> "acme.example"), or ""."""
    from email.utils import parseaddr

    address = parseaddr(sender)[1]
    return address.rpartition("@")[2].strip().lower() if "@" in address else ""
