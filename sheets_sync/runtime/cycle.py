"""One cycle of the worker, as the pipeline of its phases:

    read -> recall -> plan -> deliver -> record -> write back

Each phase is a function that takes the values of the phases before it and returns one typed
value. The pure core (`rules/`, `sheet/`) decides everything; the phases only read, send and write
around it. Every send in the ledger is read once a cycle, by `recall`; `deliver` looks up only
the keys it sent, and `record` reads only the sends not yet logged, the refusals and the digest
dates. `preview`, `check` and `rebuild-ledger` run the first phases of the same pipeline.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field

from sheets_sync.config import Config
from sheets_sync.errors import LedgerError, LockedError, SourceError
from sheets_sync.i18n import words
from sheets_sync.mail.delivery import DeliveryReport, ledger_refusal
from sheets_sync.mail.ledger import Ledger
from sheets_sync.model import Book, Changes, Plan, Problem, Received
from sheets_sync.rules.dashboard import dashboard_rows
from sheets_sync.rules.inbox import inbox_rows
from sheets_sync.rules.inbox import take_in as with_inbox
from sheets_sync.rules.planner import fold_sends, with_sheet_notice
from sheets_sync.rules.planner import plan as make_plan
from sheets_sync.runtime.health import sheet_notice
from sheets_sync.runtime.inbox import Inbox, open_inbox, recalled, take_in
from sheets_sync.runtime.recall import (
    SheetRecords,
    adopt_recalled,
    confirm_fresh_start,
    digest_days,
    sheet_records,
)
from sheets_sync.runtime.sending import (
    Mailer,
    Notes,
    deferred_greetings,
    digests_delivered,
    failed_sends,
    is_digest_due,
    refusal_notes,
    send_digests,
    send_planned,
    sends_of,
    sent_so_far,
    unlogged_sends,
)
from sheets_sync.sheet import workbook
from sheets_sync.sheet.changes import build_changes
from sheets_sync.sheet.records import Sent, log_rows, note_reminders, remember
from sheets_sync.sources import Snapshot, Source

log = logging.getLogger(__name__)


# --- the values passed from phase to phase ---------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """`read`: the workbook as read, parsed, with what it records of the worker's sends."""

    snapshot: Snapshot
    sheet: workbook.ReadBook
    records: SheetRecords


@dataclass(frozen=True)
class Memory:
    """`recall`: what the ledger remembers at one moment (nothing without a ledger)."""

    sent: tuple[Sent, ...] = ()
    deferred: dict[str, dt.date] = field(default_factory=dict)  # greeting key -> the day first put off
    received: tuple[Received, ...] = ()  # what the team inbox brought (SPEC 4a), oldest first


@dataclass(frozen=True)
class Planned:
    """`plan`: the Book as the ledger brings it up to date, and what the practice calls for."""

    book: Book
    plan: Plan


@dataclass(frozen=True)
class Delivered:
    """`deliver`: what went out, and the plan as those sends left it."""

    planned: Planned
    report: DeliveryReport | None = None  # None: nothing was to be sent (no mailer, a dry run)
    notes: Notes = field(default_factory=dict)  # a message that could not be made, on its row
    sent: tuple[Sent, ...] = ()  # the ledger's record of this cycle's sends (digests aside) and adoptions


@dataclass(frozen=True)
class Recorded:
    """`record`: the cells the cycle writes back, and the sends its log rows record."""

    changes: Changes
    unlogged: tuple[Sent, ...] = ()
    unlogged_received: tuple[str, ...] = ()  # Message-IDs of the inbox's messages its log rows record


@dataclass(frozen=True)
class Written:
    """`write_back`: whether the sheet took the changes; `fingerprint` None means try again."""

    fingerprint: Hashable | None
    written: bool = False
    not_written: str = ""  # why a write was put off (lock file, concurrent edit) or refused
    locked_by: str = ""  # who has the workbook open, when a lock file put the write off
    write_failed: str = ""  # why the workbook cannot be written safely (permanent: fix the file)


# --- the phases --------------------------------------------------------------------------------


def read(source: Source, config: Config) -> Reading:
    snapshot = source.read(workbook.tab_names(config))
    sheet = workbook.read_book(snapshot, config)
    return Reading(snapshot, sheet, sheet_records(sheet))


def recall(ledger: Ledger | None, config: Config) -> Memory:
    if ledger is None:
        return Memory()
    zone = config.zone
    return Memory(
        tuple(sent_so_far(ledger, zone)), deferred_greetings(ledger, zone), recalled(ledger, config)
    )


