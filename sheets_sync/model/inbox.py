"""What came into the team inbox: a message's headers, the message as classified, and what the
worker made of it (SPEC 4a).

One inbound message is one chain of types, as an email sent is: `Envelope` (inbox.parse: the
headers, all the first fetch reads) -> `Incoming` (inbox.classify: the whole message read once it
matters, and what kind of message it is) -> `Received` (rules.inbox: matched against the sheet, as
the ledger keeps it and every later cycle reads it back).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Bounced",
    "Envelope",
    "Incoming",
    "IncomingKind",
    "Outcome",
    "Received",
    "contact_token",
    "unsubscribe_token",
]
_TOKEN = re.compile(r"\bunsubscribe\s+([0-9a-f]{16})\b", re.IGNORECASE)


class IncomingKind(StrEnum):
    """What a message is, whoever sent it."""

    EMAIL = "email"  # written by a person: a reply, a new email, a manager's email with the inbox in Cc
    BOUNCE = "bounce"  # a delivery failure report (RFC 3464 or another server's own shape)
    AUTO_REPLY = "auto-reply"  # out of office, vacation, an autoresponder (RFC 3834 and the usual signs)
    UNSUBSCRIBE = "unsubscribe"  # sent to the List-Unsubscribe mailto: of a newsletter or greeting


@dataclass(frozen=True)
class Envelope:
    """One message's headers, as the first fetch reads them (no body)."""

    uid: int
    message_id: str  # '<id@host>' as in the header; none: '<noid.HASH@sheets-sync>' (of its headers, no UID)
    sender: str  # the From address, lower-case ('' when there is none)
    sender_name: str = ""  # the From display name ('' when none)
    to: tuple[str, ...] = ()  # lower-case addresses
    cc: tuple[str, ...] = ()
    subject: str = ""  # decoded, whitespace collapsed, cut to a sane length
    date: dt.datetime | None = None  # aware (the Date header; else the server's INTERNALDATE)
    replies_to: tuple[str, ...] = ()  # In-Reply-To, then References, newest first: '<id@host>' each
    automatic: bool = False  # the headers alone say it is an automatic message (RFC 3834, X-Autoreply, ...)
    maybe_bounce: bool = False  # the headers say it may be a bounce (a mailer-daemon, multipart/report)
    own: bool = False  # the worker's own message (X-Sheets-Sync-Kind): never a partner's email
    unsubscribe: bool = False  # its subject asks to unsubscribe (sent to the List-Unsubscribe mailto:)
    bulk: bool = False  # list or bulk mail (List-Id, List-Unsubscribe, Precedence: list or bulk)
    lists: tuple[str, ...] = ()  # the addresses of the list it came through (List-Post, List-Id)


@dataclass(frozen=True)
class Bounced:
    """One address a bounce reports, and why ('550 5.1.1 user unknown'; '' when it does not say)."""

    address: str  # lower-case
    reason: str = ""


@dataclass(frozen=True)
class Incoming:
    """A message read whole and classified."""

    envelope: Envelope
    kind: IncomingKind
    text: str = ""  # the new text: no quoted part, no signature, whitespace collapsed, cut short
    bounced: tuple[Bounced, ...] = ()  # for a bounce: the addresses that failed for good
    returns_on: dt.date | None = None  # an out-of-office's return date, when it states one


class Outcome(StrEnum):
    """What the worker made of one message (the ledger keeps it)."""

    RESPONSE = "response"  # a partner's email: logged, Direction in
    TOUCH = "touch"  # a manager's email to a partner with the inbox in Cc or Bcc: logged, Direction out
    BOUNCE = "bounce"  # sets the contact's Email status to bounced
    UNSUBSCRIBE = "unsubscribe"  # sets the contact's Email status to unsubscribed
    NEW_PERSON = "new-person"  # someone at a partner's domain not in Contacts: in the digest, not logged
    AWAY = "away"  # a contact's out-of-office that says when they are back: in the digest, not logged
    IGNORED = "ignored"  # unknown sender, automatic reply, the worker's own message: remembered only


@dataclass(frozen=True)
class Received:
    """One processed message as the ledger keeps it, in the team's time zone."""

    message_id: str
    outcome: Outcome
    at: dt.datetime  # when the message was written (its Date), the team's local time
    partner_id: str = ""  # the Partners row's ID ('' for an ignored message)
    address: str = ""  # the contact's address: the sender, the recipient, the bounced or unsubscribed one
    name: str = ""  # the sender's display name (for a new person)
    subject: str = ""
    summary: str = ""  # the subject and the first lines of the new text (logged rows)
    reason: str = ""  # a bounce's reason
    new_person: bool = False  # a partner's sender who is not in Contacts yet
    logged: bool = False  # its Activities row is in the sheet
    seen: dt.datetime | None = None  # when the worker took it in (None until the ledger has it)
    returns_on: dt.date | None = None  # an out-of-office's return date (AWAY)


def contact_token(contact_id: str, address: str) -> str:
    """The token a newsletter's or greeting's List-Unsubscribe mailto: carries: it names the contact
    (its row ID and address), so an unsubscribe from any sender address finds it. 16 hex digits."""
    return hashlib.sha256(f"{contact_id}\0{address.strip().lower()}".encode()).hexdigest()[:16]


def unsubscribe_token(subject: str) -> str:
    """The token an unsubscribe's subject carries ('unsubscribe 3f9a0c2e71b44d15'), '' when none."""
    found = _TOKEN.search(subject)
    return found.group(1).lower() if found else ""
