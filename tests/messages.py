"""The messages the mail tests deliver: `make_message` builds the `Message` the mail package
delivers (render's own, or a stand-in with the same shape), with a Message-ID derived from its key.

Apart from tests/smtp_server.py (which re-exports these) so that the crash test's driver, started
and killed again and again, does not import the SMTP server's packages on every start.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from sheets_sync.model import MessageKind

try:
    from sheets_sync.mail.compose.render import Message
except ImportError:  # render.py not written yet: the same shape

    @dataclass(frozen=True)
    class Message:  # type: ignore[no-redef]
        key: str
        kind: MessageKind
        email: EmailMessage

        @property
        def message_id(self) -> str:
            return str(self.email["Message-ID"])

        @property
        def recipients(self) -> tuple[str, ...]:
            fields = [str(v) for h in ("To", "Cc") for v in self.email.get_all(h, [])]
            return tuple(addr.lower() for _, addr in getaddresses(fields) if addr)

        @property
        def subject(self) -> str:
            return str(self.email["Subject"] or "")


SENDER = "Partners <partners@acme.example>"
DATE = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def make_message(
    key: str,
    kind: MessageKind | None = None,
    *,
    to: tuple[str, ...] = ("anna@partner.example",),
    cc: tuple[str, ...] = (),
    body: str = "Hello,\n\nthe recap of our meeting.\n",
    date: dt.datetime = DATE,
) -> Message:
    """A message with a deterministic Message-ID derived from its key, as render makes them."""
    kind = kind or MessageKind(key.split(":", 1)[0])
    email = EmailMessage()
    email["From"] = SENDER
    email["To"] = ", ".join(to)
    if cc:
        email["Cc"] = ", ".join(cc)
    email["Date"] = format_datetime(date)
    email["Subject"] = f"{kind.value} {key}"
    email["Message-ID"] = message_id_for(key)
    email["X-Sheets-Sync-Kind"] = kind.value
    email["X-Test-Key"] = key
    email.set_content(body)
    return Message(key=key, kind=kind, email=email)


def message_id_for(key: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:24]}@acme.example>"
