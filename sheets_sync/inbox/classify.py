"""What a message is, read whole: a person's email, a bounce, an automatic reply or an unsubscribe.

The headers decide most of it (inbox.parse); the body settles bounces (inbox.bounces), finds the
out-of-office signs some autoresponders leave only there, and gives a person's new text.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from email import message_from_bytes
from email.message import Message
from email.policy import compat32

from sheets_sync.inbox.bounces import bounced_addresses
from sheets_sync.inbox.newtext import new_text, plain_text
from sheets_sync.inbox.parse import BOUNCE_SUBJECT
from sheets_sync.model import Envelope, Incoming, IncomingKind

log = logging.getLogger(__name__)
# An autoresponder's own words, where its headers say nothing (some Mail.ru and older Exchange
# replies). A person mentions a vacation too ("Thanks! I'm on vacation next week, so let's sign on
# the 7th"), so these count only as the opening of a short text: a machine says it first and little
# else. "This is an automatic reply" is no person's opening at all.
_AUTO_OPENING = re.compile(
    r"^\W*((hello|hi|dear [^,.!]{1,40}|здравствуйте|добрый день)\W+)?"  # "Hello," "Thank you for your email."
    r"((thank you|thanks) for your (e-?mail|message)|спасибо за (ваше )?(письмо|сообщение))?\W*"
    r"(this is an auto(matic|mated)[- ]?(reply|response|message)|(это )?автоматический ответ|"
    r"(i am|i'm) (currently )?(out of (the )?office|away from (the )?office|on (vacation|leave|holiday))|"
    r"(я )?(нахожусь|сейчас) в (отпуске|командировке)|я в отпуске|(я )?(вне офиса|не в офисе) до)",
    re.IGNORECASE,
)
AUTO_TEXT_MAX = 600  # characters: longer, and it is a person's letter whatever it opens with
# A report's words when its headers only say it may be one (a delay warning is still no person)
_BOUNCE_BODY = re.compile(
    r"(could not be delivered|delivery (has )?failed|undeliver|has not (yet )?been delivered|"
    r"delivery (is )?delayed|will (continue to )?(retry|try)|permanent (error|failure)|"
    r"temporary (error|failure)|mail system|mailer-daemon|не (может быть|удалось) (доставлено|доставить))",
    re.IGNORECASE,
)
# The return date an out-of-office states: after one of these words, within a few words
_BACK = re.compile(r"\b(back|return\w*|until|till|through|вернусь|буду|выйду|до|по)\b", re.IGNORECASE)
_MONTHS = {
    **{
        name: number
        for number, names in enumerate(
            (
                ("january", "jan", "января", "янв"),
                ("february", "feb", "февраля", "фев"),
                ("march", "mar", "марта", "мар"),
                ("april", "apr", "апреля", "апр"),
                ("may", "мая"),
                ("june", "jun", "июня", "июн"),
                ("july", "jul", "июля", "июл"),
                ("august", "aug", "августа", "авг"),
                ("september", "sep", "sept", "сентября", "сен"),
                ("october", "oct", "октября", "окт"),
                ("november", "nov", "ноября", "ноя"),
                ("december", "dec", "декабря", "дек"),
            ),
            start=1,
        )
        for name in names
    }
}
_MONTH = r"([a-zа-яё]{3,9})\.?"
_DATES = (
    ("ymd", re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")),
    ("dmy", re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")),
    ("d_month", re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(\d{4}))?", re.I)),
    ("month_d", re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", re.IGNORECASE)),
)


def classify(envelope: Envelope, message: bytes) -> Incoming:
    """Never raises: a message that cannot be read is a person's email with whatever text it gave."""
    try:
        msg = message_from_bytes(message, policy=compat32)
    except Exception:
        return Incoming(envelope, IncomingKind.EMAIL)
    try:
        return _classified(envelope, msg)
    except Exception as exc:  # a message no reader expected: still a person's email, not a crash
        log.debug("classifying message %s failed: %s", envelope.message_id, exc)
        return Incoming(envelope, IncomingKind.EMAIL, new_text(msg))


def _classified(envelope: Envelope, msg: Message) -> Incoming:
    if envelope.unsubscribe:
        return Incoming(envelope, IncomingKind.UNSUBSCRIBE)
    report = _is_report(msg)
    if envelope.maybe_bounce or report:
        bounced = bounced_addresses(msg)
        if (
            bounced
            or report
            or BOUNCE_SUBJECT.search(envelope.subject)
            or _BOUNCE_BODY.search(plain_text(msg))
        ):
            return Incoming(envelope, IncomingKind.BOUNCE, bounced=bounced)
    text = new_text(msg)
    if envelope.automatic or (
        _AUTO_OPENING.search(text) and len(new_text(msg, limit=2 * AUTO_TEXT_MAX)) <= AUTO_TEXT_MAX
    ):
        return Incoming(
            envelope, IncomingKind.AUTO_REPLY, returns_on=returns_on(plain_text(msg), envelope.date)
        )
    return Incoming(envelope, IncomingKind.EMAIL, text)


def _is_report(msg: Message) -> bool:
    return msg.get_content_type() == "multipart/report" or any(
        p.get_content_type() == "message/delivery-status" for p in msg.walk()
    )


def returns_on(text: str, sent: dt.datetime | None = None) -> dt.date | None:
    """The return date an out-of-office states ("back on 7 December", "until 2026-12-07", "до
    07.12.2026", "вернусь 14 декабря"), None when it states none. A date without a year is the next
    one on or after the day the reply was sent (none without that day)."""
    for cue in _BACK.finditer(text):
        window = text[cue.end() : cue.end() + 40]
        for shape, pattern in _DATES:  # the window may open with a weekday: "until Monday, 7 December"
            for found in pattern.finditer(window):
                if day := _date(shape, found.groups(), sent):
                    return day
    return None


def _date(shape: str, parts: tuple[str | None, ...], sent: dt.datetime | None) -> dt.date | None:
    try:
        if shape == "ymd":
            return dt.date(int(parts[0] or 0), int(parts[1] or 0), int(parts[2] or 0))
        if shape == "dmy":
            short = int(parts[2] or 0)  # "07.12.26"
            return dt.date(short + 2000 if short < 100 else short, int(parts[1] or 0), int(parts[0] or 0))
        day, month, year = (
            (parts[0], parts[1], parts[2]) if shape == "d_month" else (parts[1], parts[0], parts[2])
        )
        number = _MONTHS.get((month or "").lower())
        if number is None:
            return None
        if year:
            return dt.date(int(year), number, int(day or 0))
        if sent is None:
            return None
        guess = dt.date(sent.year, number, int(day or 0))
        return guess if guess >= sent.date() else dt.date(sent.year + 1, number, int(day or 0))
    except ValueError:
        return None
