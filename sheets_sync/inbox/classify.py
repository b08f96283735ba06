"""What a message is, read whole: a person's email, a bounce, an automatic reply or an unsubscribe.

The headers decide most of it (inbox.parse); the body settles bounces (inbox.bounces), finds the
out-of-office signs some autoresponders leave only there, and gives a person's new text.
"""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes
from email.message import Message
from email.policy import compat32

from sheets_sync.inbox.bounces import bounced_addresses
from sheets_sync.inbox.newtext import new_text
from sheets_sync.inbox.parse import BOUNCE_SUBJECT
from sheets_sync.model import Envelope, Incoming, IncomingKind

_TOKEN = re.compile(r"\bunsubscribe\s+([0-9a-f]{16})\b", re.IGNORECASE)
_AUTO_BODY = re.compile(
    r"(i am (currently )?out of (the )?office|i'm (currently )?out of (the )?office|"
    r"this is an automatic reply|автоматический ответ|я в отпуске|нахожусь в отпуске|"
    r"вне офиса до|не в офисе до)",
    re.IGNORECASE,
)
_BACK = r"\b(back|return|until|till|вернусь|до)\D{0,30}"  # "back on", "until", "вернусь", "до"
_RETURNS_ISO = re.compile(_BACK + r"(\d{4})-(\d{2})-(\d{2})", re.IGNORECASE)
_RETURNS_DOTTED = re.compile(_BACK + r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.IGNORECASE)


def unsubscribe_token(subject: str) -> str:
    """The token an unsubscribe's subject carries ('unsubscribe 3f9a0c2e71b44d15'), '' when none."""
    found = _TOKEN.search(subject)
    return found.group(1).lower() if found else ""


def classify(envelope: Envelope, message: bytes) -> Incoming:
    """Never raises: a message that cannot be parsed is a person's email with no text."""
    try:
        msg = message_from_bytes(message, policy=compat32)
    except Exception:
        return Incoming(envelope, IncomingKind.EMAIL)
    if envelope.unsubscribe:
        return Incoming(envelope, IncomingKind.UNSUBSCRIBE)
    if envelope.maybe_bounce or _is_report(msg):
        bounced = bounced_addresses(msg)
        if bounced or _is_report(msg) or BOUNCE_SUBJECT.search(envelope.subject):
            return Incoming(envelope, IncomingKind.BOUNCE, bounced=bounced)
    text = new_text(msg)
    if envelope.automatic or _AUTO_BODY.search(text):
        return Incoming(envelope, IncomingKind.AUTO_REPLY, returns_on=_returns_on(text))
    return Incoming(envelope, IncomingKind.EMAIL, text)


def _is_report(msg: Message) -> bool:
    return msg.get_content_type() == "multipart/report" or any(
        p.get_content_type() == "message/delivery-status" for p in msg.walk()
    )


def _returns_on(text: str) -> dt.date | None:
    """An out-of-office's stated return date, in ISO or dd.mm.yyyy form (None when it states none)."""
    try:
        if found := _RETURNS_ISO.search(text):
            return dt.date(int(found.group(2)), int(found.group(3)), int(found.group(4)))
        if found := _RETURNS_DOTTED.search(text):
            return dt.date(int(found.group(4)), int(found.group(3)), int(found.group(2)))
    except ValueError:
        return None
    return None
