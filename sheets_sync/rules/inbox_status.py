"""Email status cells read back (SPEC 2, 4 and 4a): the bounce or unsubscribe a cell records, so
that `rebuild-ledger` can give a lost ledger back what the sheet shows.

Every cycle with an inbox rewrites Email status from the ledger's record of the inbox alone
(rules.inbox.email_statuses). A ledger rebuilt from the sheet after the bounce or the unsubscribe
has left the mailbox would blank the cell, and the next newsletter would go to an address that
asked for none. So the rebuild reads each status cell with the catalogue's own entries
(`email_status.*`, in every language the catalogue has) and records a synthetic message that makes
email_statuses write the same text back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from string import Formatter
from zoneinfo import ZoneInfo

from sheets_sync.i18n import CATALOGUE, LANGUAGES, Words, words
from sheets_sync.model import Book, Outcome, Received
from sheets_sync.sheet.cells import BadCell
from sheets_sync.sheet.dates import parse_date

# The entries email_statuses writes, and what each records
_ENTRIES = (
    ("email_status.bounced", Outcome.BOUNCE),
    ("email_status.bounced_no_reason", Outcome.BOUNCE),
    ("email_status.unsubscribed", Outcome.UNSUBSCRIBE),
)
_DATE_MAX = 40  # characters: no record date is longer; a longer one is not parsed at all
_NOON = dt.time(12)  # a recovered message's time of day: the same local date however it is stored


@dataclass(frozen=True)
class EmailStatus:
    """What one Email status cell records."""

    outcome: Outcome  # BOUNCE or UNSUBSCRIBE
    on: dt.date  # the local date the cell names
    reason: str = ""  # a bounce's reason ('' when the cell gives none)


@dataclass(frozen=True)
class NotUnderstood:
    """A status cell that is no text the worker writes (typed over, from another version)."""

    row: int  # the Contacts row
    address: str
    text: str


@dataclass(frozen=True)
class Recovered:
    """What the Email status cells give back to a rebuilt ledger."""

    received: tuple[Received, ...] = ()
    not_understood: tuple[NotUnderstood, ...] = ()

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.received if r.outcome is outcome)


def read_email_status(text: str) -> EmailStatus | None:
    """The status a cell shows, in any language of the catalogue; None when the text is not one that
    email_statuses writes. A date counts only when it is written exactly as that language writes
    record dates (so that the text it gives back is the same)."""
    for language in LANGUAGES:
        w = words(language)
        for pattern, outcome in _patterns(language):
            match = pattern.fullmatch(text)
            if match is None:
                continue
            on = _record_date(match.group("date"), w)
            if on is not None:
                reason = match.group("reason") if "reason" in pattern.groupindex else ""
                return EmailStatus(outcome, on, reason)
    return None


def recover_email_statuses(book: Book, known: Collection[str], zone: ZoneInfo, today: dt.date) -> Recovered:
    """One synthetic Received for each contact address whose Email status cell is filled and that
    `known` (lower-case addresses the ledger already has a bounce or unsubscribe for) does not
    name; the first contact of an address decides, as every cycle's matching does.

    A cell that cannot be read is kept as a bounce whose reason is the whole cell, dated `today`,
    and reported: blanking it would mail an address the sheet says not to mail (the ledger fails
    closed), and its words stay visible in the cell the next cycle writes."""
    partner_ids = {p.row: p.id for p in book.partners}
    done = {a.strip().lower() for a in known}
    received: list[Received] = []
    lost: list[NotUnderstood] = []
    for c in book.contacts:
        address, cell = c.email.strip().lower(), c.email_status
        if not cell or "@" not in address or address in done:
            continue
        done.add(address)
        status = read_email_status(cell)
        if status is None:
            lost.append(NotUnderstood(c.row, address, cell))
            status = EmailStatus(Outcome.BOUNCE, today, cell)
        received.append(
            Received(
                message_id=rebuilt_message_id(address, cell),
                outcome=status.outcome,
                at=dt.datetime.combine(status.on, _NOON, zone),
                # seen then, not at the rebuild: a digest already listed it (or would have)
                seen=dt.datetime.combine(status.on, _NOON, zone),
                partner_id=partner_ids.get(c.partner_row, "") if c.partner_row is not None else "",
                address=address,
                reason=status.reason,
            )
        )
    return Recovered(tuple(received), tuple(lost))


def rebuilt_message_id(address: str, cell: str) -> str:
    """The Message-ID of a status recovered from the sheet: the same for the same address and cell
    (a second rebuild adds nothing), and of the worker's own domain with a prefix no message it
    reads is given (real ones are the sender's; '<noid.…@sheets-sync>' is parse's)."""
    digest = hashlib.sha256(f"{address}\0{cell}".encode()).hexdigest()[:32]
    return f"<rebuilt-email-status.{digest}@sheets-sync>"


@cache
def _patterns(language: str) -> tuple[tuple[re.Pattern[str], Outcome], ...]:
    """Each entry's text in `language` as a regular expression: its words literal, `{date}` a short
    run of characters (checked afterwards), `{reason}` the rest of the cell, never empty (an empty
    reason is written as the entry without one)."""
    out = []
    for key, outcome in _ENTRIES:
        entry = CATALOGUE[key][language]
        if not isinstance(entry, str):
            raise TypeError(f"{key}: an Email status has no plural forms")
        parts = []
        for literal, name, _, _ in Formatter().parse(entry):
            parts.append(re.escape(literal))
            if name == "date":
                parts.append(f"(?P<date>.{{1,{_DATE_MAX}}}?)")
            elif name == "reason":
                parts.append("(?P<reason>.+)")
            elif name is not None:
                raise ValueError(
                    f"{key}: an Email status names {{{name}}}, which it cannot be read back from"
                )
        out.append((re.compile("".join(parts), re.DOTALL), outcome))
    return tuple(out)


def _record_date(text: str, w: Words) -> dt.date | None:
    """The date `text` is when `w` writes it exactly so (Words.record_date), else None."""
    for order in ("DMY", "MDY"):
        try:
            day = parse_date(text, order)
        except (BadCell, ValueError, OverflowError):
            continue
        if day is not None and w.record_date(day) == text:
            return day
    return None
