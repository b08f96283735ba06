"""A message's headers into an Envelope: all the first fetch reads of each message (no body).

Headers are what real mail holds: RFC 2047 words in any charset (KOI8-R and cp1251 too), folded
lines, missing or broken fields. Nothing here raises: a header that cannot be read reads as empty.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
from email import message_from_string
from email.header import decode_header, make_header
from email.message import Message
from email.policy import compat32

from sheets_sync.model import Envelope

# The header fields the adapter fetches (BODY.PEEK[HEADER.FIELDS (...)]): what matching and the
# automatic-reply and bounce signs need
HEADER_FIELDS = (
    "Message-ID",
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "X-Autoreply",
    "X-Autorespond",
    "X-Auto-Response-Suppress",  # fetched to be seen, never a sign: Outlook puts it on a person's mail too
    "Precedence",
    "Content-Type",
    "Return-Path",
    "X-Failed-Recipients",
    "X-Sheets-Sync-Kind",
    "List-Id",
    "List-Post",
    "List-Unsubscribe",
)
SUBJECT_MAX = 200
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Subjects of automatic replies (out of office, vacation, autoresponders), English, German and
# Russian. "Vacation" and "Away" alone open a person's subject too ("Vacation schedule for the
# event"), so they count only as the whole subject or before a colon, a bracket, a dash or "until".
AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|"
    r"automatische antwort|abwesenheitsnotiz|r[ée]ponse automatique|"
    r"((on )?vacation|away( from (the )?office)?|on (leave|holiday))\s*($|[:(\[–—-]|until\b|till\b|back\b)|"
    r"автоответ|автоматический ответ|нет на месте|в отпуске|вне офиса|отсутствую)",
    re.IGNORECASE,
)
# Subjects of delivery failure reports, as Postfix, Exim, Sendmail, Exchange, Gmail, mail.ru and
# Yandex word them
BOUNCE_SUBJECT = re.compile(
    r"(undeliver|returned mail|delivery (status notification|failure|has failed)|mail delivery failed|"
    r"permanent delivery failure|error during delivery|user unknown|"
    r"failure notice|delivery problem|non[- ]?delivery|could not be delivered|"
    r"не доставлен|недоставленное|не удалось доставить|ошибка доставки|сообщение не доставлено)",
    re.IGNORECASE,
)
UNSUBSCRIBE_SUBJECT = re.compile(r"^\s*unsubscribe\b", re.IGNORECASE)
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mdaemon", "bounce", "bounces")


def envelope_of(uid: int, headers: bytes, internal_date: dt.datetime | None) -> Envelope:
    """The Envelope of the message `uid` whose header lines are `headers`."""
    # as text, so that a raw 8-bit header (RFC 6532 UTF-8, an old client's cp1251) keeps its bytes
    msg = message_from_string(headers.decode("utf-8", "surrogateescape"), policy=compat32)
    sender_name, sender = _address(msg, "From")
    subject = " ".join(_text(msg, "Subject").split())[:SUBJECT_MAX]
    content_type = _text(msg, "Content-Type").lower()
    return_path = _text(msg, "Return-Path").strip()
    precedence = _text(msg, "Precedence").strip().lower()
    auto_submitted = _text(msg, "Auto-Submitted").strip().lower()
    local = sender.split("@", 1)[0]
    maybe_bounce = (
        local in _DAEMONS
        or "report-type=delivery-status" in content_type.replace(" ", "")
        or "multipart/report" in content_type
        or bool(_text(msg, "X-Failed-Recipients").strip())
        or (return_path == "<>" and bool(BOUNCE_SUBJECT.search(subject)))
        or (not sender and bool(BOUNCE_SUBJECT.search(subject)))
        # a report's own subject (not a person's "Re: delivery failure")
        or bool(BOUNCE_SUBJECT.search(subject) and without_prefixes(subject) == subject)
    )
    automatic = not maybe_bounce and (
        (auto_submitted not in ("", "no"))
        or bool(_text(msg, "X-Autoreply").strip() or _text(msg, "X-Autorespond").strip())
        or precedence in ("auto_reply", "junk")
        or bool(AUTO_SUBJECT.search(without_prefixes(subject)))
    )
    list_id = _text(msg, "List-Id")
    bulk = precedence in ("bulk", "list") or bool(list_id.strip() or _text(msg, "List-Unsubscribe").strip())
    return Envelope(
        uid=uid,
        message_id=_message_id(msg) or _synthetic_id(headers),
        sender=sender,
        sender_name=sender_name,
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        subject=subject,
        date=_date(msg) or _aware(internal_date),
        replies_to=_replies_to(msg),
        automatic=automatic,
        maybe_bounce=maybe_bounce,
        own=bool(_text(msg, "X-Sheets-Sync-Kind").strip()),
        unsubscribe=bool(UNSUBSCRIBE_SUBJECT.match(without_prefixes(subject))),
        bulk=bulk,
        lists=_lists(list_id, _text(msg, "List-Post")) if bulk else (),
    )


def without_prefixes(subject: str) -> str:
    """The subject without its Re:/Fwd:/Отв: prefixes (an out-of-office answers 'Re: ...' too)."""
    return re.sub(
        r"^\s*((re|fw|fwd|aw|wg|отв|отв\.|пересл)\s*(\[\d+\])?\s*:\s*)+", "", subject, flags=re.IGNORECASE
    )


def _text(msg: Message, name: str) -> str:
    """A header's decoded text ('' when missing or unreadable)."""
    try:
        value = msg.get(name)
        if value is None:
            return ""
        return str(make_header(decode_header(_eight_bit(str(value)))))
    except (ValueError, LookupError, UnicodeError, TypeError, AttributeError):
        try:
            return str(msg.get(name) or "")
        except Exception:
            return ""


