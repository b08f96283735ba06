"""`deliver`: which rendered messages go out this cycle, in which order, each exactly once.

The rules, in the order they apply to each message (sorted by kind: follow-ups, sales kits,
greetings, newsletters, digests; stable within a kind):

1. Sent before (the ledger says so) -> `already_sent`; nothing goes out, whatever the sheet says.
2. Refused for good (5xx) earlier the same local day, to the same recipients -> `failed` again
   with the same reason, without asking the server: an address the team has not fixed yet is not
   retried every poll. Fixing the address (other recipients) or the next day retries it.
3. Stopping and caps. Once the worker's stop event is set, no further message starts: it and
   every one after it is `deferred` (the one on the wire when the signal came finishes and is
   recorded as usual). `max_per_day` counts the ledger's sends since local midnight of `now`
   (its date and time zone). `max_per_minute` counts sends in the 60 s before each send: when
   the window is full and a slot frees within MAX_PACING_WAIT seconds, `deliver` waits for it (a
   stop ends the wait); otherwise the message and every one after it is `deferred` to the next
   cycle (a cycle never sleeps for a minute). Later messages never jump ahead of a deferred one.
   Every deferred message is recorded in the ledger (`Ledger.defer`), whatever deferred it: a
   greeting is planned on its day only, and this record is what lets the next days still send it.
4. Send. The ledger row is committed as `pending` before the SMTP transaction and as `sent` right
   after the server accepted. A `pending` row (a crash in between) is sent again with the
   Message-ID it was first recorded with: the only repeat there can be.
   - A permanent refusal (5xx) -> `failed`; the other messages still go.
   - A transient failure (4xx, a timeout, the connection lost after a reconnect) defers that
     message only: it is usually about that message (greylisting, a full mailbox). After
     TRANSIENT_STREAK of them in a row the server is taken to be deferring everything, and the
     rest of the cycle is deferred so it is not hammered.
   - A transient SessionError (the server cannot be reached) defers everything left; a permanent
     one (the login refused, TLS misconfigured) propagates: the cycle fails, what was sent so far
     is in the ledger and is logged into the sheet by a later cycle (`Ledger.unlogged`).
5. The ledger fails closed. Before each message `Ledger.check_room` makes sure the ledger can take
   its records (writable, free space on its disk); when it cannot, or any record fails, nothing
   more is sent this cycle (`ledger_fault` says why). A message the server accepted whose `sent`
   record then failed is kept in the ledger's memory, so it is never sent again by this process.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sheets_sync.config import MailConfig
from sheets_sync.errors import DeliveryError, LedgerError
from sheets_sync.i18n import words
from sheets_sync.mail import SessionError, Transport
from sheets_sync.mail.ledger import Ledger, LedgerEntry, SendStatus
from sheets_sync.model import MessageKind

if TYPE_CHECKING:
    from sheets_sync.mail.compose.render import Message

log = logging.getLogger(__name__)

PRIORITY = {kind: rank for rank, kind in enumerate(MessageKind)}  # MessageKind is declared in sending order
MINUTE = dt.timedelta(seconds=60)
MAX_PACING_WAIT = 5.0  # seconds a cycle may wait for a max_per_minute slot before deferring the rest
TRANSIENT_STREAK = 3  # transient failures in a row after which the rest of the cycle is deferred
STOPPING = "the worker is stopping"


@dataclass
class DeliveryReport:
    sent: list[tuple[Message, dict[str, str]]] = field(default_factory=list)  # (message, refused recipients)
    already_sent: list[Message] = field(default_factory=list)
    deferred: list[tuple[Message, str]] = field(default_factory=list)  # (message, why), sent next cycle
    failed: list[tuple[Message, str]] = field(default_factory=list)  # (message, why), refused for good
    failed_recipients: dict[str, str] = field(default_factory=dict)  # of failed messages: address -> reply
    unreachable: str = ""  # why the mail server could not be reached (the rest was deferred)
    not_made: list[tuple[str, str]] = field(default_factory=list)  # (which, why): a template error stopped it
    ledger_fault: str = ""  # why sending stopped: the ledger could not record it (read-only, disk full)
    server_deferred: int = 0  # messages the mail server put off (4xx, out of reach), not the caps

    @property
    def is_stalled(self) -> bool:
        """Messages were due, none went out, and the mail server (not a cap) put them off."""
        return not self.sent and self.server_deferred > 0

    @property
    def refused(self) -> dict[str, str]:
        """Every recipient refused at RCPT (5xx), of sent and failed messages alike: address -> reply."""
        out = dict(self.failed_recipients)
        for _, refused in self.sent:
            out.update(refused)
        return out

    def merge(self, later: DeliveryReport) -> None:
        """Add a later delivery of the same cycle (the digests, sent after the other messages)."""
        self.sent += later.sent
        self.already_sent += later.already_sent
        self.deferred += later.deferred
        self.failed += later.failed
        self.failed_recipients.update(later.failed_recipients)
        self.unreachable = self.unreachable or later.unreachable
        self.not_made += later.not_made
        self.ledger_fault = self.ledger_fault or later.ledger_fault
        self.server_deferred += later.server_deferred

    def summary(self, language: str = "en") -> str:
        """E.g. "12 sent, 3 deferred (max_per_minute reached), 1 failed", in `language`."""
        w = words(language)
        parts = [w.text("delivery.sent", count=len(self.sent))]
        if self.already_sent:
            parts.append(w.text("delivery.already_sent", count=len(self.already_sent)))
        if self.deferred:
            reasons = "; ".join(sorted({why for _, why in self.deferred}))
            parts.append(w.text("delivery.deferred", count=len(self.deferred), why=reasons))
        if self.failed:
            parts.append(w.text("delivery.failed", count=len(self.failed)))
        if self.not_made:
            parts.append(w.text("delivery.not_made", count=len(self.not_made)))
        return ", ".join(parts)


def deliver(
    messages: Sequence[Message],
    transport: Transport,
    ledger: Ledger,
    config: MailConfig,
    now: dt.datetime,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] | None = None,
    stop: threading.Event | None = None,
) -> DeliveryReport:
    """Send what is due through `transport`, once each; see the module docstring for the rules.

    `now` is the cycle's aware datetime in the team's time zone; send times are `now` plus the
    `clock` seconds elapsed since the call began (so tests can run on a fake clock). `stop` is the
    worker's stop event; pacing waits with `sleep` (seconds), by default `stop.wait`.
    """
    if now.tzinfo is None:
        raise ValueError("deliver needs an aware `now` (the team's local time)")
    stop = stop if stop is not None else threading.Event()
    sleep = sleep if sleep is not None else stop.wait
    report = DeliveryReport()
    started = clock()

    def moment() -> dt.datetime:
        return now + dt.timedelta(seconds=clock() - started)

    midnight = dt.datetime.combine(now.date(), dt.time(0), tzinfo=now.tzinfo)
    sent_today = ledger.sent_since(midnight)
    window = deque(ledger.send_times(now - MINUTE))  # the sends that count against max_per_minute
    hold = ""  # once set, why every remaining message is deferred
    streak = 0

    for message in sorted(messages, key=lambda m: PRIORITY[MessageKind(m.kind)]):
        entry = ledger.lookup(message.key)
        if entry is not None and entry.status is SendStatus.SENT:
            report.already_sent.append(message)
            continue
        if entry is not None and _is_refused_today(entry, message, now):
            report.failed.append((message, entry.reason))
            report.failed_recipients.update(entry.refused)
            continue
        if not hold and stop.is_set():
            hold = STOPPING
        if not hold and sent_today >= config.max_per_day:
            hold = f"max_per_day reached ({config.max_per_day} sent today)"
        if not hold:
            hold = _wait_for_slot(window, config.max_per_minute, moment, sleep, stop)
        if not hold:
            hold = report.ledger_fault = ledger_refusal(ledger)
        if hold:
            report.deferred.append((message, hold))
            continue

        email = message.email
        if entry is not None and entry.status is SendStatus.PENDING:
            log.info("sending %s again: an earlier attempt did not finish", message.key)
            if entry.message_id != message.message_id:
                email = _with_message_id(email, entry.message_id)
        try:
            ledger.begin(message, moment())
        except LedgerError as exc:
            hold = report.ledger_fault = str(exc)
            report.deferred.append((message, hold))
            continue
        try:
            refused = transport.send(email)
        except SessionError as exc:
            if exc.permanent:
                raise
            hold = report.unreachable = str(exc)
            log.warning("deferring the rest of the cycle: %s", exc)
            report.deferred.append((message, hold))
            report.server_deferred += 1
            continue
        except DeliveryError as exc:
            if exc.permanent:
                refused_all = getattr(exc, "refused", {})
                report.failed.append((message, str(exc)))
                report.failed_recipients.update(refused_all)
                log.warning("%s not sent: %s", message.key, exc)
                streak = 0
                try:
                    ledger.fail(message, moment(), str(exc), refused_all)
                except LedgerError as fault:
                    hold = report.ledger_fault = str(fault)
                continue
            streak += 1
            report.deferred.append((message, str(exc)))
            report.server_deferred += 1
            log.info("%s deferred to the next cycle: %s", message.key, exc)
            if streak >= TRANSIENT_STREAK:
                hold = f"the mail server deferred {streak} messages in a row ({exc})"
            continue
        when = moment()
        report.sent.append((message, refused))
        try:
            ledger.finish(message, when, refused)
        except LedgerError as exc:  # accepted, not recorded: kept in the ledger's memory; stop here
            log.error("%s was accepted by the mail server but could not be recorded: %s", message.key, exc)
            hold = report.ledger_fault = str(exc)
        streak = 0
        sent_today += 1
        window.append(when)
    try:
        ledger.defer(report.deferred, now)
    except LedgerError as exc:
        report.ledger_fault = report.ledger_fault or str(exc)
    return report


def ledger_refusal(ledger: Ledger) -> str:
    """'' when the ledger can record the next send, else why not (and nothing more is sent; the
    cycle's caller reports it as the cycle's failure)."""
    try:
        ledger.check_room()
    except LedgerError as exc:
        return str(exc)
    return ""


def _wait_for_slot(
    window: deque[dt.datetime],
    limit: int,
    moment: Callable[[], dt.datetime],
    sleep: Callable[[float], object],
    stop: threading.Event,
) -> str:
    """ "" when a send fits under max_per_minute now (after a short wait at most), else why not."""
    while not stop.is_set():
        current = moment()
        while window and window[0] <= current - MINUTE:
            window.popleft()
        if len(window) < limit:
            return ""
        wait = (window[0] + MINUTE - current).total_seconds()
        if wait > MAX_PACING_WAIT:
            return f"max_per_minute reached ({limit} sent in the last minute)"
        sleep(wait)
    return STOPPING


def _is_refused_today(entry: LedgerEntry, message: Message, now: dt.datetime) -> bool:
    return (
        entry.status is SendStatus.FAILED
        and entry.sent_at is not None
        and entry.sent_at.astimezone(now.tzinfo).date() == now.date()
        and set(entry.recipients) == set(message.recipients)
    )


def _with_message_id(email: EmailMessage, message_id: str) -> EmailMessage:
    """A copy carrying the Message-ID a crashed attempt used, so a repeat is recognisable as one."""
    clone = copy.deepcopy(email)
    del clone["Message-ID"]
    clone["Message-ID"] = message_id
    return clone
