"""One cycle (read, plan, write back) and the long-running loop around it."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path

import schedule

from sheets_sync import workbook
from sheets_sync.changes import build_changes
from sheets_sync.config import Config
from sheets_sync.dashboard import dashboard_rows
from sheets_sync.errors import LedgerError, LockedError, SheetsSyncError, SourceError
from sheets_sync.mail.delivery import DeliveryReport
from sheets_sync.mail.ledger import LEDGER_FILE, MARKER_FILE, MIN_FREE_BYTES, Ledger, SendStatus
from sheets_sync.model import Book, Plan, Problem
from sheets_sync.planner import plan as make_plan
from sheets_sync.planner import with_sheet_notice
from sheets_sync.recall import SheetRecords, recalled, sheet_records
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
HEALTH_FILE = "health.json"


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
    if state is not None and state.seen == moment:
        report.skipped = True
        return report

    snapshot = source.read(workbook.tab_names(config))
    rb = workbook.read_book(snapshot, config)
    records = sheet_records(rb) if mailer is not None else None
    if mailer is not None and records is not None:
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

    digests = digest_days(mailer.ledger, records, config) if mailer and records else None
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
        settled = fingerprint is not None and not (report.delivery and report.delivery.deferred)
        state.seen = (fingerprint, today, moment[2]) if settled else None
    report.seconds = time.perf_counter() - started
    return report


# --- the ledger and the sheet's own record --------------------------------------------------


def confirm_fresh_start(ledger: Ledger, records: SheetRecords, now: dt.datetime) -> None:
    """A new ledger next to a sheet that records the worker's sends is a lost ledger: fail closed.

    A ledger stays unverified until a cycle finds that the sheet records no send (a fresh start),
    or `rebuild-ledger` imports what it records.
    """
    if ledger.is_verified:
        return
    if records.count:
        raise LedgerError(
            f"The send ledger {ledger.path} is new, but the sheet records emails that sheets-sync sent "
            f"({records.describe()}): the ledger that knew them is lost (a new state_dir, a deleted "
            f"file). Starting afresh would send some of them again, so nothing is sent. Restore the old "
            f"ledger from a backup, or run `sheets-sync rebuild-ledger` to rebuild it from the sheet."
        )
    if not ledger.read_only:
        ledger.mark_verified(now, "the sheet records no earlier send")


def adopt_recalled(ledger: Ledger, records: SheetRecords, plan: Plan, config: Config) -> int:
    """Planned messages (and digests) the sheet shows as sent but the ledger lacks (an old backup
    restored, say) are recorded as sent, so they are not sent again. Returns how many."""
    fresh = [e for e in recalled(records, plan, config.mail.sender, config.zone)
             if ledger.status(e.key) is not SendStatus.SENT]  # fmt: skip
    if not fresh or ledger.read_only:
        return 0
    log.warning("%d messages the sheet shows as sent were missing from the ledger: recorded now", len(fresh))
    return ledger.adopt(fresh)


def ledger_refusal(ledger: Ledger) -> str:
    """'' when the ledger can record sends, else why not (logged once here)."""
    try:
        ledger.check_room()
    except LedgerError as exc:
        return str(exc)
    return ""


def digest_days(ledger: Ledger, records: SheetRecords, config: Config) -> dict[str, dt.date]:
    """Each manager's latest digest (local date), from the ledger and the Dashboard as read: the
    Dashboard keeps the record even if the ledger is lost."""
    days = dict(records.digests)
    for manager, at in ledger.digest_dates().items():
        day = at.astimezone(config.zone).date()
        days[manager] = max(day, days.get(manager, day))
    return days


# --- health -------------------------------------------------------------------------------


STALLED_POLLS = 3  # cycles in a row in which the mail server put off every due email: unhealthy
_remembered: dict[Path, dict] = {}  # health.json per state_dir, kept here too when the disk refuses it


def record_health(config: Config, now: dt.datetime, ok: bool, error: str = "",
                  report: CycleReport | None = None) -> None:  # fmt: skip
    """Note the cycle's outcome in `state_dir/health.json`, for `health` and the next cycles.

    With `report`, also since when the workbook has been left unwritten (a lock file, no write
    permission: kept until a write lands, so a lock held across many cycles is seen as one) and
    how many cycles in a row the mail server has put off every email that was due. Never raises:
    when the disk refuses the file, the record is kept in memory for this process's next cycles
    (and `health`, which checks the state directory itself, reports the disk).
    """
    path = config.state_dir / HEALTH_FILE
    previous = read_health(config)
    data = {
        "last_success": now.isoformat() if ok else previous.get("last_success"),
        "last_attempt": now.isoformat(),
        "last_error": error,
        "poll_every": config.poll_every,
        "unwritten_since": previous.get("unwritten_since"),
        "held_by": previous.get("held_by", ""),
        "unwritten_why": previous.get("unwritten_why", ""),
        "stalled_cycles": previous.get("stalled_cycles", 0),
        "stalled_why": previous.get("stalled_why", ""),
    }
    if report is not None and not report.skipped:
        if report.not_written and not report.written:
            data["unwritten_since"] = previous.get("unwritten_since") or now.isoformat()
            data["held_by"], data["unwritten_why"] = report.locked_by, report.not_written
        elif report.plan is not None:
            data["unwritten_since"], data["held_by"], data["unwritten_why"] = None, "", ""
        delivery = report.delivery
        if delivery is not None and delivery.is_stalled:
            data["stalled_cycles"] = int(previous.get("stalled_cycles") or 0) + 1
            data["stalled_why"] = delivery.unreachable or (delivery.deferred[-1][1] if delivery.deferred else "")
        elif delivery is not None:
            data["stalled_cycles"], data["stalled_why"] = 0, ""
    _remembered[path] = data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(path)
    except OSError as exc:
        log.warning("cannot write %s (%s): the health record is kept in memory", path, exc.strerror or exc)


def read_health(config: Config) -> dict:
    path = config.state_dir / HEALTH_FILE
    if path in _remembered:  # this process wrote it last (the file may be stale if the disk refused it)
        return dict(_remembered[path])
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def unwritten_for(config: Config, now: dt.datetime) -> tuple[dt.datetime, str] | None:
    """Since when the workbook has been left unwritten (someone has it open, no write permission)
    longer than `xlsx.lock_warn_after`, and why ("open in Excel by ..."); None when it has not."""
    health = read_health(config)
    try:
        since = dt.datetime.fromisoformat(health["unwritten_since"])
    except (KeyError, TypeError, ValueError):
        return None
    if (now - since).total_seconds() < config.xlsx.lock_warn_after:
        return None
    holder = str(health.get("held_by") or "")
    return since, (f"it is {holder}" if holder else str(health.get("unwritten_why") or "it cannot be written"))


def sheet_notice(config: Config, now: dt.datetime) -> tuple[str, str] | None:
    """The digest line for a workbook left unwritten too long: (the workbook's name, what happened)."""
    stuck = unwritten_for(config, now)
    if stuck is None:
        return None
    since, why = stuck
    where = config.source.path.name if config.source.path else "the sheet"
    local = since.astimezone(config.zone)
    fix = ("Close it (or delete a leftover lock file) so that sheets-sync can write its columns."
           if why.startswith("it is ") else "")  # fmt: skip
    return where, f"Not updated since {local:%Y-%m-%d %H:%M}: {why.rstrip('.')}. {fix}".strip()


def state_problems(config: Config) -> list[str]:
    """What keeps the worker from recording its sends or writing its emails, checked on disk now:
    the state directory (writable, free space, the ledger there or lost) and the outbox folder."""
    problems = []
    state = config.state_dir
    ledger = state / LEDGER_FILE
    if state.exists():
        if not os.access(state, os.W_OK | os.X_OK):
            problems.append(f"the state directory {state} is not writable")
        elif shutil.disk_usage(state).free < MIN_FREE_BYTES:
            problems.append(f"the disk of the state directory {state} is full")
        if (state / MARKER_FILE).exists() and (not ledger.exists() or ledger.stat().st_size == 0):
            problems.append(f"the send ledger {ledger} is lost (run `sheets-sync rebuild-ledger`)")
        elif ledger.exists() and not _looks_like_sqlite(ledger):
            problems.append(f"the send ledger {ledger} is damaged (run `sheets-sync rebuild-ledger`)")
        elif ledger.exists() and not os.access(ledger, os.W_OK):
            problems.append(f"the send ledger {ledger} is read-only")
    if config.mail.transport == "outbox":
        outbox = config.mail.outbox_dir
        folder = outbox if outbox.exists() else outbox.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            problems.append(f"the outbox folder {outbox} is not writable")
    return problems


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def is_healthy(config: Config, now: dt.datetime) -> tuple[bool, str]:
    """Healthy when the last cycle succeeded, within three polls (plus two minutes' slack); the
    state directory and the outbox can be written; the mail server has not put off every due email
    for STALLED_POLLS cycles in a row; and the workbook has not been left unwritten (open
    elsewhere, no write permission) for longer than `xlsx.lock_warn_after`.

    Docker's HEALTHCHECK only turns a container unhealthy after several failing checks in a row,
    so one failed cycle that the next poll makes good does not flap it.
    """
    problems = state_problems(config)
    if problems:
        return False, "; ".join(problems)
    health = read_health(config)
    last = health.get("last_success")
    if health.get("last_error") and health.get("last_attempt") != last:
        return False, f"the last cycle ({health.get('last_attempt')}) failed: {health['last_error']}"
    if not last:
        return False, "no successful cycle recorded yet"
    stalled = int(health.get("stalled_cycles") or 0)
    if stalled >= STALLED_POLLS:
        return False, f"the mail server has put off every email due for {stalled} cycles in a row: {health.get('stalled_why')}"
    stuck = unwritten_for(config, now)
    if stuck is not None:
        since, why = stuck
        return False, f"the workbook has not been written since {since.isoformat(timespec='minutes')}: {why}"
    try:
        age = (now - dt.datetime.fromisoformat(last)).total_seconds()
    except (TypeError, ValueError):
        return False, f"{config.state_dir / HEALTH_FILE} is damaged: no successful cycle can be read from it"
    limit = 3 * config.poll_every + 120
    if age > limit:
        return False, f"last successful cycle {age:.0f} s ago (limit {limit} s)"
    return True, f"last successful cycle {age:.0f} s ago"


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
            log.error("cycle failed: %s", exc)
            record_health(config, now, ok=False, error=str(exc))
            return
        except Exception:  # a bug or an unforeseen library error must not kill the worker
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
