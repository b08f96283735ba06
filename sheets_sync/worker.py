"""One cycle (read, plan, write back) and the long-running loop around it."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import schedule

from sheets_sync import workbook
from sheets_sync.changes import build_changes
from sheets_sync.config import Config
from sheets_sync.dashboard import dashboard_rows
from sheets_sync.errors import LedgerError, LockedError, SheetsSyncError, SourceError
from sheets_sync.health import record_health, sheet_notice
from sheets_sync.mail.delivery import DeliveryReport, ledger_refusal
from sheets_sync.model import Book, Plan, Problem
from sheets_sync.planner import plan as make_plan
from sheets_sync.planner import with_sheet_notice
from sheets_sync.recall import adopt_recalled, confirm_fresh_start, digest_days, sheet_records
from sheets_sync.records import log_rows, note_reminders, remember
from sheets_sync.sending import (
    Mailer,
    deferred_greetings,
    digests_delivered,
    failed_sends,
    is_digest_due,
    refusal_notes,
    send_digests,
    send_planned,
    sent_so_far,
    unlogged_sends,
)
from sheets_sync.sources import Source

log = logging.getLogger(__name__)


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
    not_written: str = ""  # why a write was put off (lock file, concurrent edit) or refused
    locked_by: str = ""  # who has the workbook open, when a lock file put the write off
    write_failed: str = ""  # why the workbook cannot be written safely (permanent: fix the file)
    seconds: float = 0.0

    @property
    def failure(self) -> str:
        """Why the cycle did not do its job though it ran: the mail server unreachable, a ledger that
        cannot record sends, or a workbook that cannot be written safely. ('' when it did.)"""
        delivery = self.delivery or DeliveryReport()
        unreachable = f"{delivery.unreachable} The emails are deferred to the next cycle." if delivery.unreachable else ""
        return " ".join(p for p in (unreachable, delivery.ledger_fault, self.write_failed) if p)

    def status_counts(self) -> Counter:
        return Counter(s.status.value for s in self.plan.partners) if self.plan else Counter()


@dataclass
class WorkerState:
    """What one cycle leaves for the next: the moment it covered (workbook fingerprint, day, digest hour)."""

    seen: tuple[Hashable, dt.date, bool] | None = None


def local_now(config: Config) -> dt.datetime:
    return dt.datetime.now(config.zone)


def run_once(source: Source, config: Config, now: dt.datetime, *, mailer: Mailer | None = None,
             dry_run: bool = False, state: WorkerState | None = None) -> CycleReport:  # fmt: skip
    """Read the workbook, plan for `now` (the team's local time), send what is due, write the worker's cells back.

    Without a mailer nothing is sent (the plan still lists what would be). With `state`, a workbook
    unchanged since the last cycle on the same day (and the same side of the digest hour) is not read.
    """
    started = time.perf_counter()
    today = now.date()
    report = CycleReport(today)
    if mailer is not None:
        mailer.ledger.verify()  # damaged, missing or replaced: LedgerError, nothing sent or written
    moment = (source.fingerprint(), today, mailer is not None and is_digest_due(config, now))
    # A new ledger is checked against the sheet before anything is skipped (a deleted state_dir)
    if state is not None and state.seen == moment and (mailer is None or mailer.ledger.is_verified):
        report.skipped = True
        return report

    snapshot = source.read(workbook.tab_names(config))
    rb = workbook.read_book(snapshot, config)
    records = sheet_records(rb)
    if mailer is not None:
        confirm_fresh_start(mailer.ledger, records, now)
    sent = sent_so_far(mailer.ledger, config.zone) if mailer else []
    late = deferred_greetings(mailer.ledger, config.zone) if mailer else {}
    book = remember(rb.book, sent)
    plan = make_plan(book, config, today, deferred=late)
    notes: dict = {}
    if mailer is not None and not dry_run:
        adopt_recalled(mailer.ledger, records, plan, config)
    refusal = ledger_refusal(mailer.ledger) if mailer is not None and not dry_run else ""
    if refusal:  # the ledger cannot record a send: no mail session at all this cycle
        report.delivery = DeliveryReport(ledger_fault=refusal)
    elif mailer is not None and not dry_run:
        with mailer.transport() as transport:  # one mail session for the whole cycle
            report.delivery, notes = send_planned(plan, mailer, transport, config, now)
            if report.delivery.sent:  # what went out is recorded in the sheet and changes the plan
                sent = sent_so_far(mailer.ledger, config.zone)
                book = remember(rb.book, sent)
                plan = make_plan(book, config, today, deferred=late)  # a late greeting sent now is remembered
            notice = sheet_notice(config, now)
            digest_plan = with_sheet_notice(plan, *notice) if notice else plan
            send_digests(digest_plan, mailer, transport, config, now, report.delivery)
        book = note_reminders(book, plan, digests_delivered(report.delivery, now))
    unlogged = unlogged_sends(mailer.ledger, config.zone) if mailer else []
    if mailer is not None:
        for where, extra in refusal_notes(book, sent + failed_sends(mailer.ledger, config.zone)).items():
            notes.setdefault(where, []).extend(extra)
    report.book, report.plan, report.problems = book, plan, rb.problems

    digests = digest_days(mailer.ledger, records, config) if mailer else None
    changes = build_changes(rb, plan, dashboard_rows(book, plan, config, digests), config, book=book,
                            appends=log_rows(book, unlogged), notes=notes)  # fmt: skip
    report.cells_written = len(changes.cells)
    fingerprint = moment[0]
    if not dry_run and not changes.is_empty():
        try:
            fingerprint = source.write(snapshot, changes)
            report.written = True
        except SourceError as exc:
            # The emails went out and the ledger has them; only the sheet waits. A lock or a
            # concurrent edit is retried next cycle; a workbook that cannot be edited safely fails
            # the cycle (exit 1, unhealthy) until the team fixes it, and its log rows wait too.
            report.not_written = str(exc)
            report.locked_by = exc.holder if isinstance(exc, LockedError) else ""
            if not exc.transient:
                report.write_failed = str(exc)  # logged or printed once, by the caller, as the cycle's failure
            fingerprint = None  # try again next cycle
    if unlogged and not dry_run and (report.written or changes.is_empty()):
        # Each log row is in the sheet: just written, or found there (by its ID) from a write that
        # landed although it seemed to fail, which build_changes and the source then leave out.
        try:
            mailer.ledger.mark_logged(s.key for s in unlogged)
        except LedgerError as exc:  # harmless: the rows' IDs keep them from being appended twice
            log.warning("%s", exc)
    if state is not None and not dry_run:
        # A cycle that failed or put emails off is run again at the next poll, workbook unchanged or not
        settled = fingerprint is not None and not report.failure and not (report.delivery and report.delivery.deferred)
        state.seen = (fingerprint, today, moment[2]) if settled else None
    report.seconds = time.perf_counter() - started
    return report


# --- the long-running loop ----------------------------------------------------------------


class Stopper:
    """Signal handlers only set `event`; the loop finishes its cycle and returns.

    The event is the one stop signal of the process: the cycle's waits (Google's retry backoff,
    mail pacing) wait on it, and the source and the mailer start no new request or message once
    it is set, so a stop ends the cycle within a second or so, or one request's timeout when a
    request is on the wire (see the README's Docker section).
    """

    def __init__(self):
        self.event = threading.Event()

    @property
    def stopping(self) -> bool:
        return self.event.is_set()

    def stop(self) -> None:
        self.event.set()

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)

    def _stop(self, signum, frame) -> None:
        log.info("received %s: stopping after the current cycle", signal.Signals(signum).name)
        # The handler runs in the main thread between two bytecodes, possibly inside Event.wait()
        # holding the event's internal lock; Event.set() here could then deadlock. A thread of its
        # own sets it as soon as the main thread lets go.
        threading.Thread(target=self.event.set, name="stop", daemon=True).start()


def run_forever(source: Source, config: Config, on_cycle: Callable[[CycleReport], None],
                stopper: Stopper, mailer: Mailer | None = None, slice_seconds: float = 0.5) -> None:  # fmt: skip
    """Poll every `poll_every`; a failing cycle is logged and the next one tries again.

    No cycle starts once `stopper` is stopping; pass its event to the source and the mailer so
    that the cycle in progress stops waiting too.
    """
    state = WorkerState()

    def cycle() -> None:
        if stopper.stopping:
            return
        now = local_now(config)
        try:
            report = run_once(source, config, now, mailer=mailer, state=state)
        except SheetsSyncError as exc:
            state.seen = None  # the next poll runs a whole cycle again
            log.error("cycle failed: %s", exc)
            record_health(config, now, ok=False, error=str(exc))
            return
        except Exception:  # a bug or an unforeseen library error must not kill the worker
            state.seen = None
            log.exception("cycle failed")
            record_health(config, now, ok=False, error="unexpected error (see the log)")
            return
        failure = report.failure
        if failure:  # the sheet was written and the emails wait for the server, or the other way round
            log.error("cycle failed: %s", failure)
        record_health(config, now, ok=not failure, error=failure, report=report)
        try:
            on_cycle(report)
        except Exception:  # printing the summary (a closed stdout, say) must not end the worker either
            log.exception("reporting the cycle failed")

    scheduler = schedule.Scheduler()  # runs late jobs once, never a burst of missed ones
    scheduler.every(config.poll_every).seconds.do(cycle)
    cycle()
    while not stopper.stopping:
        scheduler.run_pending()
        stopper.event.wait(slice_seconds)