def plan(reading: Reading, memory: Memory, config: Config, today: dt.date) -> Planned:
    w = words(config.language, today)
    book = remember(reading.sheet.book, memory.sent, w)
    if config.inbox.enabled:
        book = with_inbox(book, memory.received, w)
    return Planned(book, make_plan(book, config, today, deferred=memory.deferred, inbox=memory.received))


def deliver(
    planned: Planned, reading: Reading, memory: Memory, mailer: Mailer, config: Config, now: dt.datetime
) -> Delivered:
    """Every planned message once, then the digests, in one mail session.

    The sheet's own record of sends is adopted first (an old ledger restored sends nothing twice).
    What went out changes what the plan says (a follow-up no longer to send, a kit sent): the pure
    core folds those sends into the plan, and the digests and the sheet get that plan.
    """
    adopted = adopt_recalled(mailer.ledger, reading.records, planned.plan, config)
    refusal = ledger_refusal(mailer.ledger)
    if refusal:  # the ledger cannot record a send: no mail session at all this cycle
        return Delivered(planned, DeliveryReport(ledger_fault=refusal))
    with mailer.transport() as transport:
        report, notes = send_planned(planned.plan, mailer, transport, config, now)
        keys = [e.key for e in adopted] + [m.key for m, _ in report.sent]
        new = tuple(sends_of(mailer.ledger, keys, config.zone))
        if report.sent:
            folded = fold_sends(
                planned.plan, planned.book, new, config, deferred=memory.deferred, inbox=memory.received
            )
            planned = Planned(*folded)
        notice = sheet_notice(config, now)
        digest_plan = with_sheet_notice(planned.plan, *notice) if notice else planned.plan
        send_digests(digest_plan, mailer, transport, config, now, report)
    w = words(config.language, planned.plan.today)
    book = note_reminders(planned.book, planned.plan, digests_delivered(report, now), w)
    return Delivered(Planned(book, planned.plan), report, notes, new)


def record(
    reading: Reading, memory: Memory, delivered: Delivered, ledger: Ledger | None, config: Config
) -> Recorded:
    """The cells the worker owns as this cycle leaves them: from the plan, the sends (what `recall`
    read and what `deliver` sent), the ledger's unlogged sends and refusals, and the Dashboard."""
    book, plan_ = delivered.planned.book, delivered.planned.plan
    notes = {where: list(extra) for where, extra in delivered.notes.items()}
    unlogged: tuple[Sent, ...] = ()
    digests = None
    if ledger is not None:
        unlogged = tuple(unlogged_sends(ledger, config.zone))
        outcomes = [*memory.sent, *delivered.sent, *failed_sends(ledger, config.zone)]
        for where, extra in refusal_notes(book, outcomes, words(config.language, plan_.today)).items():
            notes.setdefault(where, []).extend(extra)
        digests = digest_days(ledger, reading.records, config)
    w = words(config.language, plan_.today)
    received = [r for r in memory.received if not r.logged]
    changes = build_changes(
        reading.sheet,
        plan_,
        dashboard_rows(book, plan_, config, digests),
        config,
        book=book,
        appends=[*log_rows(book, unlogged, w), *inbox_rows(book, received, w)],
        notes=notes,
    )
    return Recorded(changes, unlogged, tuple(dict.fromkeys(r.message_id for r in received)))


def write_back(
    source: Source, reading: Reading, recorded: Recorded, ledger: Ledger | None, fingerprint: Hashable
) -> Written:
    """Write the changes (none: nothing to do), then mark the sends their log rows record."""
    written = Written(fingerprint)
    if not recorded.changes.is_empty():
        try:
            written = Written(source.write(reading.snapshot, recorded.changes), written=True)
        except SourceError as exc:
            # The emails went out and the ledger has them; only the sheet waits. A lock or a
            # concurrent edit is retried next cycle; a workbook that cannot be edited safely fails
            # the cycle (exit 1, unhealthy) until the team fixes it, and its log rows wait too.
            written = Written(
                None,
                not_written=str(exc),
                locked_by=exc.holder if isinstance(exc, LockedError) else "",
                write_failed="" if exc.transient else str(exc),
            )
    if ledger is not None and (written.written or recorded.changes.is_empty()):
        # Each log row is in the sheet: just written, or found there (by its ID) from a write that
        # landed although it seemed to fail, which build_changes and the source then leave out.
        try:
            if recorded.unlogged:
                ledger.mark_logged(s.key for s in recorded.unlogged)
            if recorded.unlogged_received:
                ledger.mark_received_logged(recorded.unlogged_received)
        except LedgerError as exc:  # harmless: the rows' IDs keep them from being appended twice
            log.warning("%s", exc)
    return written


# --- the cycle ---------------------------------------------------------------------------------


