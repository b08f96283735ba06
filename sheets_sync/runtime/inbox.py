"""The cycle's inbox phases (SPEC 4a): open the team mailbox, take in what is new, read back what
the ledger remembers.

One IMAP session a cycle. It is opened first (`open_inbox`: log in and EXAMINE), so that the cycle
knows whether anything arrived before it decides to skip an unchanged workbook; an unchanged
mailbox costs that and LOGOUT. New messages are read after the sheet (`take_in`): their headers
first, in batches; the pure core says which matter (rules.inbox.needs_body); only those are
downloaded, classified and matched; then everything read is recorded in the ledger with the
mailbox's new cursor, in one transaction.

An inbox that cannot be read is never the cycle's failure: the sheet is written and the emails go
as usual, the fault is logged and reported (`health` turns unhealthy after a few in a row), and the
next cycle tries again from where the ledger says.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from sheets_sync.config import Config
from sheets_sync.errors import InboxError, LedgerError
from sheets_sync.inbox.classify import classify
from sheets_sync.inbox.imap import Mailbox, open_mailbox
from sheets_sync.inbox.parse import HEADER_FIELDS, envelope_of
from sheets_sync.mail.ledger import Ledger
from sheets_sync.model import Book, Envelope, Outcome, Received
from sheets_sync.rules.inbox import address_book, ignored, needs_body, received_from

log = logging.getLogger(__name__)


@dataclass
class Inbox:
    """The cycle's session with the team mailbox; `mailbox` None: no inbox, or it failed (`fault`)."""

    mailbox: Mailbox | None = None
    fault: str = ""  # why the inbox could not be read this cycle ('' when it could, or there is none)
    taken: int = 0  # messages read this cycle (each once, ever)

    @property
    def left_unread(self) -> bool:
        """The mailbox was open but its new messages could not be read: the next poll must not skip.
        (A mailbox that could not even be opened shows no new mail: the next poll tries it again.)"""
        return bool(self.fault) and self.mailbox is not None

    @property
    def mark(self) -> Hashable:
        """What changes when mail arrives (UIDVALIDITY, UIDNEXT): part of the moment a cycle skips on."""
        if self.mailbox is None:
            return None
        state = self.mailbox.state
        return (state.uidvalidity, state.uidnext)


def mailbox_name(config: Config) -> str:
    """The ledger's name for the mailbox: another server, login or folder is read afresh."""
    inbox = config.inbox
    return f"{inbox.host.lower()}:{inbox.port}/{inbox.username}/{inbox.folder}"


@contextmanager
def open_inbox(config: Config, ledger: Ledger | None) -> Iterator[Inbox]:
    """The team mailbox, logged in and examined (read-only), for the rest of the cycle. Nothing without
    an inbox or a ledger (the ledger is what makes every message count once)."""
    if not config.inbox.enabled or ledger is None:
        yield Inbox()
        return
    try:
        mailbox = open_mailbox(config.inbox)
    except InboxError as exc:
        log.warning("team inbox: %s", exc)
        yield Inbox(fault=str(exc))
        return
    except Exception as exc:  # a bug or a reply no one foresaw: never the cycle's failure
        yield Inbox(fault=_unexpected(exc))
        return
    inbox = Inbox(mailbox)
    try:
        yield inbox
    finally:
        try:
            mailbox.close()
        except InboxError as exc:  # the session's work is done and recorded: only the goodbye failed
            log.info("team inbox: %s", exc)


def take_in(inbox: Inbox, book: Book, ledger: Ledger | None, config: Config, now: dt.datetime) -> None:
    """Read the messages that arrived since the ledger's cursor, and record them; `inbox` notes how
    many, or the fault (nothing is recorded then: the next cycle reads the same messages)."""
    if inbox.mailbox is None or ledger is None:
        return
    try:
        inbox.taken = _take_in(inbox.mailbox, book, ledger, config, now)
    except (InboxError, LedgerError) as exc:
        log.warning("team inbox: %s", exc)
        inbox.fault = str(exc)
    except Exception as exc:  # nothing was recorded: the same messages are read again next cycle
        inbox.fault = _unexpected(exc)


def _unexpected(exc: Exception) -> str:
    """The paragraph for a fault no one foresaw. It names the error's type and where it was raised,
    not its text: that may quote what the server sent, and so what the login sent it."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    text = (
        f"The team inbox could not be read: an unexpected {type(exc).__name__}{where}. It holds up "
        "neither the sheet nor the emails; the inbox is read again next cycle. If this repeats, "
        "report it with this line (health turns unhealthy after 3 failed polls)."
    )
    log.warning("team inbox: %s", text)
    return text


def _take_in(mailbox: Mailbox, book: Book, ledger: Ledger, config: Config, now: dt.datetime) -> int:
    state, name = mailbox.state, mailbox_name(config)
    cursor = ledger.mailbox_cursor(name)
    # A mailbox re-created (another UIDVALIDITY) is read from its start; Message-IDs keep it once
    after = cursor[1] if cursor is not None and cursor[0] == state.uidvalidity else 0
    if state.exists == 0 or state.uidnext <= after + 1:
        return 0
    headers = mailbox.headers(after, HEADER_FIELDS)
    envelopes = _unseen([envelope_of(uid, raw, internal) for uid, raw, internal in headers], ledger)
    people = address_book(book, config, ledger.sent_message_ids() if envelopes else {})
    wanted = [e for e in envelopes if needs_body(e, people)]
    bodies = mailbox.bodies(e.uid for e in wanted) if wanted else {}
    zone = config.zone
    received: list[Received] = []
    for e in envelopes:
        body = bodies.get(e.uid)
        if body is None:
            received.append(ignored(e, zone, now))
        else:
            received.extend(received_from(classify(e, body), people, zone, now))
    # read up to the session's UIDNEXT: a message deleted at the end leaves no gap to read again
    ledger.record_received(name, state.uidvalidity, state.uidnext - 1, received, now)
    kept = sum(1 for r in received if r.outcome is not Outcome.IGNORED)
    log.info(
        "team inbox: %d new messages, %d downloaded, %d logged or noted", len(envelopes), len(bodies), kept
    )
    return len(envelopes)


def _unseen(envelopes: list[Envelope], ledger: Ledger) -> list[Envelope]:
    """Those not processed before (by Message-ID), each once (a copy in the same folder is the same)."""
    known = ledger.known_messages(e.message_id for e in envelopes)
    out: dict[str, Envelope] = {}
    for e in envelopes:
        if e.message_id not in known:
            out.setdefault(e.message_id, e)
    return list(out.values())


def recalled(ledger: Ledger | None, config: Config) -> tuple[Received, ...]:
    """What the ledger remembers of the inbox, in the team's time zone (nothing without an inbox)."""
    if ledger is None or not config.inbox.enabled:
        return ()
    zone = config.zone
    return tuple(
        replace(r, at=r.at.astimezone(zone), seen=r.seen.astimezone(zone) if r.seen else None)
        for r in ledger.received()
    )