def _address(msg: Message, name: str) -> tuple[str, str]:
    pairs = _pairs(msg, name)
    return pairs[0] if pairs else ("", "")


def _eight_bit(text: str) -> str:
    """A header sent as raw 8-bit text (RFC 6532, or an old client's cp1251), which the parser keeps
    as escaped bytes: decoded as UTF-8, else as Windows-1251."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", "replace")


def _addresses(msg: Message, name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(address for _, address in _pairs(msg, name)))


def _pairs(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-case address) of each address in the header `name`."""
    try:
        raw = [_eight_bit(str(v)) for v in msg.get_all(name, [])]
        out = []
        for display, address in email.utils.getaddresses(raw):
            address = address.strip().lower()
            if "@" in address:
                out.append((_decoded(display), address))
        return out
    except (ValueError, TypeError, IndexError, AttributeError):
        return []


def _decoded(text: str) -> str:
    try:
        return " ".join(str(make_header(decode_header(text))).split())
    except (ValueError, LookupError, UnicodeError):
        return " ".join(text.split())


def _lists(list_id: str, list_post: str) -> tuple[str, ...]:
    """The addresses a list message names its list by: List-Post's mailto: address, and List-Id's
    identifier read as one ('<partners.team.example>' is partners@team.example, as Google Groups
    and Mailman name them). The cycle knows the inbox's own group by them."""
    out = [m.group(1).lower() for m in re.finditer(r"mailto:([^?>\s]+@[^?>\s]+)", list_post, re.IGNORECASE)]
    found = re.search(r"<([^<>\s]+)>", list_id)
    ident = (found.group(1) if found else list_id.strip()).lower()
    if "." in ident:
        local, domain = ident.split(".", 1)
        out.append(f"{local}@{domain}")
    return tuple(dict.fromkeys(out))


def _message_id(msg: Message) -> str:
    """'<id@host>'; an id some client wrote without its angle brackets gets them."""
    text = _text(msg, "Message-ID")
    found = _MESSAGE_ID.search(text)
    if found:
        return found.group(0)
    bare = text.strip().strip("<>").split()
    return f"<{bare[0]}>" if bare and "@" in bare[0] and "<" not in bare[0] and ">" not in bare[0] else ""


def _synthetic_id(headers: bytes) -> str:
    """A Message-ID for a message without one: from its header lines alone (not its UID), so the
    same message gets the same one after a UIDVALIDITY change."""
    return f"<noid.{hashlib.sha256(headers).hexdigest()[:24]}@sheets-sync>"


def _replies_to(msg: Message) -> tuple[str, ...]:
    """In-Reply-To, then References newest first: the Message-IDs this message answers."""
    found = _MESSAGE_ID.findall(_text(msg, "In-Reply-To"))
    found += reversed(_MESSAGE_ID.findall(_text(msg, "References")))
    return tuple(dict.fromkeys(found))


def _date(msg: Message) -> dt.datetime | None:
    try:
        value = email.utils.parsedate_to_datetime(_text(msg, "Date"))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return _aware(value)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return (
        value if value.tzinfo is not None and value.utcoffset() is not None else value.replace(tzinfo=dt.UTC)
    )