@dataclass
class CycleReport:
    today: dt.date
    skipped: bool = False  # nothing changed since the last cycle today: not even parsed
    book: Book | None = None
    plan: Plan | None = None
    delivery: DeliveryReport | None = None
    problems: list[Problem] = field(default_factory=list)
    cells_written: int = 0
    written: bool = False
    not_written: str = ""
    locked_by: str = ""
    write_failed: str = ""
    inbox_fault: str = ""  # why the team inbox could not be read ('' when it could, or there is none)
    inbox_taken: int = 0  # new messages read from the team inbox this cycle
    inbox_commands: int = 0  # IMAP commands the cycle's session sent (an unchanged mailbox: a few)
    seconds: float = 0.0

    @property
    def failure(self) -> str:
        """Why the cycle did not do its job though it ran: the mail server unreachable, a ledger that
        cannot record sends, or a workbook that cannot be written safely. ('' when it did.)"""
        delivery = self.delivery or DeliveryReport()
        unreachable = (
            f"{delivery.unreachable} The emails are deferred to the next cycle."
            if delivery.unreachable
            else ""
        )
        return " ".join(p for p in (unreachable, delivery.ledger_fault, self.write_failed) if p)

    def status_counts(self) -> Counter[str]:
        return Counter(s.status.value for s in self.plan.partners) if self.plan else Counter()


@dataclass
class WorkerState:
    """What one cycle leaves for the next: the moment it covered (workbook fingerprint, day, digest
    hour, and the team inbox's UIDVALIDITY and UIDNEXT: new mail is a new moment)."""

    seen: tuple[Hashable, dt.date, bool, Hashable] | None = None


def run_once(
    source: Source,
    config: Config,
    now: dt.datetime,
    *,
    mailer: Mailer | None = None,
    dry_run: bool = False,
    state: WorkerState | None = None,
) -> CycleReport:
    """Read the workbook, plan for `now` (the team's local time), send what is due, write the
    worker's cells back.

    Without a mailer nothing is sent (the plan still lists what would be). With `state`, a workbook
    unchanged since the last cycle on the same day (and the same side of the digest hour), with no
    new mail in the team inbox, is not read. A dry run reads no inbox (it records nothing).
    """
    started = time.perf_counter()
    ledger = mailer.ledger if mailer is not None else None
    if ledger is not None:
        ledger.verify()  # damaged, missing or replaced: LedgerError, nothing sent or written
    with open_inbox(config, None if dry_run else ledger) as inbox:
        report = _cycle(source, config, now, mailer, dry_run, state, inbox)
    report.inbox_fault, report.inbox_taken = inbox.fault, inbox.taken
    report.inbox_commands = inbox.mailbox.commands if inbox.mailbox is not None else 0
    report.seconds = time.perf_counter() - started
    return report


def _cycle(
    source: Source,
    config: Config,
    now: dt.datetime,
    mailer: Mailer | None,
    dry_run: bool,
    state: WorkerState | None,
    inbox: Inbox,
) -> CycleReport:
    today = now.date()
    ledger = mailer.ledger if mailer is not None else None
    digest_due = mailer is not None and is_digest_due(config, now)
    moment = (source.fingerprint(), today, digest_due, inbox.mark)
    # A new ledger is checked against the sheet before anything is skipped (a deleted state_dir)
    if state is not None and state.seen == moment and (ledger is None or ledger.is_verified):
        return CycleReport(today, skipped=True)

    reading = read(source, config)
    if ledger is not None:  # before anything is planned from it: a new ledger may be a lost one
        confirm_fresh_start(ledger, reading.records, now)
    take_in(inbox, reading.sheet.book, ledger, config, now)
    memory = recall(ledger, config)
    planned = plan(reading, memory, config, today)
    delivered = (
        deliver(planned, reading, memory, mailer, config, now)
        if mailer and not dry_run
        else Delivered(planned)
    )
    recorded = record(reading, memory, delivered, ledger, config)
    written = Written(moment[0]) if dry_run else write_back(source, reading, recorded, ledger, moment[0])

    report = CycleReport(
        today,
        book=delivered.planned.book,
        plan=delivered.planned.plan,
        delivery=delivered.report,
        problems=reading.sheet.problems,
        cells_written=len(recorded.changes.cells),
        written=written.written,
        not_written=written.not_written,
        locked_by=written.locked_by,
        write_failed=written.write_failed,
    )
    if state is not None and not dry_run:
        # A cycle that failed, put emails off or could not read the inbox is run again at the next
        # poll, workbook unchanged or not
        settled = (
            written.fingerprint is not None
            and not report.failure
            and not (report.delivery and report.delivery.deferred)
            and not inbox.left_unread
        )
        state.seen = (written.fingerprint, today, digest_due, inbox.mark) if settled else None
    return report
