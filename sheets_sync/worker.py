"""One cycle (read, plan, write back) and the long-running loop around it."""

from __future__ import annotations

import datetime as dt
import json
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
from sheets_sync.errors import LockedError, SheetsSyncError, SourceError
from sheets_sync.mail.delivery import DeliveryReport
from sheets_sync.model import Book, Plan, Problem
from sheets_sync.planner import plan as make_plan
from sheets_sync.planner import with_sheet_notice
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
        """Why the cycle did not do its job though it ran: the mail server unreachable, or a workbook
        that cannot be written safely. ('' when it did.)"""
        return (self.delivery.unreachable if self.delivery else "") or self.write_failed

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
    moment = (source.fingerprint(), today, mailer is not None and is_digest_due(config, now))
    if state is not None and state.seen == moment:
        report.skipped = True
        return report

    snapshot = source.read(workbook.tab_names(config))
    rb = workbook.read_book(snapshot, config)
    sent = sent_so_far(mailer.ledger, config.zone) if mailer else []
    late = deferred_greetings(mailer.ledger, config.zone) if mailer else {}
    book = remember(rb.book, sent)
    plan = make_plan(book, config, today, deferred=late)
    notes: dict = {}
    if mailer is not None and not dry_run:
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

    changes = build_changes(rb, plan, dashboard_rows(book, plan, config), config, book=book,
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
        mailer.ledger.mark_logged(s.key for s in unlogged)
    if state is not None and not dry_run:
        settled = fingerprint is not None and not (report.delivery and report.delivery.deferred)
        state.seen = (fingerprint, today, moment[2]) if settled else None
    report.seconds = time.perf_counter() - started
    return report


# --- health -------------------------------------------------------------------------------


def record_health(config: Config, now: dt.datetime, ok: bool, error: str = "",
                  report: CycleReport | None = None) -> None:  # fmt: skip
    """Note the cycle's outcome in `state_dir/health.json`, for `health` and the next cycles.

    With `report`, also when the workbook was first left unwritten because someone has it open
    (kept until a write lands, so that a lock held across many cycles is seen as one).
    """
    path = config.state_dir / HEALTH_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = read_health(config)
    data = {
        "last_success": now.isoformat() if ok else previous.get("last_success"),
        "last_attempt": now.isoformat(),
        "last_error": error,
        "poll_every": config.poll_every,
        "unwritten_since": previous.get("unwritten_since"),
        "held_by": previous.get("held_by", ""),
    }
    if report is not None and report.locked_by:
        data["unwritten_since"] = previous.get("unwritten_since") or now.isoformat()
        data["held_by"] = report.locked_by
    elif report is not None and (report.written or (report.plan is not None and not report.not_written)):
        data["unwritten_since"], data["held_by"] = None, ""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)


def read_health(config: Config) -> dict:
    try:
        return json.loads((config.state_dir / HEALTH_FILE).read_text())
    except (OSError, ValueError):
        return {}


def unwritten_for(config: Config, now: dt.datetime) -> tuple[dt.datetime, str] | None:
    """Since when, and held by whom, the workbook has been left unwritten longer than
    `xlsx.lock_warn_after` because someone has it open; None when it has not."""
    health = read_health(config)
    try:
        since = dt.datetime.fromisoformat(health["unwritten_since"])
    except (KeyError, TypeError, ValueError):
        return None
    if (now - since).total_seconds() < config.xlsx.lock_warn_after:
        return None
    return since, str(health.get("held_by", ""))


def sheet_notice(config: Config, now: dt.datetime) -> tuple[str, str] | None:
    """The digest line for a workbook left unwritten too long: (the workbook's name, what happened)."""
    stuck = unwritten_for(config, now)
    if stuck is None:
        return None
    since, holder = stuck
    where = config.source.path.name if config.source.path else "the sheet"
    local = since.astimezone(config.zone)
    return where, (f"Not updated since {local:%Y-%m-%d %H:%M}: it is {holder}. Close it (or delete a "
                   "leftover lock file) so that sheets-sync can write its columns.")  # fmt: skip


def is_healthy(config: Config, now: dt.datetime) -> tuple[bool, str]:
    """Healthy when the last cycle succeeded, within three polls (plus two minutes' slack), and the
    workbook has not been left unwritten (someone has it open) for longer than `xlsx.lock_warn_after`.

    Docker's HEALTHCHECK only turns a container unhealthy after several failing checks in a row,
    so one failed cycle that the next poll makes good does not flap it.
    """
    health = read_health(config)
    last = health.get("last_success")
    if health.get("last_error") and health.get("last_attempt") != last:
        return False, f"the last cycle ({health.get('last_attempt')}) failed: {health['last_error']}"
    if not last:
        return False, "no successful cycle recorded yet"
    stuck = unwritten_for(config, now)
    if stuck is not None:
        since, holder = stuck
        return False, f"the workbook has not been written since {since.isoformat(timespec='minutes')}: it is {holder}"
    age = (now - dt.datetime.fromisoformat(last)).total_seconds()
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
        on_cycle(report)

    scheduler = schedule.Scheduler()  # runs late jobs once, never a burst of missed ones
    scheduler.every(config.poll_every).seconds.do(cycle)
    cycle()
    while not stopper.stopping:
        scheduler.run_pending()
        stopper.event.wait(slice_seconds)
